"""The title's own lexemes and their GIN index (PostgreSQL), so "title matches first" finds the
few title matches of a word that is common in bodies without reading every body."""

import apps.search.models
from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from apps.search.backends import title_tsvector_literal

        SearchDocument = apps.get_model("search", "SearchDocument")
        for pk, norm_title in SearchDocument.objects.values_list("pk", "norm_title").iterator():
            schema_editor.execute(
                "UPDATE search_searchdocument SET title_vector = %s::tsvector WHERE id = %s",
                [title_tsvector_literal(norm_title), pk],
            )
        schema_editor.execute(
            "CREATE INDEX search_document_title_vector ON search_searchdocument USING gin (title_vector) "
            "WITH (fastupdate = off)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_document_title_vector")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_index")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="title_vector",
            field=apps.search.models.TokenVectorField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
