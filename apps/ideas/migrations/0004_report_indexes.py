"""Indexes for the reports (apps.<app>.reporting): each covers the columns of a report
query over a period, so PostgreSQL answers it from the index alone. On SQLite the
INCLUDE columns are left out (Django ignores them there)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ideas", "0003_answer_statuses")]

    operations = [
        migrations.AddIndex(
            model_name="vote",
            index=models.Index(
                fields=["created_at"],
                include=["challenge", "voter_department", "voter"],
                name="ideas_vote_report_period",
            ),
        ),
        migrations.AddIndex(
            model_name="vote",
            index=models.Index(
                fields=["challenge", "voter_department", "voter"],
                include=["created_at"],
                name="ideas_vote_report_groups",
            ),
        ),
    ]
