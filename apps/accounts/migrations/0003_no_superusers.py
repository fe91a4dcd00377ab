"""Administrators were Django superusers, for whom every permission check answers yes,
the product's rules included. The Admin role now has explicit permissions (rules) and
nobody is a superuser."""

from django.db import migrations


def drop_superusers(apps, schema_editor):
    apps.get_model("accounts", "User").objects.filter(is_superuser=True).update(is_superuser=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_active_department_index")]

    operations = [migrations.RunPython(drop_superusers, migrations.RunPython.noop)]
