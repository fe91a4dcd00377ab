import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.support.models import CannedReply, Kind, MemberSkill, Reply, SupportRequest
from tests.factories import UserFactory


class SupportRequestFactory(DjangoModelFactory):
    """A new request made through the service would also have an event and dues; use
    `make_request()` in conftest for that. This factory is for bulk rows in list tests."""

    class Meta:
        model = SupportRequest

    kind = Kind.TOOL_ADOPTION
    title = factory.Sequence(lambda n: f"Power Automate で承認フローを作りたい {n}")
    description = "申請の承認をメールで回しているので、Teams で承認できるようにしたい。"
    requester = factory.SubFactory(UserFactory)
    department = factory.LazyAttribute(lambda o: o.requester.department)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class ReplyFactory(DjangoModelFactory):
    class Meta:
        model = Reply

    request = factory.SubFactory(SupportRequestFactory)
    author = factory.SubFactory(UserFactory)
    body = "ご依頼ありがとうございます。"


class CannedReplyFactory(DjangoModelFactory):
    class Meta:
        model = CannedReply

    title = factory.Sequence(lambda n: f"定型文 {n}")
    body = "ご依頼ありがとうございます。担当者から2営業日以内にご連絡します。"
    updated_by = factory.SubFactory(UserFactory)


class MemberSkillFactory(DjangoModelFactory):
    class Meta:
        model = MemberSkill

    user = factory.SubFactory(UserFactory)
    skill = "low_code"
