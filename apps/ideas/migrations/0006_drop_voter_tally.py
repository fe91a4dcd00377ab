"""The reports count votes from ideas_vote itself (an index-only scan of the period): the
per-voter tallies, their PostgreSQL triggers and function go (issue #15, no triggers)."""

import importlib

from django.db import migrations

DROP = """
DROP TRIGGER IF EXISTS ideas_votertally_insert ON ideas_vote;
DROP TRIGGER IF EXISTS ideas_votertally_update ON ideas_vote;
DROP TRIGGER IF EXISTS ideas_votertally_delete ON ideas_vote;
DROP FUNCTION IF EXISTS ideas_votertally_sync();
"""


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def restore_triggers(apps, schema_editor):
    # Back to 0005: the table is made again first (DeleteModel reversed), then its triggers
    # and rows exactly as 0005 made them.
    importlib.import_module("apps.ideas.migrations.0005_voter_tally").forward(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("ideas", "0005_voter_tally")]

    operations = [
        migrations.RunPython(drop_triggers, restore_triggers),
        migrations.DeleteModel(name="VoterTally"),
    ]
