"""The いいね burst of issue #5: thousands of distinct signed-in users vote within a minute.

`python -m bench.burst BASE_URL OUT.json [--votes 3000] [--seconds 55] ...`, run by
bench/run.sh with the environment of the gunicorn serving BASE_URL (same database, Redis
and secret key, so the sessions made here are valid there). It

1. takes the benchmark challenge if its voting is open (else a temporary challenge with
   50 approved ideas) and the first ideas of its list page, where people click;
2. picks distinct staff users who may vote for one of those ideas (not their own, not
   already liked) and signs each in by writing a session with the configured session
   engine, plus a CSRF cookie and token Django accepts;
3. measures the idea list page with bench/latency.py (one request at a time) while the
   server is idle, then again during the burst;
4. sends the votes paced open-loop over `--seconds` (a slow answer never delays the next
   vote) as htmx sends them from the いいね button, a share of them double-clicked: the same
   user posts again a moment later, which must be refused, not counted;
5. checks: no server error and no socket error, every voter's vote stored exactly once,
   each idea's counter equal to its vote rows and to the votes accepted;
6. always puts the data set back (votes, counters, sessions, temporary challenge), so
   `seed_bench --if-needed` still finds exactly the seeded sizes, and writes OUT.json.
"""

import argparse
import http.client
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import django

from bench.latency import summary

TARGET_RATIO = 1.5  # the limit: idea list median during the burst / idle median
TARGET_IDEAS = 48  # the first four pages of the list, newest first; the first page most often
TEMPORARY_IDEAS = 50


@dataclass
class Post:
    at: float  # seconds after the burst starts
    voter_id: int
    idea_id: int
    cookie: str
    token: str
    repeat: bool  # the second click of a double-click
    status: int | None = None
    error: str = ""
    ms: float | None = None
    late_ms: float | None = None


# --- the data ----------------------------------------------------------------------------


def _challenge(now, *, temporary: bool = False):
    """The benchmark challenge (the one bench/pages.py measures) if people can vote in it now
    (and `temporary` is not asked for), otherwise a temporary one that the caller deletes."""
    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.ideas.models import Challenge, Idea

    challenge = Challenge.objects.order_by("-submission_start", "-id").first()
    if (
        not temporary
        and challenge is not None
        and challenge.is_voting_open(now)
        and not challenge.sealed_at
        and challenge.vote_kind == Challenge.VoteKind.LIKE
        and challenge.ideas.filter(status=Idea.Status.APPROVED).count() >= TARGET_IDEAS
    ):
        return challenge, False
    coe = User.objects.filter(groups__name=Role.COE, is_active=True).order_by("pk").first()
    challenge = Challenge.objects.create(
        title="いいね！バースト（ベンチマーク・一時）",
        theme="bench/burst.py が作り、計測後に削除します。",
        submission_start=now - timedelta(days=2),
        submission_end=now + timedelta(days=1),
        voting_start=now - timedelta(days=1),
        voting_end=now + timedelta(days=1),
        vote_kind=Challenge.VoteKind.LIKE,
        created_by=coe,
        voting_open_notified_at=now,  # the beat job must not notify everyone
    )
    Idea.objects.bulk_create(
        Idea(
            challenge=challenge,
            title=f"バースト計測用アイデア {i + 1}",
            summary="計測用",
            author=coe,
            department_id=coe.department_id,
            status=Idea.Status.APPROVED,
            submitted_at=now - timedelta(minutes=i),
        )
        for i in range(TEMPORARY_IDEAS)
    )
    return challenge, True


def _targets(challenge) -> list[int]:
    from apps.ideas.models import Idea

    return list(
        Idea.objects.filter(challenge=challenge, status=Idea.Status.APPROVED)
        .order_by("-submitted_at", "-id")  # the list page's default order
        .values_list("pk", flat=True)[:TARGET_IDEAS]
    )


def _ballots(challenge, targets: list[int], n: int, rng: random.Random, exclude: set[int]) -> list[tuple[int, int]]:
    """(voter id, idea id) for n distinct staff users, each for an idea they may vote for,
    popular positions (the top of the page) far more often."""
    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.ideas.models import Coauthor, Idea, Vote

    staff = list(
        User.objects.filter(is_active=True, groups__name=Role.STAFF)
        .exclude(pk__in=exclude)
        .order_by("pk")
        .values_list("pk", "department_id")
    )
    rng.shuffle(staff)
    ideas = {pk: dept for pk, dept in Idea.objects.filter(pk__in=targets).values_list("pk", "department_id")}
    authors: dict[int, set[int]] = {pk: set() for pk in targets}
    for idea_id, author_id in Idea.objects.filter(pk__in=targets).values_list("pk", "author_id"):
        authors[idea_id].add(author_id)
    for idea_id, user_id in Coauthor.objects.filter(idea_id__in=targets, status=Coauthor.Status.ACCEPTED).values_list(
        "idea_id", "user_id"
    ):
        authors[idea_id].add(user_id)
    candidates = staff[: n * 2]
    voted = set(
        Vote.objects.filter(idea_id__in=targets, voter_id__in=[pk for pk, _d in candidates]).values_list(
            "voter_id", "idea_id"
        )
    )
    ballots = []
    for voter, department in candidates:
        for _try in range(20):
            idea = targets[int(len(targets) * rng.random() ** 2)]
            if voter in authors[idea] or (voter, idea) in voted:
                continue
            if not challenge.own_department_may_vote and ideas[idea] is not None and ideas[idea] == department:
                continue
            ballots.append((voter, idea))
            break
        if len(ballots) == n:
            return ballots
    raise SystemExit(f"bench: only {len(ballots)} of {n} staff users can vote in challenge {challenge.pk}")


def _sign_in(user_ids: list[int], seen_at: dict[int, int]) -> dict[int, tuple[str, str, str]]:
    """{user id: (Cookie header, CSRF token, session key)}: what a browser holds after signing in.

    The session is written with the configured engine as django.contrib.auth.login would
    (without its signal, which would touch every user's last_login). `seen_at` sets the
    sign-in middleware's keep-alive stamp to just before each vote, as if the voter had
    opened the page a moment earlier: that re-save belongs to the page view, not to the vote.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import get_token
    from django.test import RequestFactory

    from apps.accounts.middleware import SignInRequiredMiddleware
    from apps.accounts.models import User

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    factory = RequestFactory()
    signed_in = {}
    for user in User.objects.filter(pk__in=user_ids).iterator(chunk_size=1000):
        session = store_class()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = "apps.accounts.backends.PasswordBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SignInRequiredMiddleware.SEEN_KEY] = seen_at.get(user.pk, int(time.time()))
        session.save()
        request = factory.get("/")
        token = get_token(request)  # masked, as the page's {% csrf_token %} gives it
        csrf_cookie = request.META["CSRF_COOKIE"]
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf_cookie}"
        signed_in[user.pk] = (cookie, token, session.session_key)
    return signed_in


def _sign_out(session_keys: list[str]) -> None:
    from importlib import import_module

    from django.conf import settings

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for key in session_keys:
        store_class(session_key=key).delete()


def _sizes() -> dict[str, int]:
    from apps.devdata.management.commands.seed_bench import bench_modules

    sizes: dict[str, int] = {}
    for module in bench_modules():
        if hasattr(module, "counts"):
            sizes.update(module.counts())
    return sizes


# --- the load ----------------------------------------------------------------------------


def _send(post: Post, base: str, list_path: str, start: float) -> None:
    parts = urlsplit(base)
    body = urlencode({"csrfmiddlewaretoken": post.token, "next": list_path, "action": "cast"})
    headers = {
        "Host": parts.netloc,
        "Cookie": post.cookie,
        "Origin": base,
        "Content-Type": "application/x-www-form-urlencoded",
        "Connection": "close",
        # What htmx adds for the button's hx-post (base.html puts the token in hx-headers).
        "HX-Request": "true",
        "HX-Current-URL": base + list_path,
        "HX-Target": f"vote-{post.idea_id}",
        "X-CSRFToken": post.token,
    }
    began = time.perf_counter()
    post.late_ms = (began - start - post.at) * 1000
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    try:
        connection.request("POST", f"/ideas/idea/{post.idea_id}/vote/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        post.status = response.status
    except OSError as exc:
        post.error = type(exc).__name__
    finally:
        connection.close()
        post.ms = (time.perf_counter() - began) * 1000


def _probe(url: str, cookie: str, *, seconds: float | None = None) -> subprocess.Popen:
    """bench/latency.py in its own process, so this one's threads do not slow its clock."""
    command = [sys.executable, "-m", "bench.latency", url, "--cookie", cookie, "--seconds", str(seconds or 3600)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def _finish(probe: subprocess.Popen, *, stop: bool) -> dict:
    if stop:
        probe.terminate()  # it finishes the request in flight, then prints
    out, _err = probe.communicate(timeout=120)
    return json.loads(out)


def _cpu_ticks() -> tuple[int, int]:
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]


class _DatabaseWatch(threading.Thread):
    """Samples the server's PostgreSQL backends every 0.1 s: how many run a statement and
    how many of those wait for a lock (a row lock shows as wait_event_type 'Lock')."""

    def __init__(self, db_name: str):
        super().__init__(daemon=True)
        self.db_name = db_name
        self.stopping = threading.Event()
        self.samples = self.active = self.lock_waits = self.idle_in_transaction = 0
        self.waits: Counter[str] = Counter()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
            while not self.stopping.wait(0.1):
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = %s AND backend_type = 'client backend'",
                    [self.db_name],
                ).fetchall()
                self.samples += 1
                for state, wait_type, wait_event in rows:
                    if state == "active":
                        self.active += 1
                        if wait_type:
                            self.waits[f"{wait_type}:{wait_event}"] += 1
                        if wait_type == "Lock":
                            self.lock_waits += 1
                    elif state == "idle in transaction":
                        self.idle_in_transaction += 1

    def result(self) -> dict:
        return {
            "samples": self.samples,
            "active_statements": self.active,
            "lock_waits": self.lock_waits,
            "idle_in_transaction": self.idle_in_transaction,
            "top_waits": dict(self.waits.most_common(5)),
        }


def _server_cpu(server_pid: int | None, db_name: str, out: Path) -> subprocess.Popen | None:
    if not server_pid:
        return None
    sampler = subprocess.Popen([sys.executable, "-m", "bench.cpu", str(server_pid), db_name, str(out)])
    for _ in range(100):
        if out.with_suffix(".json.ready").exists():
            break
        time.sleep(0.05)
    return sampler


# --- the run -----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()

    from django.db import connection, transaction
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.ideas.models import Idea, Vote

    rng = random.Random(args.seed)
    base = args.base_url.rstrip("/")
    db_name = connection.settings_dict["NAME"]
    sizes_before = _sizes()
    challenge, temporary = _challenge(timezone.now(), temporary=args.temporary_challenge)
    session_keys: list[str] = []
    max_vote_id = Vote.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result: dict = {"challenge": {"id": challenge.pk, "title": challenge.title, "temporary": temporary}}
    try:
        targets = _targets(challenge)
        list_path = reverse("ideas:idea_list", args=[challenge.pk])
        # The watcher is a staff user who neither votes nor wrote one of the ideas.
        authors = set(Idea.objects.filter(pk__in=targets).values_list("author_id", flat=True))
        watcher = (
            User.objects.filter(is_active=True, groups__name=Role.STAFF)
            .exclude(pk__in=authors)
            .exclude(groups__name__in=[Role.COE, Role.MANAGER, Role.ADMIN])
            .order_by("pk")
            .first()
        )
        ballots = _ballots(challenge, targets, args.votes, rng, exclude={watcher.pk})
        spacing = args.seconds / len(ballots)
        repeats = set(rng.sample(range(len(ballots)), round(len(ballots) * args.double_clicks)))
        setup_started = time.time()
        # Stamp each session as seen shortly before its vote (see _sign_in); setup and the
        # idle probe come first, so add a generous estimate of their length.
        burst_begins = setup_started + args.idle_seconds + 30
        seen = {voter: int(burst_begins + i * spacing) - 5 for i, (voter, _idea) in enumerate(ballots)}
        signed_in = _sign_in([watcher.pk] + [voter for voter, _idea in ballots], seen)
        session_keys = [key for _cookie, _token, key in signed_in.values()]
        posts = []
        for i, (voter, idea) in enumerate(ballots):
            cookie, token, _key = signed_in[voter]
            posts.append(Post(at=i * spacing, voter_id=voter, idea_id=idea, cookie=cookie, token=token, repeat=False))
            if i in repeats:  # the second click of an impatient user, often before the first returns
                at = i * spacing + rng.uniform(0.05, 0.3)
                posts.append(Post(at=at, voter_id=voter, idea_id=idea, cookie=cookie, token=token, repeat=True))
        posts.sort(key=lambda p: p.at)
        counters_before = dict(Idea.objects.filter(pk__in=targets).values_list("pk", "vote_count"))
        watcher_cookie = signed_in[watcher.pk][0]
        result["challenge"] |= {"list_path": list_path, "ideas_voted_for": len(targets)}
        result["setup_seconds"] = round(time.time() - setup_started, 1)

        print(f"bench: idle probe of {list_path} for {args.idle_seconds:g} s", file=sys.stderr)
        idle = _finish(_probe(base + list_path, watcher_cookie, seconds=args.idle_seconds), stop=False)

        print(f"bench: {len(ballots):,} votes ({len(repeats)} double-clicked) over {args.seconds:g} s", file=sys.stderr)
        cpu_file = Path(args.out).with_name("burst-cpu.json")
        sampler = _server_cpu(args.server_pid, db_name, cpu_file)
        watch = _DatabaseWatch(db_name)
        watch.start()
        ticks_before, rusage_before = _cpu_ticks(), resource.getrusage(resource.RUSAGE_SELF)
        probe = _probe(base + list_path, watcher_cookie)
        start = time.perf_counter() + 0.2
        with ThreadPoolExecutor(max_workers=args.connections) as pool:
            for post in posts:
                delay = start + post.at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(_send, post, base, list_path, start)
        elapsed = time.perf_counter() - start
        during = _finish(probe, stop=True)
        ticks_after, rusage_after = _cpu_ticks(), resource.getrusage(resource.RUSAGE_SELF)
        watch.stopping.set()
        watch.join()
        server_cpu = {}
        if sampler is not None:
            sampler.terminate()
            sampler.wait()
            server_cpu = json.loads(cpu_file.read_text())

        # --- what the server did ---------------------------------------------------
        statuses = Counter(p.status for p in posts if p.status is not None)
        errors = Counter(p.error for p in posts if p.error)
        accepted = Counter(p.voter_id for p in posts if p.status == 200)
        accepted_per_idea = Counter(p.idea_id for p in posts if p.status == 200)
        rows = list(Vote.objects.filter(pk__gt=max_vote_id).values_list("voter_id", "idea_id"))
        expected = {(voter, idea) for voter, idea in ballots}
        per_voter = Counter(voter for voter, _idea in rows)
        counters = list(
            Idea.objects.filter(challenge=challenge)
            .annotate(rows=Count("votes"))
            .values_list("pk", "vote_count", "rows")
        )
        mismatched = [(pk, stored, real) for pk, stored, real in counters if stored != real]
        moved = {pk: stored - counters_before[pk] for pk, stored, _real in counters if pk in counters_before}
        wrong_moves = {pk: n for pk, n in moved.items() if n != accepted_per_idea.get(pk, 0)}
        votes_exact = set(rows) == expected and len(rows) == len(expected) and max(per_voter.values(), default=0) == 1
        accepted_exact = len(accepted) == len(ballots) and set(accepted.values()) == {1}
        server_errors = sum(n for status, n in statuses.items() if status >= 500)
        unexpected = {str(s): n for s, n in statuses.items() if s not in (200, 409)}
        total, idle_ticks = ticks_after[0] - ticks_before[0], ticks_after[1] - ticks_before[1]
        ratio = during["p50_ms"] / idle["p50_ms"] if idle["p50_ms"] and during["p50_ms"] else None
        counts_exact = votes_exact and accepted_exact and not mismatched and not wrong_moves
        result |= {
            "votes": len(ballots),
            "double_clicks": len(repeats),
            "posts": len(posts),
            "schedule_seconds": args.seconds,
            "duration_seconds": round(elapsed, 1),
            "rate_per_second": round(len(posts) / elapsed, 1),
            "accepted": sum(accepted.values()),
            # 409 "already voted": one of each double-click's two posts, whichever came second.
            "refused": statuses.get(409, 0),
            "statuses": {str(s): n for s, n in sorted(statuses.items())},
            "unexpected_statuses": unexpected,
            "server_errors": server_errors,
            "socket_errors": sum(errors.values()),
            "socket_error_kinds": dict(errors),
            "vote_latency": summary([p.ms for p in posts if p.status is not None]),
            "dispatch_late_ms_max": round(max(p.late_ms for p in posts), 1),
            "counts": {
                "exact": counts_exact,
                "vote_rows_added": len(rows),
                "voters_with_one_vote": sum(1 for voter, _i in ballots if per_voter[voter] == 1),
                "voters_accepted_once": sum(1 for n in accepted.values() if n == 1),
                "counters_checked": len(counters),
                "counters_unequal_to_rows": mismatched[:10],
                "counters_unequal_to_accepted": dict(list(wrong_moves.items())[:10]),
            },
            "idle": idle,
            "burst": during,
            "ratio": round(ratio, 2) if ratio else None,
            "target_ratio": TARGET_RATIO,
            "latency_pass": ratio is not None and ratio <= TARGET_RATIO,
            "machine": {
                "cpus": os.cpu_count(),
                "busy_percent": round(100 * (1 - idle_ticks / max(total, 1))),
                "server_app_cpu_seconds": server_cpu.get("app_seconds"),
                "server_db_cpu_seconds": server_cpu.get("db_seconds"),
                "client_cpu_seconds": round(
                    rusage_after.ru_utime + rusage_after.ru_stime - rusage_before.ru_utime - rusage_before.ru_stime, 1
                ),
            },
            "database": watch.result(),
        }
        result["pass"] = bool(
            counts_exact and not server_errors and not errors and not unexpected and result["latency_pass"]
        )
    finally:
        # --- put the data set back -------------------------------------------------
        with transaction.atomic():
            Vote.objects.filter(pk__gt=max_vote_id, challenge=challenge).delete()
            for pk, stored, real in (
                Idea.objects.filter(challenge=challenge)
                .annotate(real=Count("votes"))
                .values_list("pk", "vote_count", "real")
            ):
                if stored != real:
                    Idea.objects.filter(pk=pk).update(vote_count=real)
            if temporary:
                Idea.objects.filter(challenge=challenge).delete()
                challenge.delete()
        _sign_out(session_keys)
        result["restored"] = _sizes() == sizes_before
        if connection.vendor == "postgresql":
            # Every vote rewrote its idea's row (vote_count is indexed, so no HOT update) and
            # autovacuum may be off on a benchmark machine: without this, the dead rows of
            # each burst would slow the idea list in the next run.
            tables = [Idea._meta.db_table, Vote._meta.db_table]
            tables += [t for t in connection.introspection.table_names() if t == "django_session"]
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base_url", help="the server, e.g. http://127.0.0.1:8123")
    parser.add_argument("out", help="where to write the results (JSON)")
    parser.add_argument("--votes", type=int, default=3000, help="distinct voters, one いいね each (3000)")
    parser.add_argument("--seconds", type=float, default=55, help="spread the votes over this long (55)")
    parser.add_argument("--double-clicks", type=float, default=0.05, help="share of voters who click twice (0.05)")
    parser.add_argument("--connections", type=int, default=32, help="most votes in flight at once (32)")
    parser.add_argument("--idle-seconds", type=float, default=10, help="idle probe of the idea list (10)")
    parser.add_argument("--server-pid", type=int, default=None, help="gunicorn's pid, to add up its CPU time")
    parser.add_argument(
        "--temporary-challenge", action="store_true", help=f"vote in a new challenge of {TEMPORARY_IDEAS} ideas"
    )
    parser.add_argument("--seed", type=int, default=5, help="random seed for voters and ideas")
    args = parser.parse_args(argv)
    result = run(args)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    verdict = "pass" if result.get("pass") else "FAIL"
    print(
        f"bench: burst {verdict}: {result.get('accepted')} of {result.get('votes')} votes accepted in "
        f"{result.get('duration_seconds')} s, {result.get('server_errors')} server errors, "
        f"{result.get('socket_errors')} socket errors, counts exact: {result.get('counts', {}).get('exact')}, "
        f"idea list p50 {result.get('idle', {}).get('p50_ms')} → {result.get('burst', {}).get('p50_ms')} ms "
        f"(×{result.get('ratio')}, target ≤ {TARGET_RATIO}), data restored: {result.get('restored')}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
