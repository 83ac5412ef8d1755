"""SQLite FTS5 search, ranked by title first and fast on large sites (imported only on SQLite).

Two changes to the stock SQLite backend:

- Ranking: the stock backend calls ``bm25()`` over the whole row, so a word in a page's body
  counts as much as one in its title. Here the FTS columns are weighted (title 4, body 1).
- Speed: the stock backend orders by relevance through a correlated subquery that runs the
  full-text match once more for every matching page, which grows with the square of the
  number of matches (seconds at a few thousand). Here the match runs once: the FTS table is
  searched, restricted to the pages of the (filtered) queryset, ordered by score and sliced
  in SQL; only the requested page of results is then loaded.
"""

from django.db.models import BigIntegerField, FloatField, Func, TextField
from django.db.models.functions import Cast
from django.utils.functional import cached_property
from modelsearch.backends.database.sqlite import sqlite as stock
from modelsearch.backends.database.sqlite.query import MatchExpression, normalize
from modelsearch.query import MatchAll, Not
from modelsearch.utils import get_descendants_content_types_pks

from .bounded import BoundedRankingMixin, BoundedResultsMixin
from .indexing import BatchIndexMixin, DeferredNormsRebuilderMixin, ReadOnceIndexerMixin

# FTS5 columns are (autocomplete, body, title), in the order modelsearch creates them.
COLUMN_WEIGHTS = {"autocomplete": 0.0, "body": 1.0, "title": 4.0}


INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}

# Autocomplete matches only its own column.
AUTOCOMPLETE_COLUMN_WEIGHTS = {"autocomplete": 1.0, "body": 0.0, "title": 0.0}


class WeightedBM25(Func):
    """``bm25(<fts table>, w_autocomplete, w_body, w_title)``: lower is a better match."""

    output_field = FloatField()

    def __init__(self, weights=None):
        self.weights = weights or COLUMN_WEIGHTS
        super().__init__()

    def as_sql(self, compiler, connection, **extra_context):
        table = stock.SQLiteFTSIndexEntry._meta.db_table
        weights = ", ".join(
            str(float(self.weights[name])) for name in ("autocomplete", "body", "title")
        )
        return f"bm25({table}, {weights})", []


class RankedSearchQueryCompiler(BoundedRankingMixin, stock.SQLiteSearchQueryCompiler):
    column_weights = COLUMN_WEIGHTS

    def match_queryset(self, config, title_only=False):
        """The queryset narrowed to the objects that match (in their title only, if asked)."""
        search_query = self.build_search_query(normalize(self.query), config=config)
        if search_query is None:
            return self.queryset.none()
        matches = stock.SQLiteFTSIndexEntry.objects.filter(
            MatchExpression(["title"] if title_only else self.FTS_TABLE_FIELDS, search_query),
            index_entry__content_type__in=get_descendants_content_types_pks(self.queryset.model),
        ).values("index_entry__object_id")
        return self.queryset.filter(pk__in=matches)

    def _build_rank_expression(self, vectors, config):
        return WeightedBM25(self.column_weights)

    def ranked_matches(self, config):
        """(object_id, score) rows of matching pages, best first; None where not applicable.

        Applies to relevance-ordered searches for words (the site's only kind); anything
        else (negations, match-all, field-restricted or date-ordered searches) goes through
        the stock implementation.
        """
        bounded = self.effective_compiler(config)
        if bounded is not None:
            return bounded.ranked_matches(config)
        if not self.order_by_relevance or self.fields:
            return None
        query = normalize(self.query)
        if isinstance(query, (MatchAll, Not)):
            return None
        search_query = self.build_search_query(query, config=config)
        if search_query is None:
            return None
        allowed_ids = self.queryset.order_by().annotate(
            _object_id=Cast("pk", output_field=TextField())
        )
        return (
            stock.SQLiteFTSIndexEntry.objects.filter(
                MatchExpression(self.FTS_TABLE_FIELDS, search_query)
            )
            .filter(
                index_entry__content_type__in=get_descendants_content_types_pks(
                    self.queryset.model
                ),
                index_entry__object_id__in=allowed_ids.values("_object_id"),
            )
            .annotate(score=self._build_rank_expression(None, config))
            .order_by("score", self._tiebreak())
            .values_list("index_entry__object_id", "score")
        )

    def _tiebreak(self):
        """Equal scores: newest object first (numerically, where primary keys are numbers)."""
        if self.queryset.model._meta.pk.get_internal_type() in INTEGER_KEYS:
            return Cast("index_entry__object_id", BigIntegerField()).desc()
        return "-index_entry__object_id"

    def search(self, config, start, stop, score_field=None):
        ids = self.candidate_ids(config)
        if ids is not None and not self.order_by_relevance:
            # The candidates are known matches: only their order (the queryset's) is left.
            return self.queryset.filter(pk__in=ids)[start:stop]
        bounded = self.effective_compiler(config)
        if bounded is not None:
            return bounded.search(config, start, stop, score_field=score_field)
        matches = self.ranked_matches(config)
        if matches is None:
            return super().search(config, start, stop, score_field=score_field)
        rows = list(matches[start:stop])
        pk_field = self.queryset.model._meta.pk
        scores = {pk_field.to_python(object_id): score for object_id, score in rows}
        objects = self.queryset.in_bulk(list(scores)) if scores else {}
        results = []
        for pk, score in scores.items():
            obj = objects.get(pk)
            if obj is not None:
                if score_field:
                    setattr(obj, score_field, score)
                results.append(obj)
        return results


class RankedAutocompleteQueryCompiler(
    stock.SQLiteAutocompleteQueryCompiler, RankedSearchQueryCompiler
):
    column_weights = AUTOCOMPLETE_COLUMN_WEIGHTS


class RankedCountSearchResults(stock.SQLiteSearchResults):
    def _do_count(self):
        compiler = self.query_compiler
        matches = (
            compiler.ranked_matches(compiler.get_config(self.backend))
            if isinstance(compiler, RankedSearchQueryCompiler)
            else None
        )
        if matches is None:
            return super()._do_count()
        count = matches.count() - self.start
        if self.stop is not None:
            count = min(count, self.stop - self.start)
        return max(count, 0)


class RankedSearchResults(BoundedResultsMixin, RankedCountSearchResults):
    """Bounded searches are counted from their candidates; others as above."""


# --- Indexing: a batch at a time (search/backends/indexing.py) ---


class SQLiteObjectIndexer(ReadOnceIndexerMixin, stock.ObjectIndexer):
    @cached_property
    def title(self):
        return " ".join(self._texts("title", lambda item: item[1]))

    @cached_property
    def body(self):
        return " ".join(self._texts("body", lambda item: item[1]))

    @cached_property
    def autocomplete(self):
        return " ".join(self._texts("autocomplete", lambda item: item[1]))


class BatchSQLiteIndex(BatchIndexMixin, stock.SQLiteIndex):
    indexer_class = SQLiteObjectIndexer

    def write_entries(self, content_type_pk, indexers):
        # Insert, or update the existing entry in place (its id is the FTS row id; the
        # table's triggers keep the FTS table in step either way).
        stock.IndexEntry._default_manager.using(self.write_connection.alias).bulk_create(
            [
                stock.IndexEntry(
                    content_type_id=content_type_pk,
                    object_id=indexer.id,
                    title=indexer.title,
                    autocomplete=indexer.autocomplete,
                    body=indexer.body,
                    title_norm=1.0,
                )
                for indexer in indexers
            ],
            update_conflicts=True,
            unique_fields=["content_type", "object_id"],
            update_fields=["title", "autocomplete", "body", "title_norm"],
        )


class SQLiteRebuilder(DeferredNormsRebuilderMixin, stock.SQLiteSearchRebuilder):
    pass


class SQLiteAtomicRebuilder(DeferredNormsRebuilderMixin, stock.SQLiteSearchAtomicRebuilder):
    pass


class TitleWeightedSQLiteSearchBackend(stock.SQLiteSearchBackend):
    query_compiler_class = RankedSearchQueryCompiler
    autocomplete_query_compiler_class = RankedAutocompleteQueryCompiler
    results_class = RankedSearchResults
    index_class = BatchSQLiteIndex
    rebuilder_class = SQLiteRebuilder
    atomic_rebuilder_class = SQLiteAtomicRebuilder


SearchBackend = TitleWeightedSQLiteSearchBackend
