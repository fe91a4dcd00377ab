"""What one user waits for a page: one request at a time, never two at once.

`python -m bench.latency URL [--cookie C] [--requests N] [--seconds S]` sends GET requests
one after another, each on a new connection (gunicorn's sync workers close it after every
response anyway), until N requests or S seconds, whichever comes first, or until SIGTERM;
then prints JSON: count, non_2xx, errors, p50_ms, p95_ms. wrk's latencies include the
time a request waits behind the other connections; these do not, so they are what a single
user sees on an otherwise idle server. Standard library only and idle between requests,
so it takes little CPU from the server it measures.

With `--server-pid PID` it first waits (up to 60 s) until gunicorn's workers have used no
CPU for half a second: right after a wrk run they are still answering the requests wrk
left in flight, and a probe sent then would measure that queue.
"""

import argparse
import http.client
import json
import signal
import statistics
import sys
import time
from urllib.parse import urlsplit


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil(n * share), at least the first
    return ordered[int(rank) - 1]


def summary(times_ms: list[float], *, non_2xx: int = 0, errors: int = 0) -> dict:
    return {
        "count": len(times_ms),
        "non_2xx": non_2xx,
        "errors": errors,
        "p50_ms": round(statistics.median(times_ms), 2) if times_ms else None,
        "p95_ms": round(percentile(times_ms, 0.95), 2) if times_ms else None,
    }


def wait_until_idle(server_pid: int, *, quiet: float = 0.5, limit: float = 60.0) -> float:
    """Seconds waited until the server's workers used no CPU for `quiet` seconds."""
    from bench.cpu import _children, _stat

    def used() -> int:
        return sum(stat[1] for pid in _children(server_pid) if (stat := _stat(pid)) is not None)

    started = time.monotonic()
    last, still_since = used(), time.monotonic()
    while time.monotonic() - started < limit:
        time.sleep(0.1)
        now = used()
        if now != last:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            break
    return time.monotonic() - started


def get(url: str, *, headers: dict[str, str], timeout: float = 30.0) -> tuple[int, float]:
    """(status, milliseconds from connect to the last byte) of one GET on a new connection."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", path or "/", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        connection.close()


def probe(
    url: str,
    *,
    cookie: str = "",
    requests: int | None = None,
    seconds: float | None = None,
    should_stop=lambda: False,
) -> dict:
    """Measure until `requests` responses, `seconds` elapsed, or `should_stop()`; failed
    connections count as errors and their time is left out."""
    headers = {"Connection": "close", "Accept": "text/html"}
    if cookie:
        headers["Cookie"] = cookie
    times: list[float] = []
    non_2xx = errors = 0
    deadline = time.monotonic() + seconds if seconds else None
    while not should_stop():
        if requests is not None and len(times) + errors >= requests:
            break
        if deadline is not None and time.monotonic() >= deadline:
            break
        try:
            status, elapsed = get(url, headers=headers)
        except OSError:  # refused, reset, timed out: http.client raises OSError subclasses
            errors += 1
            continue
        times.append(elapsed)
        if not 200 <= status < 300:
            non_2xx += 1
    return summary(times, non_2xx=non_2xx, errors=errors) | {"times_ms": [round(t, 2) for t in times]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("--cookie", default="", help='a Cookie header value, e.g. "sessionid=…"')
    parser.add_argument("--requests", type=int, default=None, help="stop after this many requests")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    parser.add_argument("--times", action="store_true", help="include every request's time in the output")
    parser.add_argument("--server-pid", type=int, help="gunicorn's master: wait until its workers are idle first")
    args = parser.parse_args(argv)
    if args.requests is None and args.seconds is None:
        parser.error("give --requests, --seconds or both")
    waited = wait_until_idle(args.server_pid) if args.server_pid else 0.0

    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    # bench/burst.py ends a probe that runs "as long as the burst" with SIGTERM.
    signal.signal(signal.SIGTERM, stop)
    result = probe(
        args.url, cookie=args.cookie, requests=args.requests, seconds=args.seconds, should_stop=lambda: stopping
    )
    if not args.times:
        del result["times_ms"]
    result["waited_for_idle_s"] = round(waited, 1)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
