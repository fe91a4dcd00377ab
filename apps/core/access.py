from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def require(request: HttpRequest, perm: str, obj=None) -> None:
    """403 unless the signed-in user has `perm` (on `obj`): the first line of a view."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied
