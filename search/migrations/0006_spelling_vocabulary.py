"""The words spelling suggestions are chosen from (search/spelling.py), kept in step with the
search index by triggers on its table, whatever writes to it (a publish, ``update_index``).

- PostgreSQL: ``search_word`` holds every word (three letters or more, without accents) of
  the indexed titles and bodies, with a ``pg_trgm`` index for similarity searches. Words are
  added as pages are indexed; a word whose last page goes stays (a suggestion for it then finds
  nothing, as the word itself would).
- SQLite: the FTS5 table's own vocabulary is the dictionary. ``search_index_token`` holds a
  random token that every change to the index replaces, so that a process reads the
  vocabulary again only when it has changed (a rolled-back change takes its token with it).
"""

from django.db import migrations

POSTGRES = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE IF NOT EXISTS search_word (word text PRIMARY KEY);
CREATE INDEX IF NOT EXISTS search_word_trgm ON search_word USING gin (word gin_trgm_ops);

CREATE OR REPLACE FUNCTION search_word_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_word (word)
    SELECT DISTINCT lexeme
    FROM new_entries,
         unnest(to_tsvector('psg_simple', coalesce(title_text, '') || ' ' || coalesce(body_text, '')))
    WHERE lexeme ~ '^[a-z]{3,}$'
    ORDER BY lexeme
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS search_word_insert ON wagtailsearch_indexentry;
CREATE TRIGGER search_word_insert AFTER INSERT ON wagtailsearch_indexentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION search_word_collect();
DROP TRIGGER IF EXISTS search_word_update ON wagtailsearch_indexentry;
CREATE TRIGGER search_word_update AFTER UPDATE ON wagtailsearch_indexentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION search_word_collect();

INSERT INTO search_word (word)
SELECT DISTINCT lexeme
FROM wagtailsearch_indexentry AS new_entries,
     unnest(to_tsvector('psg_simple', coalesce(title_text, '') || ' ' || coalesce(body_text, '')))
WHERE lexeme ~ '^[a-z]{3,}$'
ON CONFLICT DO NOTHING;
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS search_word_insert ON wagtailsearch_indexentry;
DROP TRIGGER IF EXISTS search_word_update ON wagtailsearch_indexentry;
DROP FUNCTION IF EXISTS search_word_collect();
DROP TABLE IF EXISTS search_word;
-- Created by this migration alone: a backup taken without it must not carry the extension,
-- or restoring it over a database that has the vocabulary would have to drop it first.
DROP EXTENSION IF EXISTS pg_trgm;
"""

SQLITE = [
    "CREATE TABLE IF NOT EXISTS search_index_token (token BLOB NOT NULL)",
    "INSERT INTO search_index_token (token) VALUES (randomblob(8))",
    *(
        f"CREATE TRIGGER IF NOT EXISTS search_index_token_{event.lower()} AFTER {event} "  # noqa: S608
        "ON wagtailsearch_indexentry BEGIN UPDATE search_index_token SET token = randomblob(8); END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
]

SQLITE_BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS search_index_token_{event}"
        for event in ("insert", "update", "delete")
    ),
    "DROP TABLE IF EXISTS search_index_token",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_search_synonyms"),
        ("search", "0001_accent_folding"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
