from functools import cache

from django.conf import settings

from apps.core.navigation import nav_items_for


def portal(request) -> dict:
    @cache
    def nav_items() -> list[dict]:
        # Called by the template only where it shows the navigation (base.html), not for
        # the htmx fragments that are rendered with the same context processors.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        path = request.path
        entries = []
        for item in nav_items_for(user):
            url = item.url
            entries.append({"item": item, "url": url, "current": path == url if url == "/" else path.startswith(url)})
        return entries

    return {
        "nav_items": nav_items,
        "PORTAL_LOCAL_LOGIN": settings.PORTAL_LOCAL_LOGIN,
        "sso_enabled": settings.PORTAL_SSO_ENABLED,
    }
