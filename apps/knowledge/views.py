from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from apps.core import params
from apps.core.access import require
from apps.core.downloads import protected_file_response
from apps.core.exceptions import RuleError
from apps.core.forms import add_service_errors
from apps.core.markdown import render_markdown
from apps.core.navigation import crumbs
from apps.knowledge import selectors, services
from apps.knowledge.diff import side_by_side
from apps.knowledge.forms import (
    ArticleForm,
    ArticleListFilterForm,
    FeedbackForm,
    PreviewForm,
    ReassignForm,
    SuggestionForm,
)
from apps.knowledge.models import Article, ArticleAttachment, ArticleRevision

PAGE_SIZE = 20


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    can_filter_status = request.user.has_perm("knowledge.view_unpublished")
    form = ArticleListFilterForm(request.GET or None, can_filter_status=can_filter_status)
    filters = form.cleaned_data if form.is_valid() else {}
    articles = selectors.article_list_for_user(
        request.user,
        category=filters.get("category"),
        tag=filters.get("tag"),
        status=filters.get("status", ""),
        stale=filters.get("stale", False),
        mine=filters.get("owner") == "me",
        sort=filters.get("sort") or "updated",
    )
    page = Paginator(articles, PAGE_SIZE).get_page(params.page_number(request))
    page.object_list = list(page.object_list)
    paths = selectors.category_paths()
    for article in page.object_list:
        article.category_path = paths.get(article.category_id, "")
    return render(
        request,
        "knowledge/article_list.html",
        {
            "page_obj": page,
            "filter_form": form,
            "filtered": bool(filters) and any(filters.get(k) for k in ("category", "tag", "status", "stale", "owner")),
            "today": timezone.localdate(),
            "can_write": request.user.has_perm("knowledge.add_article"),
            "can_reassign": request.user.has_perm("knowledge.reassign_owners"),
            "show_status": can_filter_status,
            "breadcrumbs": [(_("Knowledge"), "")],
        },
    )


def _detail_context(request: HttpRequest, article: Article, feedback_form: FeedbackForm | None = None) -> dict:
    user = request.user
    can_edit = user.has_perm("knowledge.change_article", article)
    return {
        "article": article,
        "body_html": render_markdown(article.body),
        "category_path": selectors.category_paths().get(article.category_id, "") if article.category_id else "",
        "today": timezone.localdate(),
        "is_stale": article.is_stale_on(timezone.localdate()),
        "my_feedback": selectors.feedback_of(article, user),
        "feedback_form": feedback_form or FeedbackForm(),
        "can_feedback": user.has_perm("knowledge.give_feedback", article),
        "can_edit": can_edit,
        "can_suggest": user.has_perm("knowledge.suggest_edit", article),
        "can_publish": user.has_perm("knowledge.publish_article", article),
        "can_history": user.has_perm("knowledge.view_history", article),
        "open_suggestions": list(selectors.suggestions_open(article))
        if user.has_perm("knowledge.resolve_suggestion", article)
        else [],
        "similar": selectors.similar_articles(article, user),
        "breadcrumbs": crumbs("knowledge", (article.title, "")),
    }


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_detail_for_user(request.user, pk)
    if article.is_published:
        services.article_view_record(article=article, user=request.user)
    return render(request, "knowledge/article_detail.html", _detail_context(request, article))


def _editor_response(request, *, form, article=None, preview_html=None, conflict=None, status=200) -> HttpResponse:
    kept_token = form.keep_files() if form.is_bound else ""
    title = _("Edit: %(title)s") % {"title": article.title} if article else _("New article")
    trail = [(article.title, article.get_absolute_url()), (_("Edit"), "")] if article else [(title, "")]
    context = {
        "form": form,
        "kept_files": form.kept,
        "kept_token": kept_token,
        "article": article,
        "page_title": title,
        "preview_html": preview_html,
        "conflict": conflict,
        "breadcrumbs": crumbs("knowledge", *trail),
    }
    if conflict is not None:
        base = conflict.base
        context["conflict_title_rows"] = side_by_side(base.title if base else "", conflict.current.title)
        context["conflict_rows"] = side_by_side(base.body if base else "", conflict.current.body)
    return render(request, "knowledge/article_form.html", context, status=status)


@login_required
def article_create(request: HttpRequest) -> HttpResponse:
    require(request, "knowledge.add_article")
    form = ArticleForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if "preview" in request.POST:
            form.checked_quietly()  # the files chosen are kept; nothing is sent yet, so no error is shown
            return _editor_response(request, form=form, preview_html=_preview(request))
        if form.is_valid():
            data = form.cleaned_data
            try:
                article = services.article_create(
                    actor=request.user,
                    title=data["title"],
                    body=data["body"],
                    category=data["category"],
                    tags=data["tags"],
                    review_by=data["review_by"],
                    related=data["related"],
                    attachments=form.new_and_kept_files(),
                    note=data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The draft was saved. Submit it for review when it is ready."))
                return redirect(article)
    return _editor_response(request, form=form)


@login_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_for_edit(pk)
    require(request, "knowledge.change_article", article)
    if request.method != "POST":
        initial = ArticleForm.initial_for(article)
        suggestion_id = params.optional_id(request.GET, "suggestion")
        if suggestion_id:
            suggestion = selectors.suggestion_get(article, suggestion_id)
            if suggestion.proposed_body:
                initial["body"] = suggestion.proposed_body
        form = ArticleForm(initial=initial, user=request.user, article=article)
        return _editor_response(request, form=form, article=article)

    form = ArticleForm(request.POST, request.FILES or None, user=request.user, article=article)
    if "preview" in request.POST:
        form.checked_quietly()
        return _editor_response(request, form=form, article=article, preview_html=_preview(request))
    if not form.is_valid():
        return _editor_response(request, form=form, article=article)
    data = form.cleaned_data
    try:
        services.article_update(
            article=article,
            actor=request.user,
            expected_version=data["version"] or 0,
            title=data["title"],
            body=data["body"],
            category=data["category"],
            tags=data["tags"],
            review_by=data["review_by"],
            related=data["related"],
            attachments_add=form.new_and_kept_files(),
            attachments_remove=data.get("remove_attachments") or [],
            note=data["note"],
        )
    except services.ArticleEditConflict as conflict:
        # Keep everything the user typed; only the version moves on, so saving again is a
        # deliberate choice made after seeing the other change.
        post = form.data.copy()
        post["version"] = str(conflict.current.number)
        post["kept_files"] = form.keep_files()
        form = ArticleForm(post, user=request.user, article=conflict.article)
        return _editor_response(request, form=form, article=conflict.article, conflict=conflict, status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _editor_response(request, form=form, article=article)
    messages.success(request, _("Your changes were saved as a new revision."))
    return redirect(article)


@login_required
@require_POST
def article_preview(request: HttpRequest) -> HttpResponse:
    """The htmx preview beside the editor; without JavaScript the form's Preview button
    posts the whole form to the editor view instead."""
    if not (request.user.has_perm("knowledge.add_article") or request.user.has_perm("knowledge.change_article")):
        raise PermissionDenied
    return render(request, "knowledge/partials/preview.html", {"preview_html": _preview(request)})


def _preview(request: HttpRequest) -> str:
    form = PreviewForm(request.POST)
    return render_markdown(form.cleaned_data["body"] if form.is_valid() else "")


TRANSITIONS = {
    "submit": (
        "knowledge.change_article",
        services.article_submit_for_review,
        gettext_lazy("The article was sent to the COE for review."),
    ),
    "return": (
        "knowledge.publish_article",
        services.article_return_to_draft,
        gettext_lazy("The article was returned to draft."),
    ),
    "publish": (
        "knowledge.publish_article",
        services.article_publish,
        gettext_lazy("The article is published and visible to all staff."),
    ),
    "archive": (
        "knowledge.archive_article",
        services.article_archive,
        gettext_lazy("The article was archived; staff no longer see it."),
    ),
}


@login_required
@require_POST
def article_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    if action not in TRANSITIONS:
        raise Http404
    perm, service, done = TRANSITIONS[action]
    require(request, perm, article)
    try:
        service(article=article, actor=request.user)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    return redirect(article)


@login_required
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_detail_for_user(request.user, pk)
    require(request, "knowledge.view_history", article)
    return render(
        request,
        "knowledge/article_history.html",
        {
            "article": article,
            "revisions": selectors.revision_list(article),
            "breadcrumbs": crumbs("knowledge", (article.title, article.get_absolute_url()), (_("History"), "")),
        },
    )


@login_required
def revision_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = selectors.article_detail_for_user(request.user, pk)
    require(request, "knowledge.view_history", article)
    revision = selectors.revision_get(article, number)
    against_number = params.optional_id(request.GET, "against") or number - 1
    against = selectors.revision_get(article, against_number) if against_number >= 1 else None
    return render(
        request,
        "knowledge/revision_detail.html",
        {
            "article": article,
            "revision": revision,
            "against": against,
            "title_rows": side_by_side(against.title if against else "", revision.title),
            "rows": side_by_side(
                against.body if against else "", revision.body, context=None if against is None else 2
            ),
            "can_restore": request.user.has_perm("knowledge.restore_revision", article) and number != article.version,
            "breadcrumbs": crumbs(
                "knowledge",
                (article.title, article.get_absolute_url()),
                (_("History"), reverse("knowledge:history", args=[article.pk])),
                (_("Revision %(number)d") % {"number": number}, ""),
            ),
        },
    )


@login_required
@require_POST
def revision_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    require(request, "knowledge.restore_revision", article)
    revision = get_object_or_404(ArticleRevision, article=article, number=number)
    services.article_restore_revision(article=article, revision=revision, actor=request.user)
    messages.success(request, _("Revision %(number)d was restored as a new revision.") % {"number": number})
    return redirect("knowledge:history", pk=article.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = get_object_or_404(ArticleAttachment.objects.select_related("article"), pk=attachment_pk, article_id=pk)
    if not request.user.has_perm("knowledge.view_article", attachment.article):
        raise Http404
    return protected_file_response(attachment.file, filename=attachment.name, kind=attachment.kind)


@login_required
@require_POST
def article_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_detail_for_user(request.user, pk)
    require(request, "knowledge.give_feedback", article)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return render(request, "knowledge/article_detail.html", _detail_context(request, article, form), status=400)
    services.article_feedback_record(
        article=article, user=request.user, helpful=form.cleaned_data["helpful"], comment=form.cleaned_data["comment"]
    )
    if request.htmx:
        return render(
            request, "knowledge/partials/feedback.html", _detail_context(request, article) | {"thanked": True}
        )
    messages.success(request, _("Thank you for your feedback."))
    return redirect(reverse("knowledge:detail", args=[article.pk]) + "#feedback")


@login_required
def suggestion_create(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_detail_for_user(request.user, pk)
    require(request, "knowledge.suggest_edit", article)
    form = SuggestionForm(request.POST or None, initial={"proposed_body": article.body})
    if request.method == "POST" and form.is_valid():
        services.edit_suggestion_create(article=article, author=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you. The article's owner was sent your suggestion."))
        return redirect(article)
    return render(
        request,
        "knowledge/suggestion_form.html",
        {
            "form": form,
            "article": article,
            "breadcrumbs": crumbs("knowledge", (article.title, article.get_absolute_url()), (_("Suggest an edit"), "")),
        },
    )


@login_required
def suggestion_detail(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    article = selectors.article_detail_for_user(request.user, pk)
    require(request, "knowledge.resolve_suggestion", article)
    suggestion = selectors.suggestion_get(article, suggestion_pk)
    if request.method == "POST":
        decision = params.choice(request.POST, "decision", ["accept", "decline"], "")
        if not decision:
            messages.error(request, _("Choose “Mark as done” or “Decline”."))
        else:
            try:
                services.edit_suggestion_resolve(
                    suggestion=suggestion, actor=request.user, accepted=decision == "accept"
                )
            except RuleError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The suggestion was closed and its author notified."))
            return redirect(article)
    base = ArticleRevision.objects.filter(article=article, number=suggestion.base_version).first()
    return render(
        request,
        "knowledge/suggestion_detail.html",
        {
            "article": article,
            "suggestion": suggestion,
            "rows": side_by_side(base.body if base else article.body, suggestion.proposed_body)
            if suggestion.proposed_body
            else [],
            "can_edit": request.user.has_perm("knowledge.change_article", article),
            "breadcrumbs": crumbs("knowledge", (article.title, article.get_absolute_url()), (_("Edit suggestion"), "")),
        },
    )


def _valid_part(data, names) -> dict:
    """The fields among `names` that hold a valid choice: a step of the form chosen so far."""
    probe = ReassignForm(data)
    probe.is_valid()
    return {name: probe.cleaned_data[name] for name in names if probe.cleaned_data.get(name)}


@login_required
def owners_reassign(request: HttpRequest) -> HttpResponse:
    require(request, "knowledge.reassign_owners")
    if request.method == "POST":
        form = ReassignForm(request.POST)
        if "choose" not in request.POST and form.is_valid():
            data = form.cleaned_data
            try:
                count = services.articles_reassign_owner(
                    actor=request.user,
                    from_user=data["from_user"],
                    to_user=data["to_user"],
                    articles=data["articles"] if data["scope"] == "selected" else None,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d article now belongs to %(name)s.",
                        "%(count)d articles now belong to %(name)s.",
                        count,
                    )
                    % {"count": count, "name": data["to_user"].get_full_name()},
                )
                return redirect("knowledge:reassign")
        elif "choose" in request.POST:
            form = ReassignForm(initial=_valid_part(request.POST, ("from_user", "to_user", "scope")))
    else:
        form = ReassignForm(initial=_valid_part(request.GET, ("from_user", "to_user")))
    return render(
        request,
        "knowledge/reassign.html",
        {"form": form, "breadcrumbs": crumbs("knowledge", (_("Reassign owners"), ""))},
    )
