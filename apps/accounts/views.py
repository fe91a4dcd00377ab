from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.forms import DemoSignInForm, LanguageForm, ProfileForm
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.selectors import demo_users_by_role, user_with_department
from apps.accounts.services import user_language_set


def _safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    target = _safe_next(request, request.POST.get("next"), reverse("core:home"))
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            user_language_set(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def demo_sign_in(request: HttpRequest) -> HttpResponse:
    """Development and demo only: pick a seeded account and sign in as it."""
    if not settings.PORTAL_LOCAL_LOGIN:
        raise Http404
    if request.method == "POST":
        form = DemoSignInForm(request.POST)
        if form.is_valid():
            user = get_object_or_404(User, pk=form.cleaned_data["user_id"], is_active=True)
            login(request, user, backend="apps.accounts.backends.PasswordBackend")
            return redirect(_safe_next(request, request.POST.get("next"), reverse("core:home")))
    return render(
        request,
        "accounts/demo_sign_in.html",
        {"groups": demo_users_by_role(), "next": request.GET.get("next", "")},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = user_with_department(request.user.pk)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            user_language_set(user=user, language=form.cleaned_data["language"])
            messages.success(request, _("Your settings were saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(initial={"language": user.language})
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_user": user,
            "role_labels": [role.label for role in Role if role.value in user.roles],
            "form": form,
            "breadcrumbs": [(_("My profile"), "")],
        },
    )


@login_not_required
def signed_out(request: HttpRequest) -> HttpResponse:
    """After the portal session has ended: sign in again, or also end the Microsoft session.

    Signing out of the portal does not sign the browser out of Microsoft (other
    Microsoft 365 tabs stay signed in), so Entra's sign-out is offered, not forced.
    Entra sends the browser back to the sign-in page, which must be a registered
    redirect URI of the app (docs/entra-id.md).
    """
    if request.user.is_authenticated:
        return redirect("core:home")
    entra_logout_url = ""
    if settings.PORTAL_SSO_ENABLED:
        back = request.build_absolute_uri(reverse("account_login"))
        entra_logout_url = f"{settings.ENTRA_LOGOUT_URL}?{urlencode({'post_logout_redirect_uri': back})}"
    return render(request, "account/signed_out.html", {"entra_logout_url": entra_logout_url})
