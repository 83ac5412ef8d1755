"""An index PostgreSQL can use for the site's full-text searches.

The database backend matches ``(title || body) @@ query`` (a page's title and body vectors
together). The stock migrations index ``title`` and ``body`` separately, which that
expression cannot use, so each search read every index entry. This adds a GIN index on the
expression itself. Nothing happens on other databases.
"""

from django.db import migrations

INDEX = "psg_search_indexentry_title_body_gin"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin ((title || body))"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_accent_folding")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
