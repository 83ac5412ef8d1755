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

import math
import time

from django.db import connections
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    FloatField,
    Func,
    Max,
    OuterRef,
    Subquery,
    TextField,
)
from django.db.models.functions import Cast
from django.utils.functional import cached_property
from modelsearch.backends.database.sqlite import sqlite as stock
from modelsearch.backends.database.sqlite.query import MatchExpression, normalize
from modelsearch.query import MatchAll, Not
from modelsearch.utils import get_descendants_content_types_pks
from wagtail.models import Page

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


# Newest matches on a large site: the pages are read newest first, a window at a time, each
# with the row id of its index entry; the FTS table is then asked which of those row ids match,
# one row id range for each run of nearby ids (FTS5 seeks to a range of a word's list rather
# than reading all of it). Walking stops as soon as enough matches are found; when the share of
# matches in what was read says that collecting every match costs less (a rare word), they
# are collected instead. See docs/search.md.
# A window holds at least MIN_WINDOW pages and at most MAX_WINDOW.
MIN_WINDOW = 200
MAX_WINDOW = 10000
# Row ids this close (or closer) are asked for in one range.
RUN_GAP = 64
# Ranking: each range costs one reading of the words' lists (``bm25()`` counts the pages that
# contain each word), about what stepping through this many row ids of a common word does.
RANK_RUN_GAP = 20000
# At most this many ranges a statement: beyond it the runs closest together are merged.
MAX_RUNS = 16
# Fewer matching rows than this in the whole index: collect them rather than walk.
RARE_MATCHES = 1000
# A page read (with its index entry) costs about what a match collected does.
COLLECT_COST = 1.0
# The index's size changes slowly: it is read once a few minutes.
_ENTRY_COUNT = {"value": None, "read_at": 0.0}
ENTRY_COUNT_SECONDS = 300


def index_size():
    """About how many index entries there are (the highest row id, read once in a while)."""
    now = time.monotonic()
    if _ENTRY_COUNT["value"] is None or now - _ENTRY_COUNT["read_at"] > ENTRY_COUNT_SECONDS:
        highest = stock.IndexEntry.objects.aggregate(highest=Max("pk"))["highest"]
        _ENTRY_COUNT["value"] = highest or 0
        _ENTRY_COUNT["read_at"] = now
    return _ENTRY_COUNT["value"]


def rowid_runs(ids, gap=RUN_GAP, most=MAX_RUNS):
    """Sorted row ids as at most ``most`` (low, high) ranges, split at the widest gaps (those
    wider than ``gap``)."""
    if not ids:
        return []
    gaps = sorted(
        ((ids[n + 1] - ids[n], n) for n in range(len(ids) - 1) if ids[n + 1] - ids[n] > gap),
        reverse=True,
    )
    splits = sorted(n for _gap, n in gaps[: most - 1])
    runs, low = [], 0
    for n in splits:
        runs.append((ids[low], ids[n]))
        low = n + 1
    runs.append((ids[low], ids[-1]))
    return runs


class NotIndexed(Func):
    """``+expression``: the same value, but SQLite does not use it to look rows up (a row id
    list given to FTS5 would run the full-text query once for every id in it)."""

    template = "+%(expressions)s"


class RankedSearchQueryCompiler(BoundedRankingMixin, stock.SQLiteSearchQueryCompiler):
    column_weights = COLUMN_WEIGHTS

    def match_expression(self, config, title_only=False):
        """The FTS5 match condition (in the title only, if asked); None for no words."""
        search_query = self.build_search_query(normalize(self.query), config=config)
        if search_query is None:
            return None
        return MatchExpression(["title"] if title_only else self.FTS_TABLE_FIELDS, search_query)

    def walks(self):
        """Whether the newest matches are found by walking the pages (the site search's pages:
        each is indexed under its own content type, with a numeric id)."""
        model = self.queryset.model
        return issubclass(model, Page) and model._meta.pk.get_internal_type() in INTEGER_KEYS

    def _entries(self):
        """The queryset annotated with ``_entry``: the row id of each object's index entry."""
        entry = stock.IndexEntry.objects.filter(
            content_type_id=OuterRef("content_type_id"),
            object_id=Cast(OuterRef("pk"), CharField(max_length=50)),
        ).values("pk")[:1]
        return self.queryset.annotate(_entry=Subquery(entry))

    def _remember_entries(self, rows):
        entry_ids = getattr(self, "_entry_ids", None)
        if entry_ids is None:
            entry_ids = self._entry_ids = {}
        for pk, entry_id in rows:
            entry_ids[pk] = entry_id

    def matching_rowids(self, match, rowids):
        """Those of ``rowids`` whose FTS rows match (one statement, a range for each run)."""
        rowids = sorted(set(rowids))
        querysets = [
            stock.SQLiteFTSIndexEntry.objects.filter(
                match, pk__gte=run[0], pk__lte=run[1]
            ).values_list("pk", flat=True)
            for run in rowid_runs(rowids)
        ]
        if not querysets:
            return set()
        combined = (
            querysets[0].union(*querysets[1:], all=True) if len(querysets) > 1 else querysets[0]
        )
        wanted = set(rowids)
        return {rowid for rowid in combined if rowid in wanted}

    def _newest_match_ids(self, config, limit, title_only=False):
        if not self.walks():
            return super()._newest_match_ids(config, limit, title_only=title_only)
        match = self.match_expression(config, title_only)
        if match is None:
            return []
        # A word in fewer than RARE_MATCHES rows of the index: its matches are collected at
        # once (reading the first of them tells; nothing is walked for a word found nowhere).
        rowids = self._first_rows(config)[1 if title_only else 0]
        if len(rowids) < RARE_MATCHES:
            rare = getattr(self, "_rare_matches", None)
            if title_only and rare is not None:
                # The title's matches are among the query's, which were all collected.
                in_title = set(rowids)
                return [pk for pk, entry_id in rare if entry_id in in_title][:limit]
            rows = self._collect_rows(rowids)
            if not title_only:
                self._rare_matches = rows
            return [pk for pk, _entry in rows[:limit]]
        pages = self._entries().order_by(*self.recency_ordering()).values_list("pk", "_entry")
        # The share of matches among the rows just read says how many pages hold ``limit``
        # matches, and how many matches there are: when walking that many pages costs more
        # than collecting them all, they are collected at once (two words each in a few
        # thousand pages, seldom together, would have the walk read ten thousand pages
        # first). Otherwise the first window is that many pages, and a little more.
        share = len(rowids) / (max(rowids) - min(rowids) + 1)
        if limit / share > share * index_size() * COLLECT_COST:
            return self._collect(config, limit, title_only)
        size = min(max(math.ceil(limit / share * 1.2), MIN_WINDOW), MAX_WINDOW)
        found, read = [], 0
        while True:
            window = list(pages[read : read + size])
            matched = self.matching_rowids(match, [row[1] for row in window if row[1] is not None])
            rows = [row for row in window if row[1] in matched]
            self._remember_entries(rows)
            found += [pk for pk, _entry in rows]
            read += len(window)
            if len(found) >= limit or len(window) < size:
                break  # enough matches, or every page has been read
            share = len(found) / read
            pages_left = (limit - len(found)) / share if share else math.inf
            if pages_left > share * index_size() * COLLECT_COST:
                return self._collect(config, limit, title_only)  # costs less than walking on
            # The next window: what the share says is left to read, and a little more.
            wanted = math.ceil(pages_left * 1.2) if share else 2 * read
            size = min(max(wanted, MIN_WINDOW), MAX_WINDOW)
        return found[:limit]

    def _first_rows(self, config):
        """The first RARE_MATCHES row ids of the FTS rows that match the query, and of those
        that match it in their title (when title candidates are wanted): one statement."""
        cached = getattr(self, "_first", None)
        if cached is not None:
            return cached
        probes = [self.match_expression(config)]
        if self.title_candidate_limit and self.order_by_relevance:
            probes.append(self.match_expression(config, title_only=True))
        parts, params = [], []
        for number, match in enumerate(probes):
            rows = stock.SQLiteFTSIndexEntry.objects.filter(match).values_list("pk")
            sql, part_params = rows[:RARE_MATCHES].query.sql_with_params()
            parts.append(f"SELECT {number}, * FROM ({sql})")  # noqa: S608
            params.extend(part_params)
        found = ([], [])
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for number, rowid in cursor.fetchall():
                found[number].append(rowid)
        self._first = found
        return found

    def _collect_rows(self, rowids, limit=None):
        """(pk, entry id) of the pages whose index entries are these FTS rows, newest first
        (the newest ``limit`` of them, if given)."""
        if not rowids:
            return []
        object_ids = (
            stock.IndexEntry.objects.filter(
                pk__in=rowids,
                content_type_id__in=get_descendants_content_types_pks(self.queryset.model),
            )
            .annotate(_pk=Cast("object_id", BigIntegerField()))
            .values("_pk")
        )
        return self._newest_of(self._entries().filter(pk__in=object_ids), limit)

    def _newest_of(self, pages, limit=None):
        """(pk, entry id) of the newest ``limit`` of ``pages`` (all, if None), looked up by
        primary key and sorted (ordering along the publication date's index would read every
        page to find a few)."""
        rows = pages.order_by(
            NotIndexed("first_published_at", output_field=DateTimeField()).desc(), "-pk"
        ).values_list("pk", "_entry")
        rows = list(rows if limit is None else rows[:limit])
        self._remember_entries(rows)
        return rows

    def _collect(self, config, limit, title_only=False):
        """The newest ``limit`` matches, collected from the FTS table."""
        pages = self._entries().filter(pk__in=self.match_queryset(config, title_only).values("pk"))
        return [pk for pk, _entry in self._newest_of(pages, limit)]

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
        if ids is not None and self.walks():
            return self._load(self.rank_candidates(ids, config)[start:stop], score_field)
        bounded = self.effective_compiler(config)
        if bounded is not None:
            return bounded.search(config, start, stop, score_field=score_field)
        matches = self.ranked_matches(config)
        if matches is None:
            return super().search(config, start, stop, score_field=score_field)
        pk_field = self.queryset.model._meta.pk
        rows = [(pk_field.to_python(object_id), score) for object_id, score in matches[start:stop]]
        return self._load(rows, score_field)

    def _load(self, rows, score_field=None):
        """The objects of (pk, score) rows, in their order."""
        scores = dict(rows)
        objects = self.queryset.in_bulk(list(scores)) if scores else {}
        results = []
        for pk, score in scores.items():
            obj = objects.get(pk)
            if obj is not None:
                if score_field:
                    setattr(obj, score_field, score)
                results.append(obj)
        return results

    def rank_candidates(self, ids, config):
        """(pk, score) of the candidates, best first, ranked as ``ranked_matches`` ranks every
        match (score, then newest id first).

        The scores are read from the FTS rows of the candidates only: one statement over the
        range of their row ids, in which SQLite tests each row id against the list without
        handing the list to FTS5. (``bm25()`` weighs a word by how many pages in the whole
        index contain it, so a score does not depend on which rows are read.)
        """
        entry_ids = getattr(self, "_entry_ids", None) or {}
        missing = [pk for pk in ids if entry_ids.get(pk) is None]
        if missing:
            self._remember_entries(
                (int(object_id), entry_id)
                for object_id, entry_id in stock.IndexEntry.objects.filter(
                    content_type_id__in=get_descendants_content_types_pks(self.queryset.model),
                    object_id__in=[str(pk) for pk in missing],
                ).values_list("object_id", "pk")
            )
            entry_ids = self._entry_ids
        by_rowid = {entry_ids[pk]: pk for pk in ids if entry_ids.get(pk) is not None}
        match = self.match_expression(config)
        if match is None or not by_rowid:
            return []
        querysets = [
            stock.SQLiteFTSIndexEntry.objects.filter(match, pk__gte=low, pk__lte=high)
            .annotate(_rowid=NotIndexed("pk", output_field=BigIntegerField()))
            .filter(_rowid__in=[rowid for rowid in by_rowid if low <= rowid <= high])
            .annotate(score=WeightedBM25(self.column_weights))
            .values_list("pk", "score")
            for low, high in rowid_runs(sorted(by_rowid), gap=RANK_RUN_GAP)
        ]
        rows = querysets[0].union(*querysets[1:], all=True) if len(querysets) > 1 else querysets[0]
        scored = [(by_rowid[rowid], score) for rowid, score in rows]
        scored.sort(key=lambda row: (row[1], -row[0]))
        return scored


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


def optimize_fts(connection):
    """Merge the FTS table's segments into one (FTS5's ``optimize``).

    Each page indexed adds a small segment, which FTS5 merges a few at a time: after a
    rebuild the lists of a common word are spread over many segments, and reading one costs
    several times what it costs from a single segment (at 100,000 articles, 14 ms rather than
    3 ms for a word in nearly every page; ranking reads each word's list once). Merging takes
    a few seconds at that size.
    """
    table = stock.SQLiteFTSIndexEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608


class OptimizeMixin:
    """A full rebuild ends by merging the FTS table's segments."""

    def finish(self):
        optimize_fts(self.index.write_connection)
        super().finish()


class SQLiteRebuilder(OptimizeMixin, DeferredNormsRebuilderMixin, stock.SQLiteSearchRebuilder):
    pass


class SQLiteAtomicRebuilder(
    OptimizeMixin, DeferredNormsRebuilderMixin, stock.SQLiteSearchAtomicRebuilder
):
    pass


class TitleWeightedSQLiteSearchBackend(stock.SQLiteSearchBackend):
    query_compiler_class = RankedSearchQueryCompiler
    autocomplete_query_compiler_class = RankedAutocompleteQueryCompiler
    results_class = RankedSearchResults
    index_class = BatchSQLiteIndex
    rebuilder_class = SQLiteRebuilder
    atomic_rebuilder_class = SQLiteAtomicRebuilder


SearchBackend = TitleWeightedSQLiteSearchBackend
