from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo and benchmark data (`seed_demo`, `seed_bench`): installed in development, in the
    tests and for `make bench` only (settings.INSTALLED_APPS), never in production."""

    name = "apps.devdata"
    label = "devdata"
    verbose_name = "Development data"
