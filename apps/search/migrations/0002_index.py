"""The full-text index beside SearchDocument, one per database (same migration file for both).

SQLite: a contentless FTS5 table of bigram tokens (apps.core.text), rowid = sort_key, with a
prefix index on one character (5 code letters) for one-character terms.
PostgreSQL: a GIN index on the tsvector column `vector` (bigram and unigram lexemes).
"""

from django.db import migrations

FTS_CREATE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, body, content='', columnsize=0, prefix='5', tokenize='unicode61 remove_diacritics 0')"
)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(FTS_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX search_document_vector ON search_searchdocument USING gin (vector) "
            "WITH (fastupdate = off)"
        )


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_document_vector")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
