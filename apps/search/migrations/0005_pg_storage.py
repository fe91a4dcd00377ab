"""PostgreSQL: keep the normalised text where the substring checks read it cheaply.

Every search reads norm_title/norm_body of its candidate rows (strpos). With the default
storage a row over ~2 kB gets norm_body pglz-compressed, and each check decompressed it
(most of a common word's cost). The original body and the tsvector are never read by a
search, so they leave the row first and uncompressed (EXTERNAL); norm_body is compressed
only when the row still does not fit (MAIN), and then with lz4, which decompresses far
faster than pglz. Only rows written afterwards are affected: run `manage.py search_reindex`.
"""

from django.db import migrations

COLUMNS = {"body": "EXTERNAL", "vector": "EXTERNAL", "norm_body": "MAIN", "norm_title": "MAIN"}


def apply(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, storage in COLUMNS.items():
        schema_editor.execute(f"ALTER TABLE search_searchdocument ALTER COLUMN {column} SET STORAGE {storage}")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
        lz4 = cursor.fetchone() is not None
    if lz4:
        for column in ("norm_body", "norm_title"):
            schema_editor.execute(f"ALTER TABLE search_searchdocument ALTER COLUMN {column} SET COMPRESSION lz4")


def revert(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE search_searchdocument ALTER COLUMN {column} SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_fts_title")]

    operations = [migrations.RunPython(apply, revert, elidable=False)]
