"""Each user chooses immediate or digest per kind (PRODUCT.md "Notifications"), or the portal
only; every notification is in the portal whatever the choice. The expected table is written
out by hand for three people with different choices over three kinds."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.notifications import services
from apps.notifications.models import Delivery, Notification, Preference

pytestmark = pytest.mark.django_db

# announcement and support_reply mail at once unless chosen otherwise; support_rated comes
# as a digest unless chosen otherwise (its kind's default).
KINDS = {
    "announcement": {"title": "防災訓練"},
    "support_reply": {"title": "承認フロー"},
    "support_rated": {"title": "承認フロー", "rating": 4},
}


def send_every_kind(recipients, **kwargs):
    for kind, params in KINDS.items():
        services.notification_send(recipients=recipients, kind=kind, params=params, **kwargs)


def e_mail_by_person_and_kind(**people) -> dict[tuple[str, str], str]:
    names = {user.pk: name for name, user in people.items()}
    return {
        (names[d.notification.recipient_id], d.notification.kind): d.status
        for d in Delivery.objects.select_related("notification")
    }


def test_each_persons_choice_per_kind_decides_the_e_mail(user_factory):
    defaults, digest_reader, quiet = user_factory(), user_factory(), user_factory()
    Preference.objects.create(user=digest_reader, kind="announcement", email="digest")
    Preference.objects.create(user=digest_reader, kind="support_rated", email="immediate")
    Preference.objects.create(user=quiet, kind="announcement", email="off")
    Preference.objects.create(user=quiet, kind="support_reply", email="digest")

    send_every_kind([defaults, digest_reader, quiet])

    assert e_mail_by_person_and_kind(defaults=defaults, digest_reader=digest_reader, quiet=quiet) == {
        ("defaults", "announcement"): "pending",
        ("defaults", "support_reply"): "pending",
        ("defaults", "support_rated"): "digest",
        ("digest_reader", "announcement"): "digest",
        ("digest_reader", "support_reply"): "pending",
        ("digest_reader", "support_rated"): "pending",
        # quiet: no announcement by e-mail at all
        ("quiet", "support_reply"): "digest",
        ("quiet", "support_rated"): "digest",
    }
    # Every notification is in the portal, whatever the e-mail choice.
    for user in (defaults, digest_reader, quiet):
        kinds = Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
        assert list(kinds) == list(KINDS)
    # The digest flag says which mail a row belongs in (a claim given up goes back there).
    assert sorted(Delivery.objects.filter(digest=True).values_list("status", flat=True)) == ["digest"] * 4


def test_choices_made_on_the_settings_page_apply_to_the_next_notifications(client_for, user_factory):
    reader = user_factory()
    client = client_for(reader)
    response = client.post(
        reverse("notifications:preferences"),
        {"announcement": "digest", "support_reply": "off", "support_rated": "immediate"},
    )
    assert response.status_code == 302
    # The page shows the choices made (a kind missing from the form keeps its default).
    html = client.get(reverse("notifications:preferences")).content.decode()
    checked = dict(re.findall(r'<input type="radio" name="(\w+)" value="(\w+)"[^>]*\schecked', html))
    assert {kind: checked[kind] for kind in KINDS} == {
        "announcement": "digest",
        "support_reply": "off",
        "support_rated": "immediate",
    }
    # Kinds not chosen show their default: articles' feedback as a digest, announcements' …
    assert (checked["article_feedback"], checked["article_published"]) == ("digest", "immediate")

    send_every_kind([reader])
    assert e_mail_by_person_and_kind(reader=reader) == {
        ("reader", "announcement"): "digest",
        ("reader", "support_rated"): "pending",
    }

    # Changing one kind later leaves the others as they were.
    client.post(reverse("notifications:preferences"), {"support_reply": "immediate"})
    assert dict(Preference.objects.filter(user=reader).values_list("kind", "email")) == {
        "announcement": "digest",
        "support_reply": "immediate",
        "support_rated": "immediate",
    }


def test_nobody_else_is_affected_by_my_choice(user_factory):
    me, other = user_factory(), user_factory()
    Preference.objects.create(user=me, kind="announcement", email="off")
    Preference.objects.create(user=other, kind="support_reply", email="off")
    services.notification_send(recipients=[me, other], kind="announcement", params=KINDS["announcement"])
    assert e_mail_by_person_and_kind(me=me, other=other) == {("other", "announcement"): "pending"}


def test_people_without_an_address_inactive_people_and_the_actor(user_factory):
    no_address = user_factory(email="")
    gone = user_factory(is_active=False)
    actor, reader = user_factory(), user_factory()
    sent = services.notification_send(
        recipients=[no_address, gone, actor, reader], kind="announcement", params=KINDS["announcement"], actor=actor
    )
    # In the portal: the person without an e-mail address and the reader; nobody has left
    # the city, and the actor is not told of their own action.
    assert sorted(n.recipient_id for n in sent) == sorted([no_address.pk, reader.pk])
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted([no_address.pk, reader.pk])
    assert e_mail_by_person_and_kind(reader=reader, no_address=no_address) == {("reader", "announcement"): "pending"}
    assert services.notification_send(recipients=[actor], kind="announcement", params={}, actor=actor) == []


def test_an_unknown_kind_is_refused_and_nothing_is_written(staff_user):
    with pytest.raises(ValueError, match="unknown notification kind 'no_such_kind'"):
        services.notification_send(recipients=[staff_user], kind="no_such_kind", params={})
    assert not Notification.objects.exists()


def test_immediate_mail_is_one_per_notification_and_says_what_happened(user_factory, settings):
    settings.PORTAL_BASE_URL = "https://portal.city.example.jp"
    reader = user_factory(language="en", display_name="Hanako Yamada")
    (notification,) = services.notification_send(
        recipients=[reader], kind="support_reply", params={"title": "承認フロー"}, url="/support/requests/7/"
    )
    (delivery,) = Delivery.objects.all()
    assert services.delivery_email_send(delivery_id=delivery.pk) is True
    (message,) = mail.outbox
    assert message.to == [reader.email]
    assert message.subject == "[DX COE Portal] New reply on the support request “承認フロー”."
    assert message.body.splitlines()[:5] == [
        "Dear Hanako Yamada,",
        "",
        "New reply on the support request “承認フロー”.",
        "",
        "https://portal.city.example.jp/support/requests/7/",
    ]
    settings_url = "https://portal.city.example.jp" + reverse("notifications:preferences")
    assert message.body.rstrip().splitlines()[-1] == settings_url
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.notification_id == notification.pk
