"""CPU time the server spends on a page, which other work on the machine does not distort.

`python -m bench.cpu GUNICORN_PID DB_NAME OUT.json` samples, every 0.2 s until SIGTERM,
the CPU time (user + system) of gunicorn's workers (children of GUNICORN_PID) and of the
PostgreSQL backends connected to DB_NAME, then writes how much each group used. A
process that ends in between keeps its last sample. OUT.json.ready appears once the
first sample is taken, so bench/run.sh starts wrk only then.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

import psycopg


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, user + system clock ticks) from /proc, None if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name may contain spaces
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _children(parent: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[0] == parent:
                pids.append(int(entry))
    return pids


def main(server_pid: int, db_name: str, out: Path) -> None:
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    first: dict[tuple[str, int], int] = {}
    last: dict[tuple[str, int], int] = {}
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        while True:
            backends = [
                row[0]
                for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [db_name]).fetchall()
            ]
            for group, pids in (("app", _children(server_pid)), ("db", backends)):
                for pid in pids:
                    stat = _stat(pid)
                    if stat is not None:
                        first.setdefault((group, pid), stat[1])
                        last[(group, pid)] = stat[1]
            if not out.with_suffix(".json.ready").exists():
                out.with_suffix(".json.ready").touch()
            if stopping:
                break
            time.sleep(0.2)
    used = {"app": 0, "db": 0}
    for key, ticks in last.items():
        used[key[0]] += ticks - first[key]
    hz = os.sysconf("SC_CLK_TCK")
    out.write_text(json.dumps({"app_seconds": used["app"] / hz, "db_seconds": used["db"] / hz}))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
