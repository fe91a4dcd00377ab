from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.search.registry import searchable_all
from apps.search.services import search_reindex


class Command(BaseCommand):
    help = "Rebuild the search index from every registered searchable type (or only those given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kinds", nargs="*", help="content type keys, e.g. article case (default: all)")

    def handle(self, *args, kinds: list[str], **options) -> None:
        known = {t.key for t in searchable_all()}
        unknown = sorted(set(kinds) - known)
        if unknown:
            raise CommandError(f"Unknown content types: {', '.join(unknown)}. Known: {', '.join(sorted(known))}")
        count = search_reindex(kinds=kinds or None)
        self.stdout.write(f"Indexed {count} documents.")
