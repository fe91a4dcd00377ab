"""Demo accounts are flagged by seed_demo: the development sign-in page offers only them.
Existing accounts are not demo accounts; `manage.py seed_demo` flags its own again."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_no_superusers'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='is_demo',
            field=models.BooleanField(default=False, help_text='Created by seed_demo for the demo account picker.', verbose_name='demo account'),
        ),
    ]
