"""Indexes for the reports (apps.<app>.reporting): each covers the columns of a report
query over a period, so PostgreSQL answers it from the index alone. On SQLite the
INCLUDE columns are left out (Django ignores them there)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_covering_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["visibility", "started_on"],
                include=["department", "field", "stage", "hours_saved_per_year", "hours_method"],
                name="cases_case_report_period",
            ),
        ),
    ]
