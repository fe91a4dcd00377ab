"""Turn bench/run.sh's wrk outputs into the table in docs/benchmarks.md.

`python -m bench.report RUN_DIR docs/benchmarks.md` reads, from RUN_DIR: pages.json
(from bench.prepare), and per page wrk-<n>.txt (`wrk --latency` output), status-<n>.txt
(the HTTP status gunicorn gave), busy-<n>.txt (other work on the machine),
cpu-<n>.json (bench.cpu) and probe-<n>.json (bench.latency), meta.json (timings and
settings from run.sh), and burst.json (bench.burst) with busy-burst.txt if the burst ran.
Only the part of the document between the two markers is replaced, so notes
written around it survive the next run; a document without them gets them at its end.
"""

import json
import os
import platform
import re
import sys
from pathlib import Path

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}

INTRO = """# Benchmarks

`make bench` loads a large data set into its own PostgreSQL database, serves the portal
with production settings under `gunicorn -w 2`, and measures each main page with `wrk`
as a signed-in user. The table below is rewritten by every run; notes outside the
markers are kept.

"""

HOW_TO = """## How to run

```sh
make bench                                          # default sizes (see `manage.py seed_bench --help`)
BENCH_SIZES="--users 5000 --notifications 20000" make bench    # smaller, for a quick look
BENCH_FRESH=1 make bench                            # drop and recreate the benchmark database first
BENCH_DURATION=30s make bench                       # longer runs per page
```

Other settings: `BENCH_USER` (username to sign in as), `BENCH_WARMUP` (2s), `BENCH_THREADS` (2),
`BENCH_CONNECTIONS` (8), `BENCH_QUIET_WAIT` (30: seconds to wait, per page, for other work on the
machine to calm down), `BENCH_PORT` (8123), `BENCH_DB`, `BENCH_REDIS_URL` (database 14),
`BENCH_PAGES` (a regular expression on page names: only those are measured, and the ceiling row),
`BENCH_REPORT` (this file), `BENCH_RUN_DIR` (`docs/_bench`), `BENCH_PROBE_REQUESTS` (30) and
`BENCH_PROBE_SECONDS` (5) for the one-user probe, `BENCH_BURST` (0 skips the いいね burst) and
`BENCH_BURST_ARGS` (options of `bench/burst.py`).

What `bench/run.sh` does:

1. installs `wrk` (Debian package) if missing, starts PostgreSQL and Redis if they are down;
2. creates the database `dx_coe_portal_bench` (UTF-8, `C.UTF-8` collation) if missing and migrates it;
3. `manage.py seed_bench --if-needed $BENCH_SIZES`: **empties the database** (flush) and bulk-loads
   the data set, then `VACUUM ANALYZE`; with `--if-needed` it does nothing when the database already
   holds exactly the requested sizes, so a rerun starts measuring at once. It refuses a database
   whose name does not contain "bench";
4. `collectstatic`, then `gunicorn portal.wsgi -w 2` on 127.0.0.1:8123 with production settings
   (`DJANGO_DEBUG=0`, Redis cache, `PORTAL_LOCAL_LOGIN=1`, no SSL redirect, `PORTAL_BENCH=1`
   for the trivial view);
5. `bench/prepare.py` signs the benchmark user in (the first COE member, or `BENCH_USER`),
   resolves each page's URL and counts its SQL queries on a warm request through Django's test Client;
6. for each page: checks it answers 200 with the cookie, waits (up to 30 s) until the CPUs are less
   than 10% busy with other work, warms up for 2 s, then runs `wrk -t2 -c8 -d10s --latency` with
   the session cookie while `bench/cpu.py` adds up the CPU time of the gunicorn workers and of
   their PostgreSQL backends; then `bench/latency.py` sends the same request one at a time
   (30 requests or 5 s) for the "one user" columns;
7. `bench/burst.py`: 3,000 distinct signed-in users vote within a minute while the idea list is
   measured; checks that every count is exact, then puts the data set back;
8. `bench/report.py` writes the table and the burst's result; the raw outputs and the server log
   stay in `docs/_bench/` (not committed).

The run stops gunicorn on exit. Ratio is the page's requests/s divided by the trivial view's
(anonymous, no session): the share of this machine's ceiling the page reaches. wrk runs on the
same machine and takes some of its CPU. gunicorn's sync workers close the connection after each
response, so every request includes a TCP connect, as behind a proxy without keep-alive.

## Adding pages and data

- A page: append a `Page(...)` to `PAGES` in `bench/pages.py` (a function for URLs that need an
  object's id).
- Data: give the app an `apps/<app>/bench.py` with `SIZES = {"name": default}` (each name becomes a
  `seed_bench --name N` option) and `seed(*, sizes, stdout)` that bulk-inserts its rows; add
  `counts()` so `--if-needed` can tell the data is already there. See `apps/notifications/bench.py`.
  Modules run in INSTALLED_APPS order; passwords are one shared unusable hash, never hashed per user.
"""


def parse_wrk(text: str) -> dict:
    def ms(label: str) -> float | None:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.MULTILINE)
        return float(match.group(1)) * UNITS_MS[match.group(2)] if match else None

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", text, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "rps": float(rps.group(1)) if rps else None,
        "requests": int(total.group(1)) if total else 0,
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, socket.groups())) if socket else 0),
    }


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def render(run_dir: Path) -> str:
    prepared = json.loads((run_dir / "pages.json").read_text(encoding="utf-8"))
    meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
    rows = []
    for index, page in enumerate(prepared["pages"]):
        wrk_file, status_file = run_dir / f"wrk-{index}.txt", run_dir / f"status-{index}.txt"
        busy_file = run_dir / f"busy-{index}.txt"
        row = {**page, **parse_wrk(wrk_file.read_text() if wrk_file.exists() else "")}
        if status_file.exists():  # what gunicorn answered, rather than the test Client
            row["status"] = int(status_file.read_text().strip() or 0)
        row["busy"] = int(busy_file.read_text().strip()) if busy_file.exists() else None
        cpu_file = run_dir / f"cpu-{index}.json"
        cpu = json.loads(cpu_file.read_text()) if cpu_file.exists() else {}
        for part in ("app", "db"):
            seconds = cpu.get(f"{part}_seconds")
            row[f"{part}_ms"] = seconds * 1000 / row["requests"] if seconds is not None and row["requests"] else None
        probe_file = run_dir / f"probe-{index}.json"
        probe = json.loads(probe_file.read_text()) if probe_file.exists() else {}
        row["one_p50"], row["one_p95"] = probe.get("p50_ms"), probe.get("p95_ms")
        rows.append(row)
    ceiling = next((r["rps"] for r in rows if r["ceiling"] and r["rps"]), None)

    lines = [
        BEGIN,
        "## Latest run",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: {os.cpu_count()} CPUs ({_cpu()}), {_memory()} memory; {platform.system()} {platform.release()}",
        f"- Software: Python {platform.python_version()}, Django {prepared['django']}, {prepared['database']}, "
        f"{meta['gunicorn']}, {meta['wrk_version']}",
        f"- Server: `{meta['server']}`",
        f"- Load: `{meta['load']}` per page, after a {meta['warmup']} warm-up",
        "- Data: " + ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in prepared["sizes"].items()),
        f"- Signed in as: `{prepared['user']['username']}` (roles: {', '.join(prepared['user']['roles'])})",
        *([f"- Pages: only those whose name matches `{prepared['only']}`"] if prepared.get("only") else []),
        f"- Time: seeding {meta['seed_seconds']} s"
        + (" (data already present)" if meta.get("seed_skipped") else "")
        + f", whole run {meta['total_seconds']} s",
        "",
        "| page | path | req/s | p50 ms | p99 ms | one user p50 ms | one user p95 ms | queries | ratio to trivial "
        "| errors | app CPU ms/req | DB CPU ms/req | other CPU % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = f"{row['rps'] / ceiling:.2f}" if ceiling and row["rps"] else "–"
        status = "" if row["status"] == 200 else f" (HTTP {row['status']})"
        lines.append(
            f"| {row['name']}{status} | `{row['path']}` | {_fmt(row['rps'], 0)} | {_fmt(row['p50'], 2)} | "
            f"{_fmt(row['p99'], 2)} | {_fmt(row['one_p50'], 2)} | {_fmt(row['one_p95'], 2)} | "
            f"{row['queries']} | {ratio} | {row['errors']} | "
            f"{_fmt(row['app_ms'], 2)} | {_fmt(row['db_ms'], 2)} | {_fmt(row['busy'], 0)} |"
        )
    lines += [
        "",
        "p50/p99 ms: wrk's latencies with all its connections busy at once, so they include the wait "
        "behind the other requests. One user p50/p95 ms: the response time a single user sees without that "
        "queue: one request at a time on a new connection, after the wrk run once the server has answered "
        "wrk's last requests (bench/latency.py, "
        f"{meta.get('probe', '30 requests or 5 s')} per page, whichever comes first); the reports issue's "
        'target "p95 under 300 ms" is judged on this column. '
        "Queries: SQL statements of one warm request, session and user included. "
        "Errors: non-2xx/3xx responses plus socket errors during the wrk run. "
        "App/DB CPU ms/req: CPU time of the gunicorn workers and of their PostgreSQL backends per request "
        "during the run; less affected than req/s and latency when other work shares the machine. "
        "Reports: the page shows figures a task computed (apps.reports.services); the time of that cold "
        "build, in the bench's own process before the page was measured, follows the table. "
        "Other CPU %: how busy the CPUs were with other work just before the page was measured "
        f"(2 s, server idle; {meta['busy_after']}% after the last page); above about 10% that row's figures are low.",
    ]
    cold = [(row["name"], row["cold_build_ms"]) for row in rows if row.get("cold_build_ms") is not None]
    if cold:
        lines += [
            "",
            "Cold build of the report figures (one view, all its sections, in the bench's process): "
            + "; ".join(f"{name}: {_fmt(ms, 0)} ms" for name, ms in cold)
            + ".",
        ]
    burst_file = run_dir / "burst.json"
    if burst_file.exists():
        busy_file = run_dir / "busy-burst.txt"
        busy = int(busy_file.read_text().strip()) if busy_file.exists() else None
        lines += ["", *render_burst(json.loads(burst_file.read_text(encoding="utf-8")), busy)]
    lines.append(END)
    return "\n".join(lines) + "\n"


def _yes(value: bool) -> str:
    return "yes" if value else "**no**"


def render_burst(burst: dict, busy: int | None) -> list[str]:
    """The いいね burst of issue #5 (bench/burst.py), in sentences rather than a table: its
    figures are of different kinds."""
    if "votes" not in burst:  # stopped before sending: the setup failed
        return ["## いいね burst", "", f"The burst did not run to the end; data set restored: {burst.get('restored')}."]
    idle, during, counts, machine, db = (
        burst["idle"],
        burst["burst"],
        burst["counts"],
        burst["machine"],
        burst["database"],
    )
    challenge, votes = burst["challenge"], burst["vote_latency"]
    verdict = "pass" if burst["pass"] else "**fail**"
    statuses = ", ".join(f"{n:,} × {status}" for status, n in burst["statuses"].items())
    per_vote = ""
    if machine.get("server_app_cpu_seconds") is not None and burst["posts"]:
        app_ms = machine["server_app_cpu_seconds"] * 1000 / burst["posts"]
        db_ms = machine["server_db_cpu_seconds"] * 1000 / burst["posts"]
        per_vote = f"; per vote request {app_ms:.1f} ms app and {db_ms:.1f} ms database CPU (idea list probes included)"
    waits = ", ".join(f"{name} {n}" for name, n in db["top_waits"].items()) or "none"
    return [
        "## いいね burst",
        "",
        f"Result: {verdict}. No server error: {_yes(not burst['server_errors'])}; no socket error: "
        f"{_yes(not burst['socket_errors'])}; only the expected answers (200, or 409 for a second click): "
        f"{_yes(not burst['unexpected_statuses'])}; counts exact: {_yes(counts['exact'])}; idea list median "
        f"during the burst at most {burst['target_ratio']}× idle: {_yes(burst['latency_pass'])} "
        f"(×{_fmt(burst['ratio'], 2)}).",
        "",
        f"- Sent: {burst['votes']:,} votes from distinct signed-in staff users, {burst['double_clicks']:,} of them "
        f"double-clicked (a second post 0.05–0.3 s later), {burst['posts']:,} posts spread evenly over "
        f"{burst['schedule_seconds']:g} s as htmx sends them, to the first {challenge['ideas_voted_for']} ideas of "
        f"challenge {challenge['id']}{' (temporary)' if challenge['temporary'] else ''}; the last answer came "
        f"{burst['duration_seconds']:g} s after the first post ({burst['rate_per_second']:g} posts/s answered).",
        f"- Answers: {statuses}; {burst['accepted']:,} votes accepted, {burst['refused']:,} refused as already "
        f"given; server errors {burst['server_errors']}, socket errors {burst['socket_errors']}. "
        f"Vote request p50 {_fmt(votes['p50_ms'], 1)} ms, p95 {_fmt(votes['p95_ms'], 1)} ms.",
        f"- Counts exact: {_yes(counts['exact'])}: {counts['vote_rows_added']:,} vote rows added, "
        f"{counts['voters_with_one_vote']:,} voters with exactly one and {counts['voters_accepted_once']:,} accepted "
        f"exactly once; {counts['counters_checked']:,} idea counters compared with COUNT(*) of their votes, "
        f"{len(counts['counters_unequal_to_rows'])} unequal; "
        f"{len(counts['counters_unequal_to_accepted'])} moved by other than the votes accepted.",
        f"- Idea list (`{challenge['list_path']}`), one request at a time: idle p50 {_fmt(idle['p50_ms'], 1)} ms, "
        f"p95 {_fmt(idle['p95_ms'], 1)} ms ({idle['count']} requests); during the burst p50 "
        f"{_fmt(during['p50_ms'], 1)} ms, p95 {_fmt(during['p95_ms'], 1)} ms ({during['count']} requests, "
        f"{during['non_2xx'] + during['errors']} failed): ×{_fmt(burst['ratio'], 2)} "
        f"(target ≤ {burst['target_ratio']}): {'pass' if burst['latency_pass'] else '**fail**'}.",
        f"- Machine: {_fmt(busy, 0)}% busy with other work before the burst, {machine['busy_percent']}% busy in all "
        f"during it ({machine['cpus']} CPUs); gunicorn workers {_fmt(machine.get('server_app_cpu_seconds'), 1)} s "
        f"and their database backends {_fmt(machine.get('server_db_cpu_seconds'), 1)} s of CPU{per_vote}; "
        f"this load generator {machine['client_cpu_seconds']:g} s.",
        f"- Database, sampled every 0.1 s: {db['active_statements']:,} running statements seen in "
        f"{db['samples']:,} samples, {db['lock_waits']} of them waiting for a lock; most common waits: {waits}.",
        f"- Data set put back afterwards (votes, counters, sessions): {_yes(burst['restored'])}.",
    ]


def write(run_dir: Path, doc: Path) -> None:
    block = render(run_dir)
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block.rstrip("\n") + rest.split(END, 1)[1]
    elif text.strip():
        text = text.rstrip("\n") + "\n\n" + block
    else:
        text = INTRO + block + "\n" + HOW_TO
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"bench: wrote {sys.argv[2]}")
