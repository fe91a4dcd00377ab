"""Per-voter vote tallies for the reports (see VoterTally). On PostgreSQL, statement-level
triggers with transition tables keep the tally in step with ideas_vote in the same
transaction, for every statement that writes votes: the vote services, Django's cascades
and SET_NULLs, bulk COPY. The reports' grouping index on votes is no longer read."""

from django.db import migrations, models

KEY = "challenge_id, voter_id, voter_department_id"
SAME_KEY = (
    "t.challenge_id = g.challenge_id AND t.voter_id = g.voter_id "
    "AND t.voter_department_id IS NOT DISTINCT FROM g.voter_department_id"
)

FORWARD = f"""
CREATE UNIQUE INDEX ideas_votertally_key ON ideas_votertally ({KEY}) NULLS NOT DISTINCT;

CREATE FUNCTION ideas_votertally_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE ideas_votertally t SET votes = t.votes - g.n
        FROM (SELECT {KEY}, COUNT(*) AS n FROM removed GROUP BY {KEY}) g
        WHERE {SAME_KEY};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- Keys in a fixed order, so two bulk writes never lock each other's rows crosswise.
        INSERT INTO ideas_votertally ({KEY}, votes, first_at, last_at)
        SELECT {KEY}, COUNT(*), MIN(created_at), MAX(created_at)
        FROM added GROUP BY {KEY} ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET
            votes = ideas_votertally.votes + EXCLUDED.votes,
            first_at = LEAST(ideas_votertally.first_at, EXCLUDED.first_at),
            last_at = GREATEST(ideas_votertally.last_at, EXCLUDED.last_at);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM ideas_votertally t USING (SELECT DISTINCT {KEY} FROM removed) g
        WHERE {SAME_KEY} AND t.votes = 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ideas_votertally_insert AFTER INSERT ON ideas_vote
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ideas_votertally_sync();
CREATE TRIGGER ideas_votertally_update AFTER UPDATE ON ideas_vote
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ideas_votertally_sync();
CREATE TRIGGER ideas_votertally_delete AFTER DELETE ON ideas_vote
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION ideas_votertally_sync();

INSERT INTO ideas_votertally ({KEY}, votes, first_at, last_at)
SELECT {KEY}, COUNT(*), MIN(created_at), MAX(created_at) FROM ideas_vote GROUP BY {KEY};
"""

BACKWARD = """
DROP TRIGGER ideas_votertally_insert ON ideas_vote;
DROP TRIGGER ideas_votertally_update ON ideas_vote;
DROP TRIGGER ideas_votertally_delete ON ideas_vote;
DROP FUNCTION ideas_votertally_sync();
DROP INDEX ideas_votertally_key;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("ideas", "0004_report_indexes")]

    operations = [
        migrations.CreateModel(
            name="VoterTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("challenge_id", models.BigIntegerField()),
                ("voter_id", models.BigIntegerField()),
                ("voter_department_id", models.BigIntegerField(null=True)),
                ("votes", models.PositiveIntegerField()),
                ("first_at", models.DateTimeField()),
                ("last_at", models.DateTimeField()),
            ],
            options={"default_permissions": ()},
        ),
        migrations.RunPython(forward, backward),
        migrations.RemoveIndex(model_name="vote", name="ideas_vote_report_groups"),
    ]
