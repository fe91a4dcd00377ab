#!/usr/bin/env bash
# `make bench`: load the large data set into PostgreSQL, serve it with gunicorn -w 2 and
# production settings, measure each page of bench/pages.py with wrk as a signed-in user,
# and write the table to docs/benchmarks.md. See that file for what each step does.
#
# Arguments are passed on to `manage.py seed_bench` (e.g. `--users 5000`), after $BENCH_SIZES.
# Environment: BENCH_SIZES, BENCH_FRESH=1, BENCH_USER, BENCH_DURATION (10s), BENCH_WARMUP (2s),
# BENCH_THREADS (2), BENCH_CONNECTIONS (8), BENCH_QUIET_WAIT (30, seconds), BENCH_PORT (8123),
# BENCH_DB, BENCH_REDIS_URL, BENCH_PAGES (regex on page names), BENCH_REPORT (docs/benchmarks.md),
# BENCH_RUN_DIR (docs/_bench), BENCH_PROBE_REQUESTS (30), BENCH_PROBE_SECONDS (5),
# BENCH_BURST (1; 0 skips the いいね burst), BENCH_BURST_ARGS (options of bench/burst.py).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
BIN=.venv/bin
DB=${BENCH_DB:-dx_coe_portal_bench}
PORT=${BENCH_PORT:-8123}
BASE="http://127.0.0.1:$PORT"
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-8}
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
PROBE_REQUESTS=${BENCH_PROBE_REQUESTS:-30}
PROBE_SECONDS=${BENCH_PROBE_SECONDS:-5}
# Two runs at once (say, a second database) need their own run directory and report.
RUN_DIR=${BENCH_RUN_DIR:-docs/_bench}
DOC=${BENCH_REPORT:-docs/benchmarks.md}
# bench/prepare.py keeps only the pages whose name matches (and the ceiling row).
export BENCH_PAGES=${BENCH_PAGES:-}

say() { echo "bench: $*"; }

# --- tools and services --------------------------------------------------------
if ! command -v wrk >/dev/null; then
  say "installing wrk"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Another apt-get (chromium for the browser tests) may hold the lock for a while.
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends wrk >/dev/null
fi
command -v curl >/dev/null || { echo "bench: curl is needed" >&2; exit 1; }

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/bench.log
  for _ in $(seq 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 1; done
fi

# BENCH_FRESH=1 starts from an empty database (say, after a migration was rewritten).
if [ "${BENCH_FRESH:-0}" = 1 ]; then
  say "dropping database $DB"
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
fi
if [ -z "$(psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  say "creating database $DB"
  createdb -h 127.0.0.1 -U postgres -T template0 -E UTF8 --lc-collate=C.UTF-8 --lc-ctype=C.UTF-8 "$DB"
fi

# --- production-like settings -------------------------------------------------------
# A fresh secret per run: the session cookie below is made and checked with the same one.
unset GUNICORN_CMD_ARGS DJANGO_SETTINGS_MODULE
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}
export CELERY_BROKER_URL=$REDIS_URL
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="bench-$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(40))')"
export DJANGO_SECURE_SSL_REDIRECT=0
export DJANGO_LOG_LEVEL=WARNING
# Signed in as seeded users with production settings: the one case where production accepts
# PORTAL_LOCAL_LOGIN=1, and only on loopback (host names here, the server bound to 127.0.0.1
# below, no proxy in front); the server then refuses requests from any other address.
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_BEHIND_TLS_PROXY=0
export PORTAL_LOCAL_LOGIN=1
export PORTAL_BENCH=1
export PORTAL_RELEASE="bench-$(git rev-parse --short=12 HEAD 2>/dev/null || echo local)"

rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"

say "migrating $DB"
$BIN/python manage.py migrate --no-input --verbosity 0

say "seeding (manage.py seed_bench --if-needed ${BENCH_SIZES:-} $*)"
seed_started=$SECONDS
# shellcheck disable=SC2086  # BENCH_SIZES is a list of options
$BIN/python manage.py seed_bench --if-needed ${BENCH_SIZES:-} "$@" | tee "$RUN_DIR/seed.log"
seed_seconds=$((SECONDS - seed_started))
seed_skipped=false
grep -q "nothing to do" "$RUN_DIR/seed.log" && seed_skipped=true

$BIN/python manage.py collectstatic --no-input --verbosity 0

say "signing in and counting queries"
# Server errors of pages are logged there and shown in the table as an HTTP status.
$BIN/python -m bench.prepare "$RUN_DIR/pages.json" 2>"$RUN_DIR/prepare.log" || { cat "$RUN_DIR/prepare.log" >&2; exit 1; }
grep -q "ERROR" "$RUN_DIR/prepare.log" && say "warning: some pages failed; see $RUN_DIR/prepare.log"

# --- server ---------------------------------------------------------------------
if curl -s -o /dev/null "$BASE/"; then
  echo "bench: something already listens on port $PORT; stop it or set BENCH_PORT" >&2
  exit 1
fi
SERVER="gunicorn portal.wsgi -w 2 -b 127.0.0.1:$PORT"
# shellcheck disable=SC2086
$BIN/$SERVER --log-level warning >"$RUN_DIR/gunicorn.log" 2>&1 &
gunicorn_pid=$!
stop_server() {
  kill -TERM "$gunicorn_pid" 2>/dev/null || true
  wait "$gunicorn_pid" 2>/dev/null || true
}
trap stop_server EXIT
for _ in $(seq 60); do
  curl -sf -o /dev/null "$BASE/healthz" && break
  kill -0 "$gunicorn_pid" 2>/dev/null || { cat "$RUN_DIR/gunicorn.log" >&2; exit 1; }
  sleep 0.5
done
curl -sf -o /dev/null "$BASE/healthz" || { echo "bench: the server did not become healthy" >&2; exit 1; }

# --- measure --------------------------------------------------------------------
LOAD="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout 10s --latency"
$BIN/python -c '
import json, sys
for i, p in enumerate(json.load(open(sys.argv[1]))["pages"]):
    print(i, int(p["signed_in"]), p["path"], p["cookie"], sep="\t")
' "$RUN_DIR/pages.json" >"$RUN_DIR/pages.tsv"

# Anything else running here (a test suite, a browser) lowers the figures: before each
# page and after the last, measure how busy the CPUs are over 2 s while the server idles.
other_cpu() {
  $BIN/python -c '
import time
def sample():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = sample(); time.sleep(2); t1, i1 = sample()
print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))'
}
while IFS=$'\t' read -r index signed_in path page_cookie; do
  headers=()
  [ "$signed_in" = 1 ] && headers=(-H "Cookie: $page_cookie")
  status=$(curl -s -o /dev/null -w '%{http_code}' "${headers[@]}" "$BASE$path")
  echo "$status" >"$RUN_DIR/status-$index.txt"
  [ "$status" = 200 ] || echo "bench: warning: $path answered HTTP $status" >&2
  # Give a burst of other work (up to $QUIET_WAIT s) the chance to end before measuring.
  waited=0
  while busy=$(other_cpu) && [ "$busy" -ge 10 ] && [ "$waited" -lt "$QUIET_WAIT" ]; do
    waited=$((waited + 2))
  done
  echo "$busy" >"$RUN_DIR/busy-$index.txt"
  say "$path"
  [ "$busy" -lt 10 ] || say "warning: the CPUs are ${busy}% busy with other work; this page's figures will be low"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${headers[@]}" "$BASE$path" >/dev/null
  # CPU time of the server's workers and database backends during the run (bench/cpu.py).
  $BIN/python -m bench.cpu "$gunicorn_pid" "$DB" "$RUN_DIR/cpu-$index.json" &
  sampler_pid=$!
  for _ in $(seq 100); do [ -e "$RUN_DIR/cpu-$index.json.ready" ] && break; sleep 0.05; done
  # shellcheck disable=SC2086
  $LOAD "${headers[@]}" "$BASE$path" >"$RUN_DIR/wrk-$index.txt"
  kill -TERM "$sampler_pid"
  wait "$sampler_pid"
  grep -E "Requests/sec|^ +(50|99)%" "$RUN_DIR/wrk-$index.txt" | tr -s ' ' | paste -sd ' ' | sed 's/^/        /'
  # What one user waits, one request at a time, without queueing behind wrk's connections.
  probe_cookie=()
  [ "$signed_in" = 1 ] && probe_cookie=(--cookie "$page_cookie")
  $BIN/python -m bench.latency "$BASE$path" "${probe_cookie[@]}" --server-pid "$gunicorn_pid" \
    --requests "$PROBE_REQUESTS" --seconds "$PROBE_SECONDS" >"$RUN_DIR/probe-$index.json"
  $BIN/python -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("        one user: p50 %s ms, p95 %s ms (%s requests)" % (r["p50_ms"], r["p95_ms"], r["count"]))
' "$RUN_DIR/probe-$index.json"
done <"$RUN_DIR/pages.tsv"

# --- いいね burst (issue #5) ---------------------------------------------------------------
# bench/burst.py signs in 3,000 staff users, sends their votes within a minute while it
# measures the idea list, checks the counts and puts the data set back.
if [ "${BENCH_BURST:-1}" = 1 ]; then
  waited=0
  while busy=$(other_cpu) && [ "$busy" -ge 10 ] && [ "$waited" -lt "$QUIET_WAIT" ]; do
    waited=$((waited + 2))
  done
  echo "$busy" >"$RUN_DIR/busy-burst.txt"
  say "いいね burst"
  [ "$busy" -lt 10 ] || say "warning: the CPUs are ${busy}% busy with other work; the burst's latencies will be high"
  # shellcheck disable=SC2086  # BENCH_BURST_ARGS is a list of options
  $BIN/python -m bench.burst "$BASE" "$RUN_DIR/burst.json" --server-pid "$gunicorn_pid" ${BENCH_BURST_ARGS:-} \
    || say "warning: the burst did not finish; see the messages above"
fi

stop_server
trap - EXIT
busy_after=$(other_cpu)
if grep -q "ERROR" "$RUN_DIR/gunicorn.log"; then
  say "warning: the server logged $(grep -c "ERROR" "$RUN_DIR/gunicorn.log") errors; see $RUN_DIR/gunicorn.log"
fi

# --- report ---------------------------------------------------------------------
BENCH_DATE="$(date '+%Y-%m-%d %H:%M %Z')" \
BENCH_META_SERVER="$SERVER" BENCH_META_LOAD="$LOAD" BENCH_META_WARMUP="$WARMUP" \
BENCH_META_SEED="$seed_seconds" BENCH_META_SKIPPED="$seed_skipped" \
BENCH_META_TOTAL="$((SECONDS - started))" \
BENCH_META_BUSY_AFTER="$busy_after" \
BENCH_META_PROBE="$PROBE_REQUESTS requests or $PROBE_SECONDS s" \
BENCH_META_GUNICORN="$($BIN/gunicorn --version 2>&1 | head -1)" \
BENCH_META_WRK="$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)" \
  $BIN/python -c '
import json, os, sys
e = os.environ
json.dump({
    "date": e["BENCH_DATE"], "server": e["BENCH_META_SERVER"], "load": e["BENCH_META_LOAD"],
    "warmup": e["BENCH_META_WARMUP"], "seed_seconds": int(e["BENCH_META_SEED"]),
    "seed_skipped": e["BENCH_META_SKIPPED"] == "true", "total_seconds": int(e["BENCH_META_TOTAL"]),
    "gunicorn": e["BENCH_META_GUNICORN"], "wrk_version": e["BENCH_META_WRK"],
    "busy_after": int(e["BENCH_META_BUSY_AFTER"]), "probe": e["BENCH_META_PROBE"],
}, open(sys.argv[1], "w"), indent=2)
' "$RUN_DIR/meta.json"
$BIN/python -m bench.report "$RUN_DIR" "$DOC"
say "done in $((SECONDS - started)) s"
