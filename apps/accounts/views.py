from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts import directory, orgchart
from apps.accounts.forms import (
    DemoSignInForm,
    DirectoryRunForm,
    DirectorySyncForm,
    LanguageForm,
    OrgChartForm,
    OrgChartUploadForm,
    ProfileForm,
)
from apps.accounts.models import DirectoryChange, DirectorySyncRun, OrgChartImport, User
from apps.accounts.roles import Role
from apps.accounts.selectors import (
    CHANGES_PER_PAGE,
    demo_users_by_role,
    directory_entries_with_errors,
    directory_run_changes,
    directory_runs,
    user_list_for_demo_sign_in,
    user_with_department,
)
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


# --- the directory (administrators) --------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    if not request.user.has_perm("accounts.open_admin"):
        raise PermissionDenied


# Why someone left and what changed, as the sync records them (codes), for the page.
LEAVE_REASONS = {
    "disabled": gettext_lazy("account disabled in Entra ID"),
    "deleted": gettext_lazy("account deleted in Entra ID"),
    "unassigned": gettext_lazy("no longer in the portal's group"),
    "guest": gettext_lazy("guest account"),
}


def _field_label(name: str) -> str:
    try:
        return str(User._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@login_required
def directory_status(request: HttpRequest) -> HttpResponse:
    """Last and next sync, what each run changed (joined, left, transferred, renamed…), its
    problems, and the buttons "Sync now" and "Dry run"."""
    _require_admin(request)
    form = DirectoryRunForm(request.GET)
    wanted = form.cleaned_data if form.is_valid() else {}
    runs = directory_runs()
    run = next((r for r in runs if r.pk == wanted.get("run")), None)
    if run is None and wanted.get("run"):
        run = DirectorySyncRun.objects.filter(pk=wanted["run"]).first()
    run = run or (runs[0] if runs else None)
    changes = None
    if run is not None:
        changes = Paginator(directory_run_changes(run=run, kind=wanted.get("kind") or ""), CHANGES_PER_PAGE).get_page(
            wanted.get("page") or 1
        )
    if changes is not None:
        for change in changes.object_list:
            reason = change.detail.get("reason", "")
            change.reason_label = LEAVE_REASONS.get(reason, reason)
            change.field_labels = [_field_label(f) for f in change.detail.get("fields", [])]
    kinds = dict(DirectoryChange.Kind.choices) | {
        "refused_leavers": _("Leavers held back"),
        "linked": _("Accounts linked to Entra ID"),
    }
    for r in runs:
        r.count_items = [(kinds.get(kind, kind), n) for kind, n in sorted(r.counts.items())]
    last = next((r for r in runs if not r.dry_run and r.finished_at), None)
    return render(
        request,
        "accounts/directory.html",
        {
            "enabled": directory.sync_enabled(),
            "group_id": settings.DIRECTORY_SYNC_GROUP_ID,
            "departments_source": settings.DIRECTORY_SYNC_DEPARTMENTS,
            "running": next((r for r in runs if r.lock), None),
            "last": last,
            "next_at": directory.next_scheduled_run(),
            "runs": runs,
            "run": run,
            "changes": changes,
            "page_obj": changes,
            "filter_form": form if form.is_bound and form.is_valid() else DirectoryRunForm(),
            "sync_form": DirectorySyncForm(),
            "entry_errors": directory_entries_with_errors()[:50],
            "breadcrumbs": [(_("Directory"), "")],
        },
    )


@require_POST
@login_required
def directory_sync_start(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = DirectorySyncForm(request.POST)
    if not form.is_valid():  # two booleans: any value is a choice, but the form decides
        return redirect("accounts:directory")
    dry_run = form.cleaned_data["dry_run"]
    try:
        directory.directory_sync_request(actor=request.user, dry_run=dry_run, full=form.cleaned_data["full"])
    except directory.SyncRefused:
        messages.error(request, _("A sync is running already. This page shows it; try again when it has finished."))
    except directory.SyncError:
        messages.error(
            request,
            _(
                "The directory sync is not set up: it needs GRAPH_ENABLED=1 and DIRECTORY_SYNC_ENABLED=1 "
                "(docs/entra-id.md)."
            ),
        )
    else:
        messages.success(
            request,
            _("The dry run was started. Reload this page to see what it would change.")
            if dry_run
            else _("The sync was started. Reload this page to see what it changed."),
        )
    return redirect("accounts:directory")


@login_required
def org_chart_upload(request: HttpRequest) -> HttpResponse:
    """Upload an organisation chart: nothing changes yet, the next page shows what would."""
    _require_admin(request)
    if request.method == "POST":
        form = OrgChartUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                chart = orgchart.org_chart_preview(
                    upload=form.cleaned_data["file"],
                    effective_on=form.cleaned_data["effective_on"],
                    actor=request.user,
                )
            except orgchart.OrgChartError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                return redirect(reverse("accounts:org_chart_preview") + f"?chart={chart.pk}")
    else:
        form = OrgChartUploadForm(initial={"effective_on": timezone.localdate()})
    return render(
        request,
        "accounts/org_chart_upload.html",
        {
            "form": form,
            "columns": orgchart.COLUMNS,
            "breadcrumbs": [(_("Directory"), reverse("accounts:directory")), (_("Organisation chart"), "")],
        },
    )


@login_required
def org_chart_preview(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = OrgChartForm(request.GET)
    chart = OrgChartImport.objects.filter(pk=form.cleaned_data["chart"]).first() if form.is_valid() else None
    if chart is None:
        messages.error(request, _("That organisation chart preview does not exist. Upload the file again."))
        return redirect("accounts:org_chart")
    return render(
        request,
        "accounts/org_chart_preview.html",
        {
            "chart": chart,
            "lines": orgchart.plan_lines(chart.plan),
            "breadcrumbs": [
                (_("Directory"), reverse("accounts:directory")),
                (_("Organisation chart"), reverse("accounts:org_chart")),
                (_("Preview"), ""),
            ],
        },
    )


@require_POST
@login_required
def org_chart_apply(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = OrgChartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That organisation chart preview does not exist. Upload the file again."))
        return redirect("accounts:org_chart")
    try:
        chart = orgchart.org_chart_apply(chart_id=form.cleaned_data["chart"], actor=request.user)
    except orgchart.OrgChartError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(reverse("accounts:org_chart_preview") + f"?chart={form.cleaned_data['chart']}")
    messages.success(
        request,
        _("The organisation chart of %(date)s was applied: %(count)s changes.")
        % {"date": chart.effective_on.isoformat(), "count": len(chart.plan)},
    )
    return redirect("accounts:directory")
