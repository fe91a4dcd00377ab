from django.conf import settings

from apps.core.navigation import nav_items_for


def portal(request) -> dict:
    user = getattr(request, "user", None)
    items = nav_items_for(user) if user is not None and user.is_authenticated else []
    path = request.path
    return {
        "nav_items": [
            {
                "item": item,
                "url": item.url,
                "current": path == item.url if item.url == "/" else path.startswith(item.url),
            }
            for item in items
        ],
        "PORTAL_LOCAL_LOGIN": settings.PORTAL_LOCAL_LOGIN,
        "sso_enabled": settings.PORTAL_SSO_ENABLED,
    }
