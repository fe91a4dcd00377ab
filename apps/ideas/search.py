"""The idea challenge's part of the search contract (apps.search.registry)."""

from django.db.models import QuerySet
from django.urls import reverse

from apps.core.markdown import markdown_to_text
from apps.ideas.models import Idea
from apps.search.registry import Audience, SearchDoc


def idea_document(idea: Idea) -> SearchDoc | None:
    """Only published ideas are findable: drafts, ideas waiting for approval, returned,
    withdrawn and merged ones never leak. No vote counts: they may be hidden."""
    if idea.status != Idea.Status.APPROVED:
        return None
    meta = [idea.challenge.title]
    if idea.category_id:
        meta.append(idea.category.name)
    if idea.department_id:
        meta.append(idea.department.name)
    body = "\n".join(part for part in (idea.summary, markdown_to_text(idea.body), idea.tags) if part)
    return SearchDoc(
        title=idea.title,
        body=body,
        url=reverse("ideas:idea_detail", args=[idea.pk]),
        updated_at=idea.updated_at,
        audience=Audience.ALL,
        department_id=idea.department_id,
        meta=meta,
    )


def idea_queryset() -> QuerySet[Idea]:
    return Idea.objects.filter(status=Idea.Status.APPROVED).select_related("challenge", "category", "department")
