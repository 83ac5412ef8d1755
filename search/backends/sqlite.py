"""SQLite FTS5 search that ranks title matches above body matches (imported only on SQLite)."""

from django.db.models import FloatField, Func
from modelsearch.backends.database.sqlite import sqlite as stock

# FTS5 columns are (autocomplete, body, title), in the order modelsearch creates them.
COLUMN_WEIGHTS = {"autocomplete": 0.0, "body": 1.0, "title": 4.0}


class WeightedBM25(Func):
    """``bm25(<fts table>, w_autocomplete, w_body, w_title)``: lower is a better match."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        table = stock.SQLiteFTSIndexEntry._meta.db_table
        weights = ", ".join(str(COLUMN_WEIGHTS[name]) for name in ("autocomplete", "body", "title"))
        return f"bm25({table}, {weights})", []


class TitleWeightedSearchQueryCompiler(stock.SQLiteSearchQueryCompiler):
    def _build_rank_expression(self, vectors, config):
        return WeightedBM25()


class TitleWeightedSQLiteSearchBackend(stock.SQLiteSearchBackend):
    query_compiler_class = TitleWeightedSearchQueryCompiler


SearchBackend = TitleWeightedSQLiteSearchBackend
