"""Load the demo data set. Idempotent: running it again changes nothing.

Each app that has demo content has a module `apps/devdata/demo/<app label>.py` with a
`seed(stdout) -> None` function; they run in INSTALLED_APPS order, so an app's data can
rely on the data of the apps listed before it (accounts first).
"""

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo departments, users and content (idempotent)."

    def handle(self, *args, **options) -> None:
        for config in apps.get_app_configs():
            module_name = f"apps.devdata.demo.{config.label}"
            if not config.name.startswith("apps.") or importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
