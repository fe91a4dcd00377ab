"""SQLite: the titles' tokens in an FTS5 table of their own, so "title matches first" reads
only title postings (a word common in bodies but rare in titles no longer walks every body)."""

from django.db import migrations

from apps.search.backends import IndexedRow, fts_row


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE VIRTUAL TABLE search_fts_title USING fts5("
        "title, content='', columnsize=0, prefix='5', tokenize='unicode61 remove_diacritics 0')"
    )
    SearchDocument = apps.get_model("search", "SearchDocument")
    for row in SearchDocument.objects.values_list("sort_key", "norm_title", "norm_body").iterator():
        indexed = IndexedRow(*row)
        schema_editor.execute(
            "INSERT INTO search_fts_title(rowid, title) VALUES (%s, %s)",
            [indexed.sort_key, fts_row(indexed.norm_title, "")[0]],
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts_title")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_title_vector")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
