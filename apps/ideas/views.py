"""Idea challenge pages. Each view: check the permission (apps/ideas/rules.py), parse with
a form, call one service, render or redirect. A rule of the challenge that refuses an
action (RuleError) is shown to the user with its HTTP status, never as a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core import params
from apps.core.access import require
from apps.core.downloads import protected_file_response
from apps.core.exceptions import RuleError
from apps.core.markdown import render_markdown
from apps.core.navigation import crumbs
from apps.ideas import exports, selectors, services
from apps.ideas.forms import (
    AnswerForm,
    ChallengeForm,
    CoauthorInviteForm,
    CommentForm,
    HideCommentForm,
    IdeaFilterForm,
    IdeaForm,
    MergeForm,
    ModerateForm,
    SimilarIdeaForm,
)
from apps.ideas.models import Attachment, Challenge, Comment, Idea, Phase

PAGE_SIZE = 20
# Idea cards carry a summary, co-authors and their own いいね form: twelve to a page keeps
# the list quick to read and to serve (see the benchmark).
IDEA_PAGE_SIZE = 12
RESULTS_PAGE_SIZE = 50


def _challenge_crumb(challenge: Challenge) -> tuple[str, str]:
    return (challenge.title, reverse("ideas:challenge_detail", args=[challenge.pk]))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    return params.redirect_next(request, default)


def _idea_url(idea: Idea) -> str:
    return reverse("ideas:idea_detail", args=[idea.pk])


# --- challenges ----------------------------------------------------------------------------


@login_required
def challenge_list(request: HttpRequest) -> HttpResponse:
    require(request, "ideas.view_challenge")
    return render(
        request,
        "ideas/challenge_list.html",
        {
            "challenges": list(selectors.challenge_list()),
            "my_ideas": selectors.my_ideas(request.user, limit=20),
            "invitations": selectors.invitations_for(request.user),
            "can_manage": request.user.has_perm("ideas.manage_challenge"),
            "breadcrumbs": [(_("Idea challenges"), "")],
        },
    )


def _challenge_form_response(request, form, challenge=None, status=200) -> HttpResponse:
    title = _("Edit challenge") if challenge else _("New challenge")
    trail = [_challenge_crumb(challenge), (title, "")] if challenge else [(title, "")]
    return render(
        request,
        "ideas/challenge_form.html",
        {"form": form, "challenge": challenge, "page_title": title, "breadcrumbs": crumbs("ideas", *trail)},
        status=status,
    )


@login_required
def challenge_create(request: HttpRequest) -> HttpResponse:
    require(request, "ideas.manage_challenge")
    form = ChallengeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.challenge_save(actor=request.user, **form.service_kwargs())
        except RuleError as exc:
            form.add_error(None, exc.message)
            return _challenge_form_response(request, form, status=exc.status)
        messages.success(request, _("The challenge was created."))
        return redirect("ideas:challenge_detail", pk=challenge.pk)
    return _challenge_form_response(request, form, status=400 if form.errors else 200)


@login_required
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.manage_challenge", challenge)
    form = ChallengeForm(request.POST or None, instance=challenge)
    if request.method == "POST" and form.is_valid():
        try:
            services.challenge_save(actor=request.user, challenge=challenge, **form.service_kwargs())
        except RuleError as exc:
            form.add_error(None, exc.message)
            return _challenge_form_response(request, form, challenge, status=exc.status)
        messages.success(request, _("The challenge was saved."))
        return redirect("ideas:challenge_detail", pk=challenge.pk)
    return _challenge_form_response(request, form, challenge, status=400 if form.errors else 200)


def _challenge_context(request: HttpRequest, challenge: Challenge) -> dict:
    user = request.user
    now = timezone.now()
    phase = challenge.phase_at(now)
    return {
        "challenge": challenge,
        "phase": phase,
        "phase_label": Phase(phase).label,
        "is_accepting": challenge.is_accepting_ideas(now),
        "is_voting": challenge.is_voting_open(now),
        "show_counts": selectors.counts_visible(challenge, user, now),
        "budget": selectors.budget_for(challenge, user) if challenge.is_voting_open(now) else None,
        "can_submit": user.has_perm("ideas.add_idea", challenge),
        "can_manage": user.has_perm("ideas.manage_challenge", challenge),
        "can_moderate": user.has_perm("ideas.moderate_idea"),
        "can_results": user.has_perm("ideas.view_results", challenge),
        "can_export": user.has_perm("ideas.export_results", challenge),
    }


@login_required
def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.view_challenge", challenge)
    context = _challenge_context(request, challenge)
    context.update(
        {
            "theme_html": render_markdown(challenge.theme),
            "stats": selectors.challenge_stats(challenge),
            "categories": selectors.categories_of(challenge),
            "my_ideas": selectors.my_ideas(request.user, challenge=challenge),
            "breadcrumbs": crumbs("ideas", (challenge.title, "")),
        }
    )
    return render(request, "ideas/challenge_detail.html", context)


@login_required
def idea_list(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.view_challenge", challenge)
    context = _challenge_context(request, challenge)
    show_counts = context["show_counts"]
    form = IdeaFilterForm(request.GET or None, challenge=challenge, show_counts=show_counts)
    filters = {}
    if form.is_bound:
        # A value that is not offered is ignored, not an error: "popular" while counts are
        # hidden (the order would tell them), a category of another challenge, an odd word.
        form.is_valid()
        filters = form.cleaned_data
    category = filters.get("category")
    page = selectors.idea_list_page(
        challenge,
        user=request.user,
        show_counts=show_counts,
        page=str(params.page_number(request)),
        per_page=IDEA_PAGE_SIZE,
        sort=filters.get("sort") or "new",
        category_id=category,
    )
    voting = context["is_voting"]
    next_url = request.get_full_path()
    cards = [
        {
            "idea": idea,
            "vote": {
                "has_voted": idea.has_voted,
                "can_vote": voting and not idea.is_mine,
                "is_author": idea.is_mine,
                "count": idea.visible_count,
                "next": next_url,
            },
        }
        for idea in page.object_list
    ]
    filter_options = [
        (name, str(form.fields[name].label), _options(form, name, filters.get(name))) for name in ("category", "sort")
    ]
    context.update(
        {
            "page_obj": page,
            "cards": cards,
            "filter_options": filter_options,
            "filtered": bool(category),
            "breadcrumbs": crumbs("ideas", _challenge_crumb(challenge), (_("Ideas"), "")),
        }
    )
    return render(request, "ideas/idea_list.html", context)


def _options(form, name: str, current) -> list[tuple[str, str, bool]]:
    current = "" if current is None else str(current)
    return [(str(value), label, str(value) == current) for value, label in form.fields[name].choices]


@login_required
def moderation_queue(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.moderate_idea", challenge)
    return render(
        request,
        "ideas/moderation_queue.html",
        {
            "challenge": challenge,
            "ideas": list(selectors.moderation_queue(challenge)),
            "breadcrumbs": crumbs("ideas", _challenge_crumb(challenge), (_("Waiting for approval"), "")),
        },
    )


# --- writing ideas -------------------------------------------------------------------------


def _similar_hits(request: HttpRequest, text: str, exclude_id: int | None) -> list:
    from apps.search.selectors import similar

    if len(text.strip()) < 2:
        return []
    return similar(
        text[:500],
        types=["idea"],
        user=request.user,
        limit=5,
        exclude=("idea", exclude_id) if exclude_id else None,
    )


def _idea_form_response(request, *, form, challenge, idea=None, similar=None, status=200) -> HttpResponse:
    kept_token = form.keep_files() if form.is_bound else ""
    title = _("Edit idea") if idea else _("Submit an idea")
    trail = [_challenge_crumb(challenge)]
    if idea:
        trail.append((idea.title, _idea_url(idea)))
    return render(
        request,
        "ideas/idea_form.html",
        {
            "form": form,
            "kept_files": form.kept,
            "kept_token": kept_token,
            "challenge": challenge,
            "idea": idea,
            "page_title": title,
            "similar": similar,
            "similar_checked": similar is not None,
            "breadcrumbs": crumbs("ideas", *trail, (title, "")),
        },
        status=status,
    )


def _idea_form_post(request: HttpRequest, challenge: Challenge, idea: Idea | None) -> HttpResponse:
    action = params.choice(request.POST, "action", ["draft", "submit", "save", "similar"], "draft")
    if action == "similar":
        # Without JavaScript: show similar ideas and give the form back exactly as typed.
        form = IdeaForm(request.POST, request.FILES, user=request.user, challenge=challenge, idea=idea)
        form.checked_quietly()
        hits = _similar_hits(request, SimilarIdeaForm(request.POST).text(), idea.pk if idea else None)
        return _idea_form_response(request, form=form, challenge=challenge, idea=idea, similar=hits)
    submit = action == "submit"
    form = IdeaForm(request.POST, request.FILES, user=request.user, challenge=challenge, idea=idea, submitting=submit)
    if not form.is_valid():
        return _idea_form_response(request, form=form, challenge=challenge, idea=idea, status=400)
    try:
        saved = services.idea_save(
            author=request.user, challenge=challenge, idea=idea, submit=submit, **form.service_kwargs()
        )
    except RuleError as exc:
        form.add_error(None, exc.message)
        return _idea_form_response(request, form=form, challenge=challenge, idea=idea, status=exc.status)
    if saved.status == Idea.Status.DRAFT:
        messages.success(request, _("Your draft was saved. Only you can see it until you submit it."))
    elif submit and saved.status == Idea.Status.SUBMITTED:
        messages.success(request, _("Thank you! Your idea was sent to the COE and will be shown once approved."))
    elif submit and saved.status == Idea.Status.APPROVED and idea is None:
        messages.success(request, _("Thank you! Your idea is published."))
    else:
        messages.success(request, _("Your changes were saved."))
    return redirect(_idea_url(saved))


@login_required
def idea_create(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.view_challenge", challenge)
    if not request.user.has_perm("ideas.add_idea", challenge):
        messages.error(request, _("This challenge is not accepting ideas now."))
        return redirect("ideas:challenge_detail", pk=challenge.pk)
    if request.method == "POST":
        return _idea_form_post(request, challenge, None)
    return _idea_form_response(request, form=IdeaForm(user=request.user, challenge=challenge), challenge=challenge)


@login_required
def idea_edit(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_for_edit(request.user, pk)
    if request.method == "POST":
        return _idea_form_post(request, idea.challenge, idea)
    form = IdeaForm(initial=IdeaForm.initial_for(idea), user=request.user, challenge=idea.challenge, idea=idea)
    return _idea_form_response(request, form=form, challenge=idea.challenge, idea=idea)


@login_required
@require_GET
def similar_ideas(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx fragment beside the title and summary while the author types."""
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.view_challenge", challenge)
    form = SimilarIdeaForm(request.GET)
    text = form.text()
    hits = _similar_hits(request, text, form.cleaned_data.get("idea"))
    return render(request, "ideas/partials/similar.html", {"similar": hits, "similar_checked": bool(text.strip())})


# --- an idea's page ------------------------------------------------------------------------


def _vote_context(
    request: HttpRequest, idea: Idea, *, has_voted: bool, budget, announce: str = "", error=False
) -> dict:
    challenge = idea.challenge
    now = timezone.now()
    is_author = idea.author_id == request.user.pk or any(
        c.user_id == request.user.pk and c.status == "accepted" for c in idea.coauthors.all()
    )
    return {
        "idea": idea,
        "vote": {
            "has_voted": has_voted,
            "can_vote": idea.status == Idea.Status.APPROVED and challenge.is_voting_open(now) and not is_author,
            "is_author": is_author,
            "count": idea.visible_count if hasattr(idea, "visible_count") else None,
            "announce": announce,
            "error": error,
            "next": params.next_url(request, request.get_full_path()),
        },
        "budget": budget,
        "challenge": challenge,
    }


def _comment_contexts(user, comments: list[Comment], *, can_hide: bool) -> list[dict]:
    # A hidden comment's text and reason: for its author and the COE only.
    return [{"c": c, "sees_hidden": c.is_hidden and (c.author_id == user.pk or can_hide)} for c in comments]


def _idea_viewer(request: HttpRequest, idea: Idea) -> dict:
    """The viewer's relation to the idea and what they may do."""
    user = request.user
    facts = selectors.idea_page_facts(idea, user)
    can_moderate = user.has_perm("ideas.moderate_idea", idea)
    is_author_side = user.has_perm("ideas.change_idea", idea) or idea.author_id == user.pk
    context = _vote_context(request, idea, has_voted=facts["has_voted"], budget=facts["budget"])
    can_hide = user.has_perm("ideas.hide_comment", idea)
    context.update(
        {
            "phase_label": Phase(idea.challenge.phase).label,
            "comments": _comment_contexts(user, selectors.comment_list(idea), can_hide=can_hide),
            "is_following": facts["is_following"],
            "can_edit": user.has_perm("ideas.change_idea", idea),
            "can_withdraw": user.has_perm("ideas.withdraw_idea", idea),
            "can_invite": user.has_perm("ideas.invite_coauthor", idea),
            "can_comment": user.has_perm("ideas.comment_idea", idea),
            "can_follow": user.has_perm("ideas.follow_idea", idea),
            "can_hide": can_hide,
            "can_moderate": can_moderate and idea.status == Idea.Status.SUBMITTED,
            "can_merge": user.has_perm("ideas.merge_idea", idea)
            and idea.status in (Idea.Status.APPROVED, Idea.Status.SUBMITTED)
            and not idea.challenge.sealed_at,
            "can_answer": user.has_perm("ideas.answer_idea", idea) and idea.status == Idea.Status.APPROVED,
            "can_hand_over": user.has_perm("ideas.hand_over_idea", idea),
            "sees_private": is_author_side or can_moderate,
            "invitation": next(
                (c for c in idea.coauthors.all() if c.user_id == user.pk and c.status == "invited"), None
            ),
            "accepted_coauthors": [c for c in idea.coauthors.all() if c.status == "accepted"],
        }
    )
    return context


def _idea_response(request: HttpRequest, idea: Idea, *, status: int = 200, **forms) -> HttpResponse:
    context = {
        **_idea_viewer(request, idea),
        "body_html": render_markdown(idea.body),
        "events": selectors.event_list(idea),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "moderate_form": forms.get("moderate_form") or ModerateForm(),
        "invite_form": forms.get("invite_form") or CoauthorInviteForm(),
        "breadcrumbs": crumbs("ideas", _challenge_crumb(idea.challenge), (idea.title, "")),
    }
    return render(request, "ideas/idea_detail.html", context, status=status)


@login_required
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _idea_response(request, selectors.idea_detail_for_user(request.user, pk))


def _refused(request: HttpRequest, pk: int, exc: RuleError) -> HttpResponse:
    """A rule said no: the idea's page again, with the reason and the rule's HTTP status."""
    messages.error(request, exc.message)
    return _idea_response(request, selectors.idea_detail_for_user(request.user, pk), status=exc.status)


@login_required
@require_POST
def idea_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast or withdraw a いいね. With htmx the answer is the button fragment (its new state,
    the remaining budget and a sentence for the live region); without, a redirect back.

    The service acts only on a published idea, which every signed-in user may see, so a
    vote that goes through needs no other permission check and no other query; any refusal
    is answered from the idea itself, after the check that the user may see it (else 404)."""
    withdraw = params.choice(request.POST, "action", ["cast", "withdraw"], "cast") == "withdraw"
    try:
        if withdraw:
            result = services.vote_withdraw(voter=request.user, idea_id=pk)
            announce = _("Your いいね for “%(title)s” was withdrawn.") % {"title": result.title}
        else:
            result = services.vote_cast(voter=request.user, idea_id=pk)
            announce = _("You gave “%(title)s” a いいね.") % {"title": result.title}
    except RuleError as exc:
        return _vote_refused(request, pk, exc)
    if not request.htmx:
        messages.success(request, announce)
        return _back(request, reverse("ideas:idea_detail", args=[pk]))
    challenge = selectors.challenge_get(result.challenge_id)
    context = {
        "idea": {"pk": pk, "title": result.title},
        "vote": {
            "has_voted": result.voted,
            "can_vote": True,  # it just did: published, voting open, not theirs
            "is_author": False,
            "count": result.count if selectors.counts_visible(challenge, request.user) else None,
            "announce": announce,
            "next": params.next_url(request, request.get_full_path()),
        },
        "budget": selectors.Budget(used=result.used, total=challenge.votes_per_person),
        "challenge": challenge,
        "oob": True,
    }
    return render(request, "ideas/partials/vote_button.html", context)


def _vote_refused(request: HttpRequest, pk: int, exc: RuleError) -> HttpResponse:
    idea = selectors.idea_for_vote(request.user, pk)
    if not request.htmx:
        return _refused(request, idea.pk, exc)
    has_voted, budget = selectors.vote_state_refresh(idea, request.user)
    if not idea.challenge.is_voting_open():
        budget = None
    context = _vote_context(request, idea, has_voted=has_voted, budget=budget, announce=exc.message, error=True)
    return render(request, "ideas/partials/vote_button.html", context | {"oob": True}, status=exc.status)


@login_required
@require_POST
def idea_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    require(request, "ideas.withdraw_idea", idea)
    try:
        services.idea_withdraw(idea_id=idea.pk, actor=request.user)
    except RuleError as exc:
        return _refused(request, idea.pk, exc)
    messages.success(request, _("Your idea was withdrawn. It is no longer shown to others."))
    return redirect(_idea_url(idea))


@login_required
@require_POST
def idea_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    require(request, "ideas.moderate_idea", idea)
    form = ModerateForm(request.POST)
    if not form.is_valid():
        return _idea_response(request, idea, status=400, moderate_form=form)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.idea_moderate(idea_id=idea.pk, actor=request.user, approve=approve, reason=form.cleaned_data["reason"])
    except RuleError as exc:
        return _refused(request, idea.pk, exc)
    messages.success(
        request,
        _("The idea is published and its author notified.")
        if approve
        else _("The idea was returned to its author with your reason."),
    )
    return _back(request, _idea_url(idea))


@login_required
@require_POST
def coauthor_invite(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    require(request, "ideas.invite_coauthor", idea)
    form = CoauthorInviteForm(request.POST)
    if not form.is_valid():
        return _idea_response(request, idea, status=400, invite_form=form)
    try:
        services.coauthor_invite(idea_id=idea.pk, actor=request.user, user=form.cleaned_data["person"])
    except RuleError as exc:
        form.add_error("person", exc.message)
        return _idea_response(request, idea, status=exc.status, invite_form=form)
    messages.success(
        request,
        _("%(name)s was invited. They become a co-author once they accept.")
        % {"name": form.cleaned_data["person"].get_full_name()},
    )
    return redirect(_idea_url(idea))


@login_required
@require_POST
def coauthor_answer(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    answer = params.choice(request.POST, "answer", ["accept", "decline"], "")
    if not answer:
        return _refused(request, idea.pk, RuleError(_("Choose to accept or decline."), code="bad_answer", status=400))
    accept = answer == "accept"
    try:
        services.coauthor_answer(idea_id=idea.pk, user=request.user, accept=accept)
    except RuleError as exc:
        return _refused(request, idea.pk, exc)
    messages.success(
        request, _("You are now a co-author of this idea.") if accept else _("You declined the invitation.")
    )
    if not accept and not request.user.has_perm("ideas.view_idea", selectors.idea_get(pk)):
        return redirect("ideas:challenge_list")
    return redirect(_idea_url(idea))


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    require(request, "ideas.comment_idea", idea)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _idea_response(request, idea, status=400, comment_form=form)
    try:
        comment = services.comment_add(idea_id=idea.pk, author=request.user, body=form.cleaned_data["body"])
    except RuleError as exc:
        form.add_error("body", exc.message)
        return _idea_response(request, idea, status=exc.status, comment_form=form)
    messages.success(request, _("Your comment was posted."))
    return redirect(f"{_idea_url(idea)}#comment-{comment.pk}")


@login_required
@require_POST
def comment_hide(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("idea"), pk=pk)
    require(request, "ideas.hide_comment", comment.idea)
    form = HideCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a reason; the author will see it."))
    else:
        try:
            services.comment_hide(comment_id=comment.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except RuleError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The comment is hidden. Its author sees your reason."))
    return redirect(f"{_idea_url(comment.idea)}#comment-{comment.pk}")


@login_required
@require_POST
def follow_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    require(request, "ideas.follow_idea", idea)
    following = services.follow_toggle(idea_id=idea.pk, user=request.user)
    messages.success(
        request,
        _("You follow this idea: you are told about new comments and the official answer.")
        if following
        else _("You no longer follow this idea."),
    )
    return redirect(_idea_url(idea))


@login_required
def idea_merge(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    require(request, "ideas.merge_idea", idea)
    form = MergeForm(request.POST or None, targets=selectors.merge_targets(idea))
    status = 200
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            services.idea_merge(source_id=idea.pk, target_id=target.pk, actor=request.user)
        except RuleError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("The ideas were merged; voters of the duplicate were told."))
            return redirect(_idea_url(target))
    elif form.errors:
        status = 400
    return render(
        request,
        "ideas/idea_merge.html",
        {
            "idea": idea,
            "form": form,
            "breadcrumbs": crumbs(
                "ideas", _challenge_crumb(idea.challenge), (idea.title, _idea_url(idea)), (_("Merge"), "")
            ),
        },
        status=status,
    )


@login_required
def idea_answer(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    require(request, "ideas.answer_idea", idea)
    initial = {"status": idea.answer_status_id, "text": idea.answer_text}
    form = AnswerForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.idea_answer(
                idea_id=idea.pk, actor=request.user, status=form.cleaned_data["status"], text=form.cleaned_data["text"]
            )
        except RuleError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("The official answer is published; the authors and followers were told."))
            return redirect(_idea_url(idea))
    elif form.errors:
        status = 400
    return render(
        request,
        "ideas/idea_answer.html",
        {
            "idea": idea,
            "form": form,
            "breadcrumbs": crumbs(
                "ideas", _challenge_crumb(idea.challenge), (idea.title, _idea_url(idea)), (_("Official answer"), "")
            ),
        },
        status=status,
    )


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("idea__challenge"), pk=attachment_pk, idea_id=pk)
    if not request.user.has_perm("ideas.view_idea", attachment.idea):
        raise Http404
    # Images are shown in the page; anything else is downloaded, never rendered by the browser.
    return protected_file_response(
        attachment.file, filename=attachment.name, kind=attachment.kind, inline=attachment.is_image
    )


# --- results -------------------------------------------------------------------------------


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.view_results", challenge)
    data = selectors.results_for(challenge)
    page = Paginator(data.ranking, RESULTS_PAGE_SIZE).get_page(params.page_number(request))
    context = _challenge_context(request, challenge)
    context.update(
        {
            "results": data,
            "page_obj": page,
            "can_publish": request.user.has_perm("ideas.publish_results", challenge)
            and not challenge.results_published_at,
            "breadcrumbs": crumbs("ideas", _challenge_crumb(challenge), (_("Results"), "")),
        }
    )
    return render(request, "ideas/results.html", context)


@login_required
def results_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.export_results", challenge)
    show_counts = selectors.counts_visible(challenge, request.user)
    if fmt == "csv":
        return exports.csv_response(challenge, show_counts=show_counts)
    if fmt == "xlsx":
        return exports.xlsx_response(challenge, show_counts=show_counts)
    raise Http404


@login_required
def tally_text(request: HttpRequest, pk: int) -> HttpResponse:
    """The exact text the seal digest is the SHA-256 of: "idea_id:count" lines, no final newline."""
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.view_results", challenge)
    if not challenge.sealed_at:
        raise Http404
    lines = [f"{idea_id}:{count}" for idea_id, count in selectors.tally_pairs(challenge)]
    response = HttpResponse("\n".join(lines).encode(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="challenge-{challenge.pk}-tally.txt"'
    return response


@login_required
@require_POST
def results_publish(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(pk)
    require(request, "ideas.publish_results", challenge)
    try:
        services.challenge_publish_results(challenge_id=challenge.pk, actor=request.user)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The results are published and the participants notified."))
    return redirect("ideas:results", pk=challenge.pk)


@login_required
@require_POST
def idea_to_case(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail_for_user(request.user, pk)
    require(request, "ideas.hand_over_idea", idea)
    try:
        case = services.idea_publish_as_case(idea_id=idea.pk, actor=request.user)
    except RuleError as exc:
        messages.error(request, exc.message)
        return redirect(_idea_url(idea))
    messages.success(request, _("A draft case was started from this idea. Complete it and publish it."))
    return redirect("cases:edit", pk=case.pk)
