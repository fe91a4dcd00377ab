"""Indexes for the reports (apps.<app>.reporting): each covers the columns of a report
query over a period, so PostgreSQL answers it from the index alone. On SQLite the
INCLUDE columns are left out (Django ignores them there)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.AddIndex(
            model_name="articleview",
            index=models.Index(fields=["viewed_on"], include=["user", "article"], name="knowledge_view_report"),
        ),
        migrations.AddIndex(
            model_name="articlefeedback",
            index=models.Index(fields=["created_at"], include=["user", "helpful"], name="knowledge_feedback_report"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["status", "owner", "review_by"], name="knowledge_article_report_stale"),
        ),
    ]
