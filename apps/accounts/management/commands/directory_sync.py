"""`manage.py directory_sync [--dry-run] [--full]`: one directory sync now, in this process
(what beat and the Directory page queue for a worker). Prints what changed and any problems."""

from django.core.management.base import BaseCommand, CommandError

from apps.accounts import directory


class Command(BaseCommand):
    help = "Sync people and departments from Microsoft Entra ID once (see docs/entra-id.md §11)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would change, change nothing")
        parser.add_argument("--full", action="store_true", help="read every user again instead of the changes")

    def handle(self, *args, **options) -> None:
        try:
            run = directory.directory_sync_run(dry_run=options["dry_run"], full=options["full"], trigger="command")
        except directory.SyncRefused as refused:
            started = f" (started {refused.running.started_at:%Y-%m-%d %H:%M})" if refused.running else ""
            raise CommandError(f"another sync is running{started}") from refused
        except directory.SyncError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{'dry run' if run.dry_run else 'sync'} {run.status}: "
            + (", ".join(f"{kind} {n}" for kind, n in sorted(run.counts.items())) or "no changes")
        )
        for problem in run.errors:
            self.stderr.write(f"problem: {problem}")
