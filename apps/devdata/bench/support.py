"""Benchmark data: support requests, 100,000 by default, each with three replies.

Loaded by `manage.py seed_bench` after accounts (it needs the staff and the COE members).
Requests are spread over three years. As in a real COE, the history grows but the open
backlog does not: the newest OPEN_BACKLOG requests are open (new, triaged, in progress,
waiting), the next RECENTLY_RESOLVED resolved, everything older closed or cancelled. So a
larger data set is a longer history, not a longer queue.

The benchmark user (the first COE member, as bench/prepare.py picks it) asked
MY_REQUESTS requests of their own and is assigned a share of the open ones, so “my
requests” and the queue's “mine” view have a page to show whatever the size.

Dues are computed with the business-day clock from each request's creation time (no
pauses: bench histories have no waiting periods), exactly as the service would.

Deflections (`seed_deflections`): DEFLECTIONS_PER_REQUEST questions answered by an article
or a case on the request form instead of being sent, over the same three years, popular
answers far more often; the answers are taken from the search index (articles and cases
are seeded before support).
"""

import random
from datetime import timedelta
from itertools import islice

from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Department, User
from apps.accounts.roles import Role
from apps.core.business_days import add_business_days
from apps.devdata.demo.support import SCENARIOS
from apps.search.models import SearchDocument
from apps.support.lifecycle import TARGETS
from apps.support.models import (
    OPEN_STATUSES,
    Deflection,
    Kind,
    MemberSkill,
    Priority,
    Reply,
    RequestEvent,
    RequestLink,
    Skill,
    Status,
    SupportRequest,
)

SIZES = {"requests": 100_000}
BATCH = 2_000
SPAN_DAYS = 3 * 365
OPEN_BACKLOG = 300
RECENTLY_RESOLVED = 100
MY_REQUESTS = 40
REPLIES_PER_REQUEST = 3
DEFLECTIONS_PER_REQUEST = 0.1
MAX_COE_MEMBERS = 60  # the team that actually handles requests; other COE accounts only read

OPEN_MIX = [Status.NEW] * 2 + [Status.TRIAGED] * 2 + [Status.IN_PROGRESS] * 4 + [Status.WAITING] * 2
PRIORITIES = [Priority.NORMAL] * 12 + [Priority.HIGH] * 4 + [Priority.LOW] * 3 + [Priority.URGENT]
Event = RequestEvent


def counts() -> dict[str, int]:
    return {"requests": SupportRequest.objects.count()}


def sample_request_id() -> int:
    """The request page the benchmark measures: the newest request (open, three replies)."""
    return SupportRequest.objects.latest("created_at", "id").pk


def sample_request_path() -> str:
    return reverse("support:detail", args=[sample_request_id()])


def _bench_user() -> User | None:
    return User.objects.filter(is_active=True, groups__name=Role.COE).order_by("pk").first()


def _status_for(index_from_newest: int, rng: random.Random) -> str:
    if index_from_newest < OPEN_BACKLOG:
        return rng.choice(OPEN_MIX)
    if index_from_newest < OPEN_BACKLOG + RECENTLY_RESOLVED:
        return Status.RESOLVED
    return Status.CANCELLED if rng.random() < 0.05 else Status.CLOSED


def _request_rows(total: int, rng: random.Random, now, people: dict):
    """(request, replies, events) per request, oldest first, bodies from the demo scenarios."""
    step = timedelta(days=SPAN_DAYS) / max(total, 1)
    start = now - timedelta(days=SPAN_DAYS)
    mine = set(rng.sample(range(total), min(MY_REQUESTS, total)))
    for i in range(total):
        scenario = SCENARIOS[i % len(SCENARIOS)]
        created = start + step * i + timedelta(minutes=rng.randint(0, 50))
        status = _status_for(total - 1 - i, rng)
        requester_id = people["bench"] if i in mine and people["bench"] else rng.choice(people["staff"])
        department_id = people["departments"][requester_id]
        priority = rng.choice(PRIORITIES)
        target = TARGETS[priority]
        request = SupportRequest(
            kind=scenario.kind,
            title=scenario.title,
            description=scenario.description.format(dept=people["names"].get(department_id, "")),
            department_id=department_id,
            requester_id=requester_id,
            status=status,
            priority=priority,
            created_at=created,
            updated_at=created,
            first_response_due_at=add_business_days(created, target.first_response_days),
            resolution_due_at=add_business_days(created, target.resolution_days),
        )
        if status != Status.NEW:
            share = people["bench"] if people["bench"] and rng.random() < 0.1 else rng.choice(people["coe"])
            request.assignee_id = share
        assignee = request.assignee_id or rng.choice(people["coe"])
        responded = status not in (Status.NEW, Status.TRIAGED, Status.CANCELLED)
        moments = sorted(created + timedelta(hours=rng.randint(1, 24 * 12)) for _ in range(REPLIES_PER_REQUEST + 2))
        moments = [min(m, now - timedelta(minutes=5)) for m in moments]
        if responded:
            request.first_responded_at = moments[0]
        if status in (Status.RESOLVED, Status.CLOSED):
            request.resolved_at = moments[-2]
            request.resolution_summary = scenario.summary
            request.rating = rng.choices([5, 4, 3, 2, 1, None], weights=[35, 30, 10, 4, 2, 19])[0]
        if status in (Status.CLOSED, Status.CANCELLED):
            request.closed_at = moments[-1]
        if status == Status.WAITING:
            request.waiting_since = moments[-1]
        request.updated_at = moments[-1] if status != Status.NEW else created
        request.version = 1 + (status != Status.NEW) + responded + (status in (Status.RESOLVED, Status.CLOSED))
        request.due_refresh()
        request.office_durations_refresh()  # bulk_create skips save(), which keeps them
        # Three replies: the COE's answer, the requester's reply, and an internal note or a follow-up.
        replies = [
            (assignee, scenario.first_reply, False, moments[0]),
            (requester_id, scenario.answer, False, moments[1]),
            (assignee, scenario.internal, True, moments[2])
            if rng.random() < 0.4
            else (assignee, scenario.progress, False, moments[2]),
        ]
        events = [(requester_id, Event.Action.CREATED, "", Status.NEW, created)]
        if status != Status.NEW and status != Status.CANCELLED:
            events.append((people["lead"], Event.Action.ASSIGNED, "", "", created + timedelta(minutes=30)))
            events.append((people["lead"], Event.Action.TRANSITION, Status.NEW, Status.TRIAGED, created))
        if status in (Status.CLOSED, Status.RESOLVED):
            events.append((assignee, Event.Action.TRANSITION, Status.IN_PROGRESS, Status.RESOLVED, moments[-2]))
        if status == Status.CANCELLED:
            events.append((requester_id, Event.Action.TRANSITION, Status.NEW, Status.CANCELLED, moments[-1]))
        yield request, replies, events


def seed(*, sizes: dict[str, int], stdout) -> None:
    rng = random.Random(20260903)
    now = timezone.now()
    total = sizes.get("requests", SIZES["requests"])
    bench = _bench_user()
    coe = list(
        User.objects.filter(is_active=True, groups__name=Role.COE)
        .order_by("pk")
        .values_list("pk", flat=True)[:MAX_COE_MEMBERS]
    )
    staff_rows = list(
        User.objects.filter(is_active=True, department__isnull=False)
        .exclude(groups__name__in=[Role.COE, Role.ADMIN])
        .order_by("pk")
        .values_list("pk", "department_id")[:20_000]
    )
    if not coe or not staff_rows or total == 0:
        stdout.write("support: skipped (needs users and COE members from apps.accounts)")
        return
    departments = dict(staff_rows)
    if bench is not None and bench.department_id:
        departments[bench.pk] = bench.department_id
    people = {
        "names": dict(Department.objects.values_list("pk", "name_ja")),
        "bench": bench.pk if bench is not None and bench.department_id else None,
        "coe": coe,
        "lead": coe[0],
        "staff": [pk for pk, _dept in staff_rows],
        "departments": departments,
    }
    skills = Skill.values
    MemberSkill.objects.bulk_create(
        [MemberSkill(user_id=pk, skill=s) for i, pk in enumerate(coe) for s in {skills[i % 6], skills[(i * 7) % 6]}],
        ignore_conflicts=True,
    )
    rows = _request_rows(total, rng, now, people)
    made = replies_made = 0
    while batch := list(islice(rows, BATCH)):
        requests = SupportRequest.objects.bulk_create([r for r, _replies, _events in batch], batch_size=BATCH)
        reply_rows, event_rows = [], []
        for request, (_r, replies, events) in zip(requests, batch, strict=True):
            for author_id, body, internal, moment in replies:
                reply_rows.append(
                    Reply(request=request, author_id=author_id, body=body, internal=internal, created_at=moment)
                )
            for version, (actor_id, action, from_status, to_status, moment) in enumerate(events, start=1):
                event_rows.append(
                    RequestEvent(
                        request=request,
                        actor_id=actor_id,
                        action=action,
                        from_status=from_status,
                        to_status=to_status,
                        data={"version": version},
                        created_at=moment,
                    )
                )
        Reply.objects.bulk_create(reply_rows, batch_size=BATCH * REPLIES_PER_REQUEST)
        RequestEvent.objects.bulk_create(event_rows, batch_size=BATCH * 4)
        made += len(requests)
        replies_made += len(reply_rows)
    open_count = SupportRequest.objects.filter(status__in=OPEN_STATUSES).count()
    stdout.write(f"support: {made:,} requests ({open_count:,} open), {replies_made:,} replies")
    seed_deflections(sizes=sizes, stdout=stdout)


def seed_deflections(*, sizes: dict[str, int], stdout) -> None:
    """Questions answered before asking (see the module docstring); callable on its own to
    add them to a database seeded before."""
    rng = random.Random(20261127)
    now = timezone.now()
    answers = list(
        SearchDocument.objects.filter(kind__in=RequestLink.Target.values)
        .order_by("-updated_at", "pk")
        .values_list("kind", "object_id", "title", "url")[:5_000]
    )
    people = list(
        User.objects.filter(is_active=True, department__isnull=False).order_by("pk").values_list("pk", "department_id")
    )
    total = int(sizes.get("requests", SIZES["requests"]) * DEFLECTIONS_PER_REQUEST)
    if not answers or not people or total == 0:
        stdout.write("support deflections: skipped (nothing in the search index or no users)")
        return
    kinds = Kind.values
    rows = []
    for _ in range(total):
        kind, object_id, title, url = answers[int(len(answers) * rng.random() ** 3)]
        user_id, department_id = people[rng.randrange(len(people))]
        rows.append(
            Deflection(
                user_id=user_id,
                department_id=department_id,
                kind=rng.choice(kinds),
                query=title[:40],
                target_type=kind,
                object_id=object_id,
                title=title[:300],
                url=url[:300],
                created_at=now - timedelta(seconds=rng.randrange(SPAN_DAYS * 86_400)),
            )
        )
    Deflection.objects.bulk_create(rows, batch_size=BATCH)
    stdout.write(f"support deflections: {len(rows):,} questions answered before asking")
