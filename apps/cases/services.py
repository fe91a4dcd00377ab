"""Writes to the case library. Each service validates, makes one atomic change, records
it in the audit log and keeps the search index in step (drafts are never indexed)."""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.leavers import Leaver
from apps.accounts.models import Department, User
from apps.cases.models import (
    Case,
    CaseAttachment,
    CaseLink,
    Field,
    SourceKind,
    Stage,
    Tool,
    Visibility,
    validate_link_url,
)
from apps.core.dates import fiscal_year
from apps.core.services import audit_log
from apps.core.uploads import attachment_store, attachments_delete, prepare_upload
from apps.notifications.services import notification_send
from apps.search.services import search_index_update


class CaseFields(TypedDict, total=False):
    """Everything an editor can set on a case; a service leaves out what it is not given."""

    title: str
    summary: str
    department: Department
    field: Field | None
    stage: str
    started_on: date
    problem: str
    baseline: str
    approach: str
    hours_saved_per_year: Decimal | None
    hours_method: str
    hours_method_note: str
    measured_from: date | None
    measured_until: date | None
    initial_cost_yen: int | None
    annual_cost_yen: int | None
    residents_affected: int | None
    outcome_before: str
    outcome_after: str
    outcomes: str
    lessons: str
    success_conditions: str
    review_by: date | None
    tools: Iterable[Tool]
    reused_by: Iterable[Department]
    contacts: Iterable[User]
    # (title, url) pairs, in the order they are shown; they replace the case's links.
    links: Sequence[tuple[str, str]]


RELATIONS = ("tools", "reused_by", "contacts", "links")


def _clean_links(links: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned, errors = [], []
    for title, url in links:
        title, url = (title or "").strip(), (url or "").strip()
        if not url:
            continue
        try:
            validate_link_url(url)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        cleaned.append(((title or url)[:200], url))
    if errors:
        raise ValidationError({"links": errors})
    return cleaned


def _apply(case: Case, fields: CaseFields) -> list[str]:
    """Set the plain fields on the instance; return the names that changed."""
    changed = []
    for name, value in fields.items():
        if name in RELATIONS:
            continue
        model_field = Case._meta.get_field(name)
        if model_field.is_relation:  # compare ids: reading an unset foreign key raises
            current, new = getattr(case, model_field.attname), (value.pk if value is not None else None)
        else:
            current, new = getattr(case, name), value
        if current != new:
            setattr(case, name, value)
            changed.append(name)
    if case.started_on is not None:
        case.fiscal_year = fiscal_year(case.started_on)
    return changed


def _validate(case: Case) -> None:
    exclude = set() if case.started_on is not None else {"fiscal_year"}
    case.full_clean(exclude=exclude)


def _set_relations(case: Case, fields: CaseFields, links: list[tuple[str, str]] | None) -> list[str]:
    changed = []
    for name in ("tools", "reused_by", "contacts"):
        if name in fields:
            wanted = {obj.pk for obj in fields[name]}
            manager = getattr(case, name)
            if {pk for pk in manager.values_list("pk", flat=True)} != wanted:
                manager.set(wanted)
                changed.append(name)
    if links is not None:
        current = list(case.links.order_by("sort_order", "id").values_list("title", "url"))
        if current != links:
            case.links.all().delete()
            CaseLink.objects.bulk_create(
                [CaseLink(case=case, title=title, url=url, sort_order=i) for i, (title, url) in enumerate(links)]
            )
            changed.append("links")
    return changed


def case_create(
    *,
    author: User | None,
    slug: str | None = None,
    publish: bool = False,
    source_kind: str = "",
    source_id: int | None = None,
    source_url: str = "",
    **fields: Unpack[CaseFields],
) -> Case:
    """Create a case, a draft unless `publish` (which checks it is complete enough)."""
    links = _clean_links(fields["links"]) if "links" in fields else None
    case = Case(author=author, slug=slug or None, source_kind=source_kind, source_id=source_id, source_url=source_url)
    _apply(case, fields)
    if publish:
        _check_publishable(case)
        case.visibility, case.published_at = Visibility.PUBLISHED, timezone.now()
    _validate(case)
    with transaction.atomic():
        case.save()
        _set_relations(case, fields, links)
        audit_log(action="case.created", actor=author, target=case, data={"visibility": case.visibility})
        # The registered document is None for a draft, which takes it out of the index.
        search_index_update(obj=case)
    return case


def case_update(*, case: Case, actor: User, **fields: Unpack[CaseFields]) -> Case:
    """Change a case; only the given fields change. Nothing is written if validation fails."""
    links = _clean_links(fields["links"]) if "links" in fields else None
    changed = _apply(case, fields)
    if case.is_published:
        _check_publishable(case)
    _validate(case)
    with transaction.atomic():
        case.save()
        changed += _set_relations(case, fields, links)
        if changed:
            audit_log(action="case.updated", actor=actor, target=case, data={"fields": sorted(changed)})
        # The registered document is None for a draft, which takes it out of the index.
        search_index_update(obj=case)
    return case


def _check_publishable(case: Case) -> None:
    if case.field_id is None:
        raise ValidationError({"field": _("Choose a field for this case before publishing it.")})


def case_publish(*, case: Case, actor: User) -> Case:
    """Make a case visible to all staff (and findable in search)."""
    if case.is_published:
        return case
    _check_publishable(case)
    with transaction.atomic():
        case.visibility = Visibility.PUBLISHED
        case.published_at = case.published_at or timezone.now()
        case.save(update_fields=["visibility", "published_at", "updated_at"])
        audit_log(action="case.published", actor=actor, target=case)
        search_index_update(obj=case)
    return case


def case_unpublish(*, case: Case, actor: User) -> Case:
    """Turn a case back into a draft: only the COE and its author see it, search forgets it."""
    if not case.is_published:
        return case
    with transaction.atomic():
        case.visibility = Visibility.DRAFT
        case.published_at = None
        case.save(update_fields=["visibility", "published_at", "updated_at"])
        audit_log(action="case.unpublished", actor=actor, target=case)
        search_index_update(obj=case)
    return case


def case_create_from_source(
    *,
    title: str,
    summary: str,
    department: Department,
    source_kind: str,
    source_id: int,
    source_url: str,
    author: User,
    problem: str = "",
    approach: str = "",
    field: Field | None = None,
    tools: Iterable[Tool] = (),
    started_on: date | None = None,
) -> Case:
    """Start a draft case from a winning idea or a resolved support request.

    Called by the ideas and support apps, which pass what they know; the case keeps the
    link (kind, id and URL) back to where it came from. There is at most one case per
    source: calling again for the same idea or request returns the existing case unchanged,
    so a double click or a retried task does not make two. The COE completes the draft
    (field, outcomes …) and publishes it.
    """
    if source_kind not in SourceKind.values:
        raise ValidationError(
            _("Unknown source “%(kind)s”; expected one of %(kinds)s.")
            % {"kind": source_kind, "kinds": ", ".join(SourceKind.values)}
        )
    existing = Case.objects.filter(source_kind=source_kind, source_id=source_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            case = case_create(
                author=author,
                source_kind=source_kind,
                source_id=source_id,
                source_url=source_url,
                title=title,
                summary=summary,
                department=department,
                field=field,
                tools=tools,
                stage=Stage.IDEA,
                started_on=started_on or timezone.localdate(),
                problem=problem,
                approach=approach,
            )
            audit_log(
                action="case.created_from_source",
                actor=author,
                target=case,
                data={"source_kind": source_kind, "source_id": source_id, "source_url": source_url},
            )
    except (IntegrityError, ValidationError):
        # Another request may have made the case for this source in the meantime.
        existing = Case.objects.filter(source_kind=source_kind, source_id=source_id).first()
        if existing is None:
            raise
        return existing
    return case


def reference_item_create(
    *, model: type[Field] | type[Tool], code: str, name_ja: str, name_en: str, sort_order: int, actor: User
) -> Field | Tool:
    """Add a field or a tool. Its code is its id in links and bookmarks, so it never changes."""
    item = model(code=code, name_ja=name_ja, name_en=name_en, sort_order=sort_order)
    item.full_clean()
    with transaction.atomic():
        item.save()
        audit_log(action="cases.reference_created", actor=actor, target=item, data={"code": code})
    return item


def reference_item_update(
    *, item: Field | Tool, name_ja: str, name_en: str, sort_order: int, is_active: bool, actor: User
) -> Field | Tool:
    """Rename, reorder or retire a field or tool. A retired one keeps its cases and stays
    in their facets, but can no longer be chosen for a case."""
    item.name_ja, item.name_en, item.sort_order, item.is_active = name_ja, name_en, sort_order, is_active
    item.full_clean()
    with transaction.atomic():
        item.save()
        audit_log(
            action="cases.reference_updated",
            actor=actor,
            target=item,
            data={"name_ja": name_ja, "name_en": name_en, "sort_order": sort_order, "is_active": is_active},
        )
    return item


def case_attachment_add(*, case: Case, upload: UploadedFile, actor: User, description: str = "") -> CaseAttachment:
    """Attach a document or picture after checking its type by content and its size
    (apps.core.uploads: pictures are stored without their hidden data)."""
    prepared = prepare_upload(upload)
    with transaction.atomic():
        attachment = attachment_store(
            CaseAttachment(case=case, description=description.strip()[:200], uploaded_by=actor), prepared
        )
        audit_log(
            action="case.attachment_added",
            actor=actor,
            target=case,
            data={
                "attachment": attachment.pk,
                "name": attachment.name,
                "kind": attachment.kind,
                "size": attachment.size,
            },
        )
    return attachment


def case_attachment_delete(*, attachment: CaseAttachment, actor: User) -> None:
    case, name = attachment.case, attachment.name
    with transaction.atomic():
        attachments_delete([attachment])
        audit_log(action="case.attachment_deleted", actor=actor, target=case, data={"name": name})


def cases_leaver_handle(leaver: Leaver) -> dict | None:
    """Someone who was a contact of cases left (apps.accounts.leavers): on each such case
    the successor takes their place as contact and is told. The author stays: a case
    stays attributed to who wrote it. Without a successor the leaver is only removed as a
    contact where another contact remains."""
    Contacts = Case.contacts.through
    with transaction.atomic():
        case_ids = sorted(Contacts.objects.filter(user_id=leaver.user.pk).values_list("case_id", flat=True).distinct())
        if not case_ids:
            return None
        successor = leaver.successor
        if successor is None:
            others = set(
                Contacts.objects.filter(case_id__in=case_ids)
                .exclude(user_id=leaver.user.pk)
                .values_list("case_id", flat=True)
            )
            case_ids = [pk for pk in case_ids if pk in others]
        Contacts.objects.filter(case_id__in=case_ids, user_id=leaver.user.pk).delete()
        if successor is not None:
            have = set(
                Contacts.objects.filter(case_id__in=case_ids, user_id=successor.pk).values_list("case_id", flat=True)
            )
            Contacts.objects.bulk_create(
                [Contacts(case_id=pk, user_id=successor.pk) for pk in case_ids if pk not in have]
            )
        if not case_ids:
            return None
        audit_log(
            action="case.contacts_handed_over",
            actor=leaver.actor,
            target=successor or leaver.user,
            data={"from_user": leaver.user.pk, "to_user": successor.pk if successor else None, "cases": case_ids},
        )
        if successor is not None:
            notification_send(
                recipients=[successor],
                kind="cases_handed_over",
                params={"count": len(case_ids), "from": leaver.user.get_full_name()},
                url=reverse("cases:list"),
                actor=leaver.actor,
            )
    return {"cases": case_ids, "to": successor.pk if successor else None}
