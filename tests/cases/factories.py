from datetime import date

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from apps.cases.models import Case, CaseAttachment, Field, Tool, Visibility
from apps.core.dates import fiscal_year
from tests.factories import DepartmentFactory


class FieldFactory(DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"field-{n}")
    name_ja = factory.Sequence(lambda n: f"分野{n}")
    name_en = factory.Sequence(lambda n: f"Field {n}")


class ToolFactory(DjangoModelFactory):
    class Meta:
        model = Tool
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tool-{n}")
    name_ja = factory.Sequence(lambda n: f"ツール{n}")
    name_en = factory.Sequence(lambda n: f"Tool {n}")


class CaseFactory(DjangoModelFactory):
    """A published case written straight to the table (no service, no search index).
    Use the services in tests about what they do."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"事例 {n}")
    summary = "RPAで定型入力を自動化しました。"
    department = factory.SubFactory(DepartmentFactory)
    field = factory.SubFactory(FieldFactory)
    stage = "live"
    started_on = date(2024, 6, 1)
    fiscal_year = factory.LazyAttribute(lambda case: fiscal_year(case.started_on))
    visibility = Visibility.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    # No author by default: making a user hashes a password, which is slow in bulk.
    author = None

    class Params:
        draft = factory.Trait(visibility=Visibility.DRAFT, published_at=None)

    @factory.post_generation
    def tools(self, create, extracted, **kwargs):
        if create and extracted:
            self.tools.set(extracted)

    @factory.post_generation
    def reused_by(self, create, extracted, **kwargs):
        if create and extracted:
            self.reused_by.set(extracted)

    @factory.post_generation
    def contacts(self, create, extracted, **kwargs):
        if create and extracted:
            self.contacts.set(extracted)


class CaseAttachmentFactory(DjangoModelFactory):
    class Meta:
        model = CaseAttachment

    case = factory.SubFactory(CaseFactory)
    file = factory.django.FileField(filename="report.txt", data=b"hello")
    name = "報告書.txt"
    kind = "txt"
    size = 5
