from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.forms import DemoSignInForm, LanguageForm, ProfileForm
from apps.accounts.roles import Role
from apps.accounts.selectors import demo_users_by_role, user_list_for_demo_sign_in, user_with_department
from apps.accounts.services import user_language_set
from apps.core.params import next_url, redirect_next


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    response = redirect_next(request, reverse("core:home"))
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
    """Development and demo only: pick an account seed_demo made and sign in as it (any
    other account, an administrator's say, is a 404 even with its id)."""
    if not settings.PORTAL_LOCAL_LOGIN:
        raise Http404
    if request.method == "POST":
        form = DemoSignInForm(request.POST)
        if form.is_valid():
            user = get_object_or_404(user_list_for_demo_sign_in(), pk=form.cleaned_data["user_id"])
            login(request, user, backend="apps.accounts.backends.PasswordBackend")
            return redirect_next(request, reverse("core:home"))
    return render(
        request,
        "accounts/demo_sign_in.html",
        {"groups": demo_users_by_role(), "next": next_url(request, "")},
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
