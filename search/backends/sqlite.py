"""SQLite FTS5 (imported only there): modelsearch's backend with ``bm25()`` weighted by column
(title 4, body 1) and bounded ranking (ranked.py). FTS5's ``unicode61`` folds accents and case."""

from django.db.models import F, FloatField
from django.db.models.expressions import RawSQL
from modelsearch.backends.database.sqlite import sqlite as stock
from modelsearch.backends.database.sqlite.query import MatchExpression, normalize

from .ranked import RankedCompilerMixin, RankedResultsMixin

FTS = stock.SQLiteFTSIndexEntry


def bm25(autocomplete=0.0, body=1.0, title=4.0):
    """``-bm25()`` with these column weights: higher is better."""
    sql = f"-bm25({FTS._meta.db_table}, {float(autocomplete)}, {float(body)}, {float(title)})"
    return RawSQL(sql, [], output_field=FloatField())  # noqa: S611 (no user input)


class SearchQueryCompiler(RankedCompilerMixin, stock.SQLiteSearchQueryCompiler):
    def score(self):  # built when used, not at import, so that mutation testing reaches it
        return bm25()

    def matches(self, config, title_only):
        """The index rows that match, or None when the query has no words to match."""
        search_query = self.build_search_query(normalize(self.query), config=config)
        if search_query is None:
            return None
        columns = ["title"] if title_only else self.FTS_TABLE_FIELDS
        return (
            FTS.objects.filter(
                MatchExpression(columns, search_query),
                index_entry__content_type__in=self.content_types(),
            )
            .annotate(object_id=F("index_entry__object_id"), score=self.score())
            .order_by()
        )

    def newest(self, config, limit, title_only=False, scored=True):
        matches = self.matches(config, title_only)
        if matches is None:
            return []
        rows = matches.filter(self.visible("object_id")).order_by("-pk")
        if not scored:
            return [(pk, 0.0) for pk in rows[:limit].values_list("object_id", flat=True)]
        return list(rows[:limit].values_list("object_id", "score"))


class AutocompleteQueryCompiler(stock.SQLiteAutocompleteQueryCompiler, SearchQueryCompiler):
    def score(self):
        return bm25(autocomplete=1.0, body=0.0, title=0.0)

    title_candidates = False
    candidates = 50


class SearchResults(RankedResultsMixin, stock.SQLiteSearchResults):
    pass


class SearchBackend(stock.SQLiteSearchBackend):
    query_compiler_class = SearchQueryCompiler
    autocomplete_query_compiler_class = AutocompleteQueryCompiler
    results_class = SearchResults
