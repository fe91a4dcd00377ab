import factory
from factory.django import DjangoModelFactory

from apps.accounts.models import Department, User
from apps.notifications.models import Announcement


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name_ja = factory.Sequence(lambda n: f"テスト課{n}")
    name_en = factory.Sequence(lambda n: f"Test Section {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"職員 {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@city.example.jp")
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password("pw-for-tests-only")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            from apps.accounts.services import user_roles_set

            user_roles_set(user=self, roles=extracted or [], source="test")

    @classmethod
    def bulk(cls, n: int, *, department: Department | None = None, **fields) -> list[User]:
        """n members of staff in one INSERT, for tests that need many people: one shared
        department, no roles, no usable password (hashing one costs ~0.4 s)."""
        department = department or DepartmentFactory()
        built = cls.build_batch(n, department=department, password="!", **fields)
        return User.objects.bulk_create(built)


class AnnouncementFactory(DjangoModelFactory):
    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"お知らせ {n}")
    body = "本文"
    author = factory.SubFactory(UserFactory)
