import io

import pytest
from django.core.management import call_command

from apps.accounts.models import Department, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_covers_every_role():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Department.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Department.objects.count(), User.objects.count()) == counts

    users = list(User.objects.prefetch_related("groups"))
    assert len(users) == 60
    roles = [set(g.name for g in u.groups.all()) for u in users]
    for role in ("staff", "coe", "manager", "admin"):
        assert any(role in r for r in roles), role
    assert all(u.department_id for u in users)
    # 局 contain 課: every section has a bureau above it.
    sections = Department.objects.filter(level=Department.Level.SECTION)
    assert sections.exists() and not sections.filter(parent__isnull=True).exists()
    assert Department.objects.filter(name_ja="環境局").exists()
