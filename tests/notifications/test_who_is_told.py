"""Who is told what: for a whole support conversation and an article's review, the exact
list of notification kinds each person receives, in order (PRODUCT.md "Notifications",
"Support requests": public replies vs internal notes). Lists, not sets: one notification
too many — an internal note reaching the requester, the actor told of their own action, a
COE member told twice — fails.

Written against the services the pages call, with the people a real request has around it:
two COE members (the assignee and the one who triages), the requester, a colleague of the
requester in the same section, and somebody elsewhere.
"""

import pytest
from django.core import mail

from apps.accounts.roles import Role
from apps.knowledge import services as knowledge
from apps.notifications import services
from apps.notifications.models import Delivery, Notification
from apps.support import services as support
from apps.support.models import Kind, Priority, Status, SupportRequest
from tests.knowledge.factories import ArticleFactory

pytestmark = pytest.mark.django_db

NOTE = "担当課長の評判は良くない"


def told(*people) -> dict[str, list[str]]:
    """Each person's notification kinds, oldest first, keyed by a readable name."""
    return {
        name: list(
            Notification.objects.filter(recipient=user).order_by("created_at", "id").values_list("kind", flat=True)
        )
        for name, user in people
    }


@pytest.fixture
def people(user_factory, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    requester = user_factory()
    return {
        "assignee": user_factory(roles=[Role.COE]),
        "triager": user_factory(roles=[Role.COE]),
        "requester": requester,
        "colleague": user_factory(department=requester.department),
        "elsewhere": user_factory(),
        "admin": user_factory(roles=[Role.ADMIN]),
    }


def version(request_id: int) -> int:
    return SupportRequest.objects.get(pk=request_id).version


def test_a_support_conversation_tells_each_person_exactly_what_concerns_them(people):
    p = people
    everyone = list(p.items())
    request = support.support_request_create(
        requester=p["requester"],
        kind=Kind.TOOL_ADOPTION,
        title="承認フローを作りたい",
        description="Teams で承認したい",
    )
    # The COE learns of the new request; the requester is not told of their own.
    assert told(*everyone) == {
        "assignee": ["support_new"],
        "triager": ["support_new"],
        "requester": [],
        "colleague": [],
        "elsewhere": [],
        "admin": [],
    }

    support.support_request_triage(
        request_id=request.pk,
        actor=p["triager"],
        assignee=p["assignee"],
        priority=Priority.HIGH,
        expected_version=version(request.pk),
    )
    # Internal notes: the assignee hears of the triager's note; the assignee's own note
    # tells nobody; the requester hears of neither.
    support.support_reply_add(request_id=request.pk, author=p["triager"], body=NOTE, internal=True)
    support.support_reply_add(request_id=request.pk, author=p["assignee"], body=NOTE + "（追記）", internal=True)
    assert told(*everyone) == {
        "assignee": ["support_new", "support_assigned", "support_internal_note"],
        "triager": ["support_new"],
        "requester": [],
        "colleague": [],
        "elsewhere": [],
        "admin": [],
    }

    support.support_reply_add(request_id=request.pk, author=p["assignee"], body="ご依頼ありがとうございます。")
    support.support_request_transition(
        request_id=request.pk,
        actor=p["assignee"],
        to_status=Status.WAITING,
        comment="現在の承認経路を教えてください。",
        expected_version=version(request.pk),
    )
    # The requester's answer while the COE waits resumes work and tells the assignee.
    support.support_reply_add(request_id=request.pk, author=p["requester"], body="課長→部長の順です。")
    assert SupportRequest.objects.get(pk=request.pk).status == Status.IN_PROGRESS
    support.support_request_transition(
        request_id=request.pk,
        actor=p["assignee"],
        to_status=Status.RESOLVED,
        comment="フローを作成しました。",
        expected_version=version(request.pk),
    )
    support.support_request_rate(request_id=request.pk, actor=p["requester"], rating=5)

    assert told(*everyone) == {
        "assignee": ["support_new", "support_assigned", "support_internal_note", "support_reply", "support_rated"],
        "triager": ["support_new"],
        "requester": ["support_reply", "support_waiting", "support_resolved"],
        "colleague": [],
        "elsewhere": [],
        "admin": [],
    }

    # E-mail follows each person's choice (ratings come as a digest unless chosen otherwise)
    # and no mail anywhere carries the note.
    modes = {
        (d.notification.recipient_id, d.notification.kind): d.status
        for d in Delivery.objects.select_related("notification")
    }
    assert modes == {
        (p["assignee"].pk, "support_new"): "pending",
        (p["triager"].pk, "support_new"): "pending",
        (p["assignee"].pk, "support_assigned"): "pending",
        (p["assignee"].pk, "support_internal_note"): "pending",
        (p["requester"].pk, "support_reply"): "pending",
        (p["requester"].pk, "support_waiting"): "pending",
        (p["assignee"].pk, "support_reply"): "pending",
        (p["requester"].pk, "support_resolved"): "pending",
        (p["assignee"].pk, "support_rated"): "digest",
    }
    for delivery in Delivery.objects.filter(status="pending"):
        services.delivery_email_send(delivery_id=delivery.pk)
    services.digest_send(user_id=p["assignee"].pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [p["assignee"].email] * 5 + [p["triager"].email] + [p["requester"].email] * 3
    )
    assert not [m for m in mail.outbox if "評判" in m.subject + m.body]


def test_a_requester_who_is_a_coe_member_is_told_as_the_requester(people, user_factory):
    """A COE member asking for help on their own behalf is the requester on that request:
    replies from the assignee reach them, and their own reply tells the assignee."""
    p = people
    asking = user_factory(roles=[Role.COE])
    request = support.support_request_create(
        requester=asking, kind=Kind.DATA_ANALYSIS, title="集計を手伝ってほしい", description="アンケートの集計"
    )
    support.support_request_triage(
        request_id=request.pk,
        actor=p["triager"],
        assignee=p["assignee"],
        priority=Priority.NORMAL,
        expected_version=version(request.pk),
    )
    support.support_reply_add(request_id=request.pk, author=p["assignee"], body="承知しました。")
    support.support_reply_add(request_id=request.pk, author=asking, body="よろしくお願いします。")
    assert told(("asking", asking), ("assignee", p["assignee"]), ("triager", p["triager"])) == {
        "asking": ["support_reply"],
        "assignee": ["support_new", "support_assigned", "support_reply"],
        "triager": ["support_new"],
    }


def test_an_article_review_tells_the_other_coe_members_then_the_owner(people, user_factory):
    p = people
    owner = p["assignee"]
    article = ArticleFactory(owner=owner, status="draft", title="Teams 会議の始め方")
    knowledge.article_submit_for_review(article=article, actor=owner)
    knowledge.article_publish(article=article, actor=p["triager"])
    # A reader's "helpful" without a comment tells nobody; with one it tells the owner.
    knowledge.article_feedback_record(article=article, user=p["colleague"], helpful=True)
    knowledge.article_feedback_record(article=article, user=p["requester"], helpful=False, comment="手順が古い")
    assert told(*people.items()) == {
        "assignee": ["article_published", "article_feedback"],
        "triager": ["article_review_requested"],
        "requester": [],
        "colleague": [],
        "elsewhere": [],
        "admin": [],
    }
    # Feedback comes as a digest unless the owner chose otherwise; the rest at once.
    statuses = dict(Delivery.objects.values_list("notification__kind", "status"))
    assert statuses == {
        "article_review_requested": "pending",
        "article_published": "pending",
        "article_feedback": "digest",
    }
