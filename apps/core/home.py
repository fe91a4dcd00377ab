"""Home-page panels: each app registers what it has to show a signed-in user."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    permission: str
    context: Callable[[HttpRequest], dict[str, Any]] = field(default=lambda request: {})
    order: int = 100


_panels: dict[str, HomePanel] = {}


def home_panel_register(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def home_panels_for(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"template": panel.template, **panel.context(request)}
        for panel in sorted(_panels.values(), key=lambda p: p.order)
        if request.user.has_perm(panel.permission)
    ]
