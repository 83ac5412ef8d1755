"""Full-text matches on PostgreSQL read from the GIN index, never row by row.

A page's document is its title and body vectors together (``title || body``). Joining them
means reading the body, usually stored out of line (TOAST), for every row tested: reading the
index entries one by one and testing each costs far more than PostgreSQL's planner assumes
for ``||``, so it chose to do that for words in many pages. This migration:

- wraps the join in ``psg_search_document(title, body)``, a function whose declared cost tells
  the planner what testing a row really costs, so that it reads the matching rows from the
  GIN index (which needs no such test) instead;
- replaces the index of migration ``search.0002`` with a GIN index on that function;
- asks for no parallel workers on scans of the index table: a search reads at most a few
  thousand rows, and starting workers for it costs more than it saves on a busy server.

Nothing happens on other databases.
"""

from django.db import migrations

OLD_INDEX = "psg_search_indexentry_title_body_gin"
INDEX = "psg_search_indexentry_document_gin"

FORWARD = f"""
CREATE OR REPLACE FUNCTION psg_search_document(title tsvector, body tsvector)
RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000
AS $$ BEGIN RETURN title || body; END $$;
CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry
    USING gin (psg_search_document(title, body));
DROP INDEX IF EXISTS {OLD_INDEX};
ALTER TABLE wagtailsearch_indexentry SET (parallel_workers = 0);
"""

BACKWARD = f"""
ALTER TABLE wagtailsearch_indexentry RESET (parallel_workers);
CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON wagtailsearch_indexentry USING gin ((title || body));
DROP INDEX IF EXISTS {INDEX};
DROP FUNCTION IF EXISTS psg_search_document(tsvector, tsvector);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_spelling_vocabulary")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
