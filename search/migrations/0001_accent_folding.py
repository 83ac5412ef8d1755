"""Accent-insensitive full-text search on PostgreSQL.

Creates the ``unaccent`` extension, modelsearch's immutable ``f_unaccent()`` wrapper (what its
``enable_unaccent`` command creates, used by fuzzy search) and two text search configurations
that search/backends/postgres.py indexes and queries with:

- ``psg_english``: unaccent, then English stemming (titles, summaries, bodies);
- ``psg_simple``: unaccent, no stemming (autocomplete).

Nothing happens on SQLite: its FTS5 tokenizer (unicode61) already removes diacritics.
Existing index entries keep their old vectors until ``manage.py update_index`` rebuilds them.
"""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE OR REPLACE FUNCTION f_unaccent(text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS
$func$
SELECT public.unaccent('public.unaccent', $1)
$func$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'psg_english') THEN
        CREATE TEXT SEARCH CONFIGURATION psg_english (COPY = pg_catalog.english);
        ALTER TEXT SEARCH CONFIGURATION psg_english
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'psg_simple') THEN
        CREATE TEXT SEARCH CONFIGURATION psg_simple (COPY = pg_catalog.simple);
        ALTER TEXT SEARCH CONFIGURATION psg_simple
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
    END IF;
END
$$;
"""

BACKWARD = """
DROP TEXT SEARCH CONFIGURATION IF EXISTS psg_english;
DROP TEXT SEARCH CONFIGURATION IF EXISTS psg_simple;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("wagtailsearch", "0010_add_text_fields")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
