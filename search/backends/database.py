"""The database backend: SQLite FTS5 or PostgreSQL full-text search, by the default database.

SQLite's FTS5 table uses the ``unicode61`` tokenizer, which folds case and removes diacritics
("Perú" is indexed as "peru"). The stock SQLite backend ranks with ``bm25()`` over the whole
row, so a word in a page's body counts as much as one in its title; ours weighs the title
column (search/backends/sqlite.py). On PostgreSQL the stock
backend indexes with the server's default text search configuration, which keeps accents;
ours indexes and queries with ``psg_english`` / ``psg_simple``, configurations that run
``unaccent`` before stemming (created by the migration ``search.0001_accent_folding``).
"""

from django.db import connection
from modelsearch.backends.database import SearchBackend as stock_database_backend

POSTGRES_SEARCH_CONFIG = "psg_english"
POSTGRES_AUTOCOMPLETE_CONFIG = "psg_simple"


def SearchBackend(params):  # noqa: N802 (the name modelsearch looks for in a backend module)
    if connection.vendor == "postgresql":
        from .postgres import AccentFoldingPostgresSearchBackend

        return AccentFoldingPostgresSearchBackend(params)
    backend = stock_database_backend(params)
    if connection.vendor == "sqlite" and type(backend).__name__ == "SQLiteSearchBackend":
        from .sqlite import TitleWeightedSQLiteSearchBackend

        return TitleWeightedSQLiteSearchBackend(params)
    return backend
