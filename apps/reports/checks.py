from django.conf import settings
from django.core.checks import Error, register

SCOPES = ("all", "own")


@register()
def reports_settings_check(app_configs, **kwargs) -> list[Error]:
    value = getattr(settings, "REPORTS_MANAGER_DEFAULT_SCOPE", "all")
    if value not in SCOPES:
        return [
            Error(
                f"REPORTS_MANAGER_DEFAULT_SCOPE is {value!r}; use 'all' or 'own'.",
                hint="See .env.example.",
                id="reports.E001",
            )
        ]
    return []
