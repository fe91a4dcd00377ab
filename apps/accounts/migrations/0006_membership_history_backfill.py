"""Department history starts with what the portal knows today: every account with a
department gets an open membership "since before the portal's records" (valid_from empty),
so headcounts read from the history count everyone from the first day on. Departments that
were already inactive are closed as of the migration day."""

from django.db import migrations
from django.utils import timezone

BATCH = 5000


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("accounts", "DepartmentMembership")
    Department = apps.get_model("accounts", "Department")
    have = set(Membership.objects.filter(valid_until__isnull=True).values_list("user_id", flat=True))
    rows = []
    for user_id, department_id in (
        User.objects.filter(department__isnull=False).order_by("pk").values_list("pk", "department_id").iterator()
    ):
        if user_id in have:
            continue
        rows.append(Membership(user_id=user_id, department_id=department_id, valid_from=None, source="migration"))
        if len(rows) >= BATCH:
            Membership.objects.bulk_create(rows)
            rows = []
    Membership.objects.bulk_create(rows)
    Department.objects.filter(is_active=False, valid_until__isnull=True).update(valid_until=timezone.localdate())


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_directory_sync")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
