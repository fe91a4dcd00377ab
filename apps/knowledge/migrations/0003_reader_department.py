"""Views and helpful answers keep the reader's department (as votes keep the voter's):
existing rows take the reader's department of today."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_departments(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    reader_department = User.objects.filter(pk=models.OuterRef("user_id")).values("department_id")[:1]
    for name in ("ArticleView", "ArticleFeedback"):
        apps.get_model("knowledge", name).objects.update(department_id=models.Subquery(reader_department))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_active_department_index'),
        ('knowledge', '0002_report_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='articlefeedback',
            name='knowledge_feedback_report',
        ),
        migrations.RemoveIndex(
            model_name='articleview',
            name='knowledge_view_report',
        ),
        migrations.AddField(
            model_name='articlefeedback',
            name='department',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.department'),
        ),
        migrations.AddField(
            model_name='articleview',
            name='department',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.department'),
        ),
        migrations.RunPython(fill_departments, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='articlefeedback',
            index=models.Index(fields=['created_at'], include=('department', 'helpful'), name='knowledge_feedback_report'),
        ),
        migrations.AddIndex(
            model_name='articleview',
            index=models.Index(fields=['viewed_on'], include=('department', 'article'), name='knowledge_view_report'),
        ),
    ]
