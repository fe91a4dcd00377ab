"""Support request pages. Each view: check the permission (apps/support/rules.py), parse
with a form, call one service, render or redirect. A rule that refuses an action
(RuleError, SupportConflict) is shown on the page with its HTTP status (4xx) and
everything the user typed, never as a 500."""

import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.core import exports, params
from apps.core.access import require
from apps.core.downloads import protected_file_response
from apps.core.exceptions import RuleError
from apps.core.markdown import render_markdown
from apps.core.navigation import crumbs
from apps.search.selectors import similar as similar_content
from apps.support import display, selectors, services
from apps.support.forms import (
    AnsweredForm,
    BulkAssignForm,
    CannedReplyForm,
    FromIdeaForm,
    LinkForm,
    MemberSkillsForm,
    QueueFilterForm,
    RatingForm,
    ReplyForm,
    RequestForm,
    SimilarQueryForm,
    StatusChoiceForm,
    TransitionForm,
    TriageForm,
)
from apps.support.models import CannedReply, Kind, Priority, Skill

PAGE_SIZE = 25
SIMILAR_TYPES = ["article", "case"]
SIMILAR_MAX_CHARS = 1000


# --- asking ------------------------------------------------------------------------------


def _similar_hits(request: HttpRequest, text: str) -> list:
    text = (text or "")[:SIMILAR_MAX_CHARS]
    if not text.strip():
        return []
    return similar_content(text, types=SIMILAR_TYPES, user=request.user, limit=5)


def _ask_response(request: HttpRequest, form: RequestForm, *, status: int = 200, checked: bool = False) -> HttpResponse:
    kept_token = form.keep_files() if form.is_bound else ""
    text = SimilarQueryForm(form.data).text() if form.is_bound else ""
    return render(
        request,
        "support/request_form.html",
        {
            "form": form,
            "kept_token": kept_token,
            "kept_files": form.kept,
            "similar": _similar_hits(request, text) if checked else [],
            "similar_checked": checked,
            "breadcrumbs": crumbs("support", (_("Ask the COE"), "")),
        },
        status=status,
    )


@login_required
def ask(request: HttpRequest) -> HttpResponse:
    require(request, "support.ask")
    if request.method != "POST":
        return _ask_response(request, RequestForm(user=request.user))
    form = RequestForm(request.POST, request.FILES, user=request.user)
    if params.choice(request.POST, "action", ["check", "send"], "send") == "check":
        form.is_valid()  # cleans the files so good ones can be kept; errors are not shown
        form.errors.clear()
        return _ask_response(request, form, checked=True)
    if not form.is_valid():
        return _ask_response(request, form, status=400)
    data = form.cleaned_data
    try:
        support_request = services.support_request_create(
            requester=request.user,
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            department=data["department"],
            desired_date=data.get("desired_date"),
            people_involved=data.get("people_involved", ""),
            attachments=form.good_uploads,
            kept_files=form.kept,
        )
    except RuleError as exc:
        form.add_error(None, exc.message)
        return _ask_response(request, form, status=exc.status)
    messages.success(request, _("Your request was sent to the COE. You will be notified when someone replies."))
    return redirect("support:detail", pk=support_request.pk)


@login_required
@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """The htmx fragment under the form: articles and cases matching what is being typed."""
    require(request, "support.ask")
    text = SimilarQueryForm(request.GET).text()
    return render(
        request,
        "support/partials/similar.html",
        {"similar": _similar_hits(request, text), "similar_checked": bool(text.strip())},
    )


@login_required
@require_POST
def answered(request: HttpRequest) -> HttpResponse:
    """“This answered my question”: counted instead of a request; the person goes to the answer."""
    require(request, "support.ask")
    form = AnsweredForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown article or case."), status=400, content_type="text/plain; charset=utf-8")
    target_type, object_id = form.cleaned_data["answered"]
    try:
        deflection = services.deflection_record(
            user=request.user,
            target_type=target_type,
            object_id=object_id,
            query=f"{form.cleaned_data['title']}\n{form.cleaned_data['description']}".strip(),
            kind=form.cleaned_data["kind"],
        )
    except RuleError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    messages.success(request, _("Thank you! We are glad this answered your question; no request was sent."))
    return redirect(deflection.url)


# --- lists ----------------------------------------------------------------------------------


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    require(request, "support.ask")
    scope = params.choice(request.GET, "scope", ["mine", "department"], "mine")
    can_department = request.user.has_perm("support.view_department")
    if scope == "department" and can_department:
        requests = selectors.request_list_for_department(request.user)
    else:
        scope = "mine"
        requests = selectors.request_list_for_requester(request.user)
    page = selectors.page_of(requests, params.page_number(request), PAGE_SIZE)
    return render(
        request,
        "support/my_requests.html",
        {
            "page": page,
            "rows": display.rows(page.items),
            "with_department": scope == "department",
            "scope": scope,
            "can_department": can_department,
            "can_queue": request.user.has_perm("support.view_queue"),
            "can_export": request.user.has_perm("support.export") and scope == "department",
            "breadcrumbs": [(_("Support"), "")],
        },
    )


def _members() -> list[tuple[int, str]]:
    return selectors.coe_member_choices()


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require(request, "support.view_queue")
    members = _members()
    form = QueueFilterForm(request.GET or None, members=members)
    filters = form.filters()
    now = timezone.now()
    page = selectors.page_of(
        selectors.request_list_for_queue(request.user, filters, now=now),
        params.page_number(request),
        PAGE_SIZE,
        now=now,
    )

    context = {
        "filter_form": form,
        "filters": filters,
        "page": page,
        "rows": display.rows(page.items, now=now),
        "saved_views": [
            ("mine", _("Mine"), "assignee=me"),
            ("unassigned", _("Unassigned"), "assignee=none"),
            ("breaching", _("Past or near target"), "target=near"),
        ],
        "current_query": request.GET.urlencode(),
        "next_url": request.get_full_path(),
        "bulk_form": BulkAssignForm(members=members),
        "breadcrumbs": [(_("Support"), reverse("support:my_requests")), (_("Queue"), "")],
    }
    return render(request, "support/queue.html", context)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    require(request, "support.triage")
    back = params.next_url(request, reverse("support:queue"))
    form = BulkAssignForm(request.POST, members=_members())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    assignee = form.assignee_user()
    try:
        count = services.support_requests_assign(
            request_ids=form.cleaned_data["requests"], actor=request.user, assignee=assignee
        )
    except RuleError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)d request was assigned to %(name)s.", "%(count)d requests were assigned to %(name)s.", count)
        % {"count": count, "name": assignee.get_full_name()},
    )
    return redirect(back)


EXPORT_HEADER = [
    "id", "kind", "title", "status", "priority", "department", "requester", "assignee", "requested",
    "first_response", "first_response_due", "resolved", "resolution_due", "closed", "rating", "resolution_summary",
]  # fmt: skip


def _export_line(r) -> list:
    def moment(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        r.pk, r.kind, r.title, r.status, r.priority, r.department.name_ja, r.requester.get_full_name(),
        r.assignee.get_full_name() if r.assignee_id else "", moment(r.created_at), moment(r.first_responded_at),
        moment(r.first_response_due_at), moment(r.resolved_at), moment(r.resolution_due_at), moment(r.closed_at),
        r.rating or "", r.resolution_summary,
    ]  # fmt: skip


@login_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the requests the user oversees (the COE: the queue's filters; a manager: their
    departments). Request facts and the public resolution summary only: no conversation,
    so no internal note can be in it."""
    require(request, "support.export")
    if request.user.has_perm("support.view_queue"):
        form = QueueFilterForm(request.GET or None, members=_members())
        requests = selectors.request_list_for_queue(request.user, form.filters())
    else:
        requests = selectors.request_list_for_department(request.user)
    # Written while it is sent: rows are read from the database 2,000 at a time.
    rows = (_export_line(r) for r in selectors.export_rows(requests).iterator(chunk_size=2000))
    return exports.csv_streaming_response(itertools.chain([EXPORT_HEADER], rows), filename="support-requests.csv")


# --- one request ----------------------------------------------------------------------------


def _viewer(user, support_request) -> dict:
    """What this user may do on the request."""
    return {
        "transitions": selectors.transitions_for(support_request, user),
        "can_reply": user.has_perm("support.reply", support_request),
        "can_internal": user.has_perm("support.add_internal_note", support_request),
        "can_triage": user.has_perm("support.triage", support_request),
        "can_rate": user.has_perm("support.rate", support_request),
        "can_convert": user.has_perm("support.convert", support_request),
        "can_link": user.has_perm("support.link_content", support_request),
        "sees_internal": user.has_perm("support.view_internal", support_request),
    }


def _body_context(request: HttpRequest, support_request, viewer: dict, **forms) -> dict:
    user = request.user
    transitions = viewer["transitions"]
    version = support_request.version
    replies, files = selectors.conversation_for(support_request, user)
    context = {
        **viewer,
        "req": support_request,
        "replies": replies,
        "files": files,
        "description_html": render_markdown(support_request.description),
        "resolution_html": render_markdown(support_request.resolution_summary),
        "events": selectors.events_for(support_request, user),
        "links": selectors.links_for(support_request),
        "transition_form": forms.get("transition_form")
        or (TransitionForm(initial={"version": version}, transitions=transitions) if transitions else None),
        "error": forms.get("error"),
    }
    if viewer["can_reply"] or viewer["can_internal"]:
        reply_form = forms.get("reply_form")
        if reply_form is None:
            initial = {}
            canned_id = params.optional_id(request.GET, "canned")
            if viewer["can_triage"] and canned_id:
                canned = CannedReply.objects.filter(pk=canned_id, is_active=True).first()
                initial["body"] = canned.body if canned else ""
            reply_form = ReplyForm(initial=initial, user=user, can_internal=viewer["can_internal"])
        context["reply_form"] = reply_form
        context["reply_kept_token"] = forms.get("reply_kept_token", "")
    if viewer["can_triage"]:
        members = _members()
        context["triage_form"] = forms.get("triage_form") or TriageForm(
            initial={"assignee": support_request.assignee_id, "priority": support_request.priority, "version": version},
            members=members,
        )
        context["suggestions"] = selectors.assignee_suggestions(support_request.kind, members=members)
        context["canned"] = selectors.canned_replies_for(support_request.kind)
    if viewer["can_rate"]:
        context["rating_form"] = forms.get("rating_form") or RatingForm(
            initial={"rating": support_request.rating, "comment": support_request.rating_comment}
        )
    return context


def _detail_response(request: HttpRequest, support_request, *, status: int = 200, **forms) -> HttpResponse:
    context = {
        **_body_context(request, support_request, _viewer(request.user, support_request), **forms),
        "breadcrumbs": crumbs("support", (support_request.reference, "")),
    }
    return render(request, "support/request_detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_response(request, selectors.request_for_user(request.user, pk))


@login_required
@require_GET
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversation alone (htmx refresh); internal notes only for the COE."""
    support_request = selectors.request_for_user(request.user, pk)
    return render(
        request,
        "support/partials/conversation.html",
        {"req": support_request, "replies": selectors.conversation_for(support_request, request.user)[0]},
    )


def _refused(request: HttpRequest, pk: int, exc: RuleError, **forms) -> HttpResponse:
    """Show the request again with the reason, in the status the rule gave (4xx)."""
    support_request = selectors.request_for_user(request.user, pk)
    return _detail_response(request, support_request, status=exc.status, error=exc.message, **forms)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = selectors.request_for_user(request.user, pk)
    transitions = selectors.transitions_for(support_request, request.user)
    form = TransitionForm(request.POST, transitions=transitions)
    if form.is_valid():
        data = form.cleaned_data
    else:
        # A status that is not offered to this person: the service explains why, as a 4xx.
        posted = StatusChoiceForm(request.POST)
        if not posted.is_valid():
            return _detail_response(
                request, support_request, status=400, error=_("Choose a new status."), transition_form=form
            )
        data = posted.cleaned_data
    try:
        services.support_request_transition(
            request_id=pk,
            actor=request.user,
            to_status=data["to_status"],
            comment=data.get("comment", ""),
            expected_version=data["version"],
        )
    except RuleError as exc:
        keep = TransitionForm(
            {**data, "version": getattr(exc, "current_version", None) or data["version"]},
            transitions=selectors.transitions_for(selectors.request_get(pk), request.user),
        )
        keep.is_valid()
        return _refused(request, pk, exc, transition_form=keep)
    messages.success(request, _("The status was changed."))
    return redirect("support:detail", pk=pk)


@login_required
@require_POST
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = selectors.request_for_user(request.user, pk)
    require(request, "support.triage", support_request)
    form = TriageForm(request.POST, members=_members())
    if not form.is_valid():
        return _detail_response(
            request, support_request, status=400, error=_("Please check the triage form."), triage_form=form
        )
    try:
        services.support_request_triage(
            request_id=pk,
            actor=request.user,
            assignee=form.assignee_user(),
            priority=form.cleaned_data["priority"],
            expected_version=form.cleaned_data["version"],
        )
    except RuleError as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("Assignee and priority were saved."))
    return redirect("support:detail", pk=pk)


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = selectors.request_for_user(request.user, pk)
    can_internal = request.user.has_perm("support.add_internal_note", support_request)
    form = ReplyForm(request.POST, request.FILES, user=request.user, can_internal=can_internal)
    if not form.is_valid():
        return _detail_response(
            request, support_request, status=400, reply_form=form, reply_kept_token=form.keep_files(),
            error=_("Your message was not sent; please check it below."),
        )  # fmt: skip
    try:
        services.support_reply_add(
            request_id=pk,
            author=request.user,
            body=form.cleaned_data["body"],
            internal=bool(form.cleaned_data.get("internal")),
            attachments=form.good_uploads,
            kept_files=form.kept,
        )
    except RuleError as exc:
        return _refused(request, pk, exc, reply_form=form, reply_kept_token=form.keep_files())
    messages.success(
        request, _("Your internal note was saved.") if form.cleaned_data.get("internal") else _("Your reply was sent.")
    )
    return redirect(reverse("support:detail", args=[pk]) + "#conversation")


@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.request_for_user(request.user, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _refused(
            request,
            pk,
            RuleError(_("Choose a rating from 1 to 5."), code="bad_rating", status=400),
            rating_form=form,
        )
    try:
        services.support_request_rate(
            request_id=pk, actor=request.user, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
        )
    except RuleError as exc:
        return _refused(request, pk, exc, rating_form=form)
    messages.success(request, _("Thank you for rating the support."))
    return redirect("support:detail", pk=pk)


@login_required
@require_POST
def convert(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    selectors.request_for_user(request.user, pk)
    service = {"case": services.support_request_case_create, "article": services.support_request_article_create}.get(
        target
    )
    if service is None:
        return _refused(request, pk, RuleError(_("Unknown target."), code="bad_target", status=404))
    try:
        updated = service(request_id=pk, actor=request.user)
    except RuleError as exc:
        return _refused(request, pk, exc)
    if target == "case":
        messages.success(request, _("A draft case was created from this request. Complete and publish it there."))
        return redirect(updated.case_url)
    messages.success(request, _("A draft article was created from this request. Complete it there."))
    return redirect(updated.article_url)


@login_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.request_for_user(request.user, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, RuleError(_("Unknown article or case."), code="bad_target", status=400))
    try:
        services.support_request_link_add(
            request_id=pk,
            actor=request.user,
            target_type=form.cleaned_data["target_type"],
            object_id=form.cleaned_data["object_id"],
        )
    except RuleError as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("The link was added; the requester sees it."))
    return redirect(reverse("support:detail", args=[pk]) + "#links")


@login_required
@require_GET
def related(request: HttpRequest, pk: int) -> HttpResponse:
    """Published articles and cases like this request, for the COE to point to (htmx
    fragment on the request page; a page of its own without JavaScript)."""
    support_request = selectors.request_for_user(request.user, pk)
    require(request, "support.link_content", support_request)
    hits = _similar_hits(request, f"{support_request.title} {support_request.description}")
    linked = {(link.target_type, link.object_id) for link in selectors.links_for(support_request)}
    context = {"req": support_request, "hits": hits, "linked": linked}
    if request.htmx:
        return render(request, "support/partials/related.html", context)
    context["breadcrumbs"] = crumbs(
        "support", (support_request.reference, reverse("support:detail", args=[pk])), (_("Related knowledge"), "")
    )
    return render(request, "support/related.html", context)


@login_required
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    item = selectors.attachment_for(request.user, pk, attachment_pk)
    return protected_file_response(item.file, filename=item.name, kind=item.kind)


# --- the COE's tools -------------------------------------------------------------------------


@login_required
def canned_list(request: HttpRequest) -> HttpResponse:
    require(request, "support.manage_canned")
    form = CannedReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.canned_reply_save(actor=request.user, **form.cleaned_data)
        except RuleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The canned reply was saved."))
            return redirect("support:canned_list")
    return render(
        request,
        "support/canned_list.html",
        {
            "form": form,
            "canned": selectors.canned_reply_list(),
            "breadcrumbs": crumbs("support", (_("Queue"), reverse("support:queue")), (_("Canned replies"), "")),
        },
        status=400 if form.errors else 200,
    )


@login_required
def canned_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "support.manage_canned")
    canned = get_object_or_404(CannedReply, pk=pk)
    initial = {"kind": canned.kind, "title": canned.title, "body": canned.body, "is_active": canned.is_active}
    form = CannedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.canned_reply_save(actor=request.user, canned=canned, **form.cleaned_data)
        except RuleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The canned reply was saved."))
            return redirect("support:canned_list")
    return render(
        request,
        "support/canned_form.html",
        {
            "form": form,
            "canned": canned,
            "breadcrumbs": crumbs(
                "support",
                (_("Queue"), reverse("support:queue")),
                (_("Canned replies"), reverse("support:canned_list")),
                (canned.title, ""),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
def members(request: HttpRequest) -> HttpResponse:
    """COE members' declared skills and the lead flag (used by the assignment suggestion
    and the target warnings). One form per member, so each saves alone."""
    require(request, "support.manage_members")
    people = selectors.members_with_skills()
    status = 200
    if request.method == "POST":
        member_id = params.optional_id(request.POST, "member")
        member = next((m for m in people if m.pk == member_id), None)
        form = MemberSkillsForm(request.POST, prefix=f"m{member.pk}" if member else None)
        if member is not None and form.is_valid():
            try:
                services.member_skills_set(
                    actor=request.user,
                    member=member,
                    skills=form.cleaned_data["skills"],
                    is_lead=form.cleaned_data["is_lead"],
                )
            except RuleError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Saved for %(name)s.") % {"name": member.get_full_name()})
                return redirect(reverse("support:members") + f"#member-{member.pk}")
        else:
            status = 400
            messages.error(request, _("Please check the form."))
    for member in people:
        member.form = MemberSkillsForm(
            prefix=f"m{member.pk}", initial={"skills": member.skill_values, "is_lead": member.is_lead}
        )
    return render(
        request,
        "support/members.html",
        {
            "members": people,
            "skills": Skill.choices,
            "breadcrumbs": crumbs("support", (_("Queue"), reverse("support:queue")), (_("COE members and skills"), "")),
        },
        status=status,
    )


@login_required
def from_idea(request: HttpRequest, idea_id: int) -> HttpResponse:
    """Hand a published idea to the COE as a support request (the ideas page links here)."""
    require(request, "support.create_from_idea")
    form = FromIdeaForm(request.POST or None, initial={"kind": Kind.OTHER, "priority": Priority.NORMAL})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            created = services.support_request_create_from_idea(
                idea_id=idea_id,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                priority=form.cleaned_data["priority"],
            )
        except RuleError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("The idea is now support request %(ref)s.") % {"ref": created.reference})
            return redirect("support:detail", pk=created.pk)
    elif form.errors:
        status = 400
    return render(
        request,
        "support/from_idea.html",
        {
            "form": form,
            "idea_url": reverse("ideas:idea_detail", args=[idea_id]),
            "breadcrumbs": crumbs("support", (_("Hand an idea to the COE"), "")),
        },
        status=status,
    )
