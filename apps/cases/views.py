import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.cases import selectors, services
from apps.cases.forms import AttachmentForm, CaseFilterForm, CaseForm, ReferenceItemForm
from apps.cases.models import Case, Field, HoursMethod, Tool
from apps.core.downloads import protected_file_response
from apps.core.forms import add_service_errors
from apps.core.navigation import crumbs
from apps.core.params import choice, page_number

PAGE_SIZE = 20


def _query(params: list[tuple[str, str]]) -> str:
    return "?" + urlencode(params)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET)
    filters = selectors.case_filters_known(form.filters())
    cases = selectors.case_list_for_user(request.user, filters)
    page = Paginator(cases, PAGE_SIZE).get_page(page_number(request))
    facets = selectors.case_facets(user=request.user, filters=filters)

    # The selection as (parameter, value) pairs: the base of every link that changes it.
    selection = [(facet.key, value.value) for facet in facets for value in facet.values if value.selected]
    sort = [("sort", filters.sort)] if filters.sort != "newest" else []
    active = [
        {
            "facet": facet.label,
            "label": value.label,
            "remove_url": _query([pair for pair in selection if pair != (facet.key, value.value)] + sort),
        }
        for facet in facets
        for value in facet.values
        if value.selected
    ]
    return render(
        request,
        "cases/case_list.html",
        {
            "page_obj": page,
            "facets": facets,
            "active_filters": active,
            "clear_url": _query(sort),
            "sort": filters.sort,
            "sort_urls": {
                key: _query([*selection, *([("sort", key)] if key != "newest" else [])]) for key in ("newest", "hours")
            },
            "can_add": request.user.has_perm("cases.add_case"),
            "can_manage_reference": request.user.has_perm("cases.manage_reference"),
            "breadcrumbs": [(_("Cases"), "")],
        },
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_page(user=request.user, pk=pk)
    if not request.user.has_perm("cases.view_case", case):
        raise PermissionDenied
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "can_change": request.user.has_perm("cases.change_case", case),
            "can_publish": request.user.has_perm("cases.publish_case", case),
            "attachment_form": AttachmentForm() if request.user.has_perm("cases.change_case", case) else None,
            "review_overdue": case.review_by is not None and case.review_by < timezone.localdate(),
            "breadcrumbs": crumbs("cases", (case.title, "")),
        },
    )


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("cases.add_case"):
        raise PermissionDenied
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(author=request.user, publish="publish" in request.POST, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The case was published.") if case.is_published else _("The case was saved as a draft.")
            )
            return redirect(case)
    return render(
        request,
        "cases/case_form.html",
        {"form": form, "case": None, "breadcrumbs": crumbs("cases", (_("New case"), ""))},
    )


@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("cases.change_case"):
        raise PermissionDenied
    case = selectors.case_for_edit(pk=pk)
    if not request.user.has_perm("cases.change_case", case):
        raise PermissionDenied
    # The form works on a copy: the service compares the stored values with the new ones.
    form = CaseForm(request.POST or None, instance=copy.copy(case))
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(case=case, actor=request.user, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(case)
    return render(
        request,
        "cases/case_form.html",
        {
            "form": form,
            "case": case,
            "breadcrumbs": crumbs("cases", (case.title, case.get_absolute_url()), (_("Edit"), "")),
        },
    )


def _case_for_change(request: HttpRequest, pk: int, permission: str) -> Case:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    case = selectors.case_for_edit(pk=pk)
    if not request.user.has_perm(permission, case):
        raise PermissionDenied
    return case


@login_required
@require_POST
def case_publish(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_change(request, pk, "cases.publish_case")
    try:
        services.case_publish(case=case, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The case was published. Every member of staff can now read it."))
    return redirect(case)


@login_required
@require_POST
def case_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_change(request, pk, "cases.publish_case")
    services.case_unpublish(case=case, actor=request.user)
    messages.success(request, _("The case is a draft again: only the COE and its author can see it."))
    return redirect(case)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_change(request, pk, "cases.change_case")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.case_attachment_add(
                case=case,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” was attached.") % {"name": attachment.name})
            return redirect(reverse("cases:detail", args=[case.pk]) + "#attachments")
    # Re-show the case page with the form's errors (and the description typed) next to the form.
    case = selectors.case_for_page(user=request.user, pk=pk)
    response = render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "can_change": True,
            "can_publish": request.user.has_perm("cases.publish_case", case),
            "attachment_form": form,
            "breadcrumbs": crumbs("cases", (case.title, "")),
        },
    )
    response.status_code = 400
    return response


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_for_download(pk=pk)
    # The same rule as the case page: a draft's files are for the COE and its author only;
    # to anyone else they do not exist (a 403 would tell that they do).
    if not request.user.has_perm("cases.view_case", attachment.case):
        raise Http404
    return protected_file_response(attachment.file, filename=attachment.name, kind=attachment.kind)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = selectors.attachment_for_download(pk=pk)
    if not request.user.has_perm("cases.change_case", attachment.case):
        raise PermissionDenied
    case = attachment.case
    services.case_attachment_delete(attachment=attachment, actor=request.user)
    messages.success(request, _("“%(name)s” was removed.") % {"name": attachment.name})
    return redirect(reverse("cases:detail", args=[case.pk]) + "#attachments")


@login_required
def case_totals(request: HttpRequest) -> HttpResponse:
    method = choice(request.GET, "method", HoursMethod.values, "")
    return render(
        request,
        "cases/case_totals.html",
        {
            "totals": selectors.hours_saved_totals(method=method),
            "method": method,
            "methods": [("", _("Measured and estimated")), *HoursMethod.choices],
            "breadcrumbs": crumbs("cases", (_("Hours saved"), "")),
        },
    )


REFERENCE_MODELS = {"field": Field, "tool": Tool}


@login_required
def reference_list(request: HttpRequest) -> HttpResponse:
    """The COE's list of fields and tools, with a form to add one of each."""
    if not request.user.has_perm("cases.manage_reference"):
        raise PermissionDenied
    items = selectors.reference_items()
    forms_by_kind = {kind: ReferenceItemForm(prefix=kind) for kind in REFERENCE_MODELS}
    if request.method == "POST":
        kind = choice(request.POST, "kind", REFERENCE_MODELS, "")
        if not kind:
            return HttpResponseBadRequest(_("Choose a field or a tool."), content_type="text/plain; charset=utf-8")
        form = forms_by_kind[kind] = ReferenceItemForm(request.POST, prefix=kind)
        if form.is_valid():
            try:
                item = services.reference_item_create(
                    model=REFERENCE_MODELS[kind], actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(name)s” was added.") % {"name": item.name})
                return redirect("cases:reference")
    return render(
        request,
        "cases/reference_list.html",
        {
            "sections": [
                ("field", _("Fields"), items["fields"], forms_by_kind["field"]),
                ("tool", _("Tools"), items["tools"], forms_by_kind["tool"]),
            ],
            "breadcrumbs": crumbs("cases", (_("Fields and tools"), "")),
        },
        status=400 if request.method == "POST" else 200,  # a POST that gets here had errors
    )


@login_required
def reference_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if not request.user.has_perm("cases.manage_reference") or kind not in REFERENCE_MODELS:
        raise PermissionDenied
    item = REFERENCE_MODELS[kind].objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    initial = {
        "name_ja": item.name_ja,
        "name_en": item.name_en,
        "sort_order": item.sort_order,
        "is_active": item.is_active,
    }
    form = ReferenceItemForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.reference_item_update(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("cases:reference")
    return render(
        request,
        "cases/reference_form.html",
        {
            "form": form,
            "item": item,
            "breadcrumbs": crumbs("cases", (_("Fields and tools"), reverse("cases:reference")), (item.code, "")),
        },
    )
