"""Load the large benchmark data set. Resetting, not idempotent: it empties the database first.

Each app with benchmark data has a module `apps/devdata/bench/<app label>.py` with

- `SIZES: dict[str, int]`: the sizes it understands and their defaults; each becomes an
  option of this command (`"users"` → `--users`, `"support_requests"` → `--support-requests`).
  Two apps may declare the same name; the first declaration (INSTALLED_APPS order) gives
  the default and every module receives the same value.
- `seed(*, sizes: dict[str, int], stdout) -> None`: bulk-inserts its rows; `sizes` holds
  every size of every module, so an app can scale with another's (notifications per user).
- optionally `counts() -> dict[str, int]`: what the database holds now, per size name, so
  `--if-needed` can leave a database alone that already has the requested sizes.

Modules run in INSTALLED_APPS order, each in its own transaction, so an app can rely on
the rows of the apps listed before it (accounts first). This command knows no feature app.

The whole database is flushed before seeding (fast TRUNCATE on PostgreSQL, deterministic
ids, role groups recreated by post_migrate). To protect real data it refuses any database
but a benchmark's own: one whose name (a SQLite file's name) contains "bench", as
`make bench` names its database (BENCH_DB, default dx_coe_portal_bench).
"""

import importlib
import importlib.util
import time
from pathlib import Path
from types import ModuleType

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction


def bench_modules() -> list[ModuleType]:
    found = []
    for config in apps.get_app_configs():
        module_name = f"apps.devdata.bench.{config.label}"
        if config.name.startswith("apps.") and importlib.util.find_spec(module_name) is not None:
            found.append(importlib.import_module(module_name))
    return found


def declared_sizes(modules: list[ModuleType]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for module in modules:
        for name, default in getattr(module, "SIZES", {}).items():
            sizes.setdefault(name, default)
    return sizes


class Command(BaseCommand):
    help = "Empty the database, then bulk-load the benchmark data set in the sizes given below."

    def add_arguments(self, parser: CommandParser) -> None:
        for name, default in declared_sizes(bench_modules()).items():
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                dest=f"size_{name}",
                type=int,
                default=default,
                metavar="N",
                help=f"number of {name.replace('_', ' ')} (default {default})",
            )
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="do nothing when the database already holds exactly the requested sizes",
        )

    def handle(self, *args, **options) -> None:
        modules = bench_modules()
        sizes = {name: options[f"size_{name}"] for name in declared_sizes(modules)}
        if any(n < 0 for n in sizes.values()):
            raise CommandError("sizes must not be negative")
        connection = connections[DEFAULT_DB_ALIAS]
        db_name = str(connection.settings_dict["NAME"])
        # The last path part, so that SQLite's /tmp/bench/portal.sqlite3 does not count.
        if "bench" not in Path(db_name).name:
            raise CommandError(
                f"seed_bench empties the database first; {db_name!r} is not a benchmark database "
                "(its name must contain 'bench')."
            )
        wanted = ", ".join(f"{name}={n:,}" for name, n in sizes.items())

        if options["if_needed"]:
            present: dict[str, int] = {}
            for module in modules:
                if hasattr(module, "counts"):
                    present.update(module.counts())
            if all(present.get(name) == n for name, n in sizes.items()):
                self.stdout.write(f"Benchmark data already present ({wanted}); nothing to do.")
                return

        started = time.monotonic()
        self.stdout.write(f"Flushing {db_name} and seeding {wanted}")
        call_command("flush", interactive=False, verbosity=0, database=DEFAULT_DB_ALIAS)
        for module in modules:
            step = time.monotonic()
            with transaction.atomic():
                module.seed(sizes=sizes, stdout=self.stdout)
            self.stdout.write(f"  {module.__name__}: {time.monotonic() - step:.1f}s")
        if connection.vendor == "postgresql":
            # Fresh bulk-loaded tables have no planner statistics or visibility map until
            # autovacuum gets to them, which it would do in the middle of the measurements.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Benchmark data ready in {time.monotonic() - started:.1f}s."))
