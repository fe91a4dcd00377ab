"""The COE's official answer statuses exist in every installation, not only in the demo."""

from django.db import migrations

STATUSES = [
    ("採用", "Adopted"),
    ("検討中", "Under consideration"),
    ("実施中", "In progress"),
    ("実現", "Realised"),
    ("見送り", "Not adopted"),
]


def create(apps, schema_editor):
    AnswerStatus = apps.get_model("ideas", "AnswerStatus")
    for order, (ja, en) in enumerate(STATUSES, start=1):
        AnswerStatus.objects.get_or_create(name_ja=ja, defaults={"name_en": en, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("ideas", "0002_challenge_notified")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
