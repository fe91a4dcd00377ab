"""Indexes for the reports (apps.<app>.reporting): each covers the columns of a report
query over a period, so PostgreSQL answers it from the index alone. On SQLite the
INCLUDE columns are left out (Django ignores them there)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [
        migrations.AddIndex(
            model_name="supportrequest",
            index=models.Index(
                fields=["created_at"],
                include=[
                    "department",
                    "kind",
                    "status",
                    "first_responded_at",
                    "resolved_at",
                    "first_response_due_at",
                    "resolution_due_at",
                    "rating",
                ],
                name="support_report_period",
            ),
        ),
    ]
