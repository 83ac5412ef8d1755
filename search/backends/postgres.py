"""PostgreSQL full-text search that ignores accents (imported only on PostgreSQL)."""

import datetime
import json
import math
import time

from django.contrib.postgres.search import SearchQueryField, SearchRank
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.sql.subqueries import InsertQuery
from django.utils.functional import cached_property
from modelsearch.backends.database.postgres import postgres
from modelsearch.query import PlainText
from modelsearch.utils import get_descendants_content_types_pks
from wagtail.models import Page

from .bounded import BoundedRankingMixin, BoundedResultsMixin
from .database import POSTGRES_AUTOCOMPLETE_CONFIG, POSTGRES_SEARCH_CONFIG
from .indexing import BatchIndexMixin, DeferredNormsRebuilderMixin, ReadOnceIndexerMixin


class PostgresObjectIndexer(ReadOnceIndexerMixin, postgres.ObjectIndexer):
    @cached_property
    def title(self):
        return self.as_vector(self._texts("title", lambda item: (item[2], item[1])))

    @cached_property
    def body(self):
        return self.as_vector(self._texts("body", lambda item: (item[2], item[1])))

    @cached_property
    def autocomplete(self):
        # Autocomplete fields carry no boost: weight 'D', like the stock indexer.
        texts = self._texts("autocomplete", lambda item: (item[2], "D"))
        return self.as_vector(texts, for_autocomplete=True)

    @cached_property
    def title_text(self):
        texts = (text.strip() for text in self._texts("title", lambda item: item[2]))
        return " ".join(text for text in texts if text)

    @cached_property
    def body_text(self):
        texts = (text.strip() for text in self._texts("body", lambda item: item[2]))
        return " ".join(text for text in texts if text)


class BatchPostgresIndex(BatchIndexMixin, postgres.PostgresIndex):
    indexer_class = PostgresObjectIndexer
    # Rows an INSERT carries at most (eight values each, well under PostgreSQL's limits).
    rows_per_statement = 500

    def write_entries(self, content_type_pk, indexers):
        model = postgres.IndexEntry
        compiler = InsertQuery(model).get_compiler(connection=self.write_connection)
        vector_fields = [model._meta.get_field(name) for name in ("title", "autocomplete", "body")]

        def compiled(field, expression):
            value = compiler.prepare_value(field, expression)
            return value.as_sql(compiler, self.write_connection)

        for start in range(0, len(indexers), self.rows_per_statement):
            rows, params = [], []
            for indexer in indexers[start : start + self.rows_per_statement]:
                row_params = [content_type_pk, indexer.id]
                vectors = []
                for field in vector_fields:
                    sql, vector_params = compiled(field, getattr(indexer, field.name))
                    vectors.append(sql)
                    row_params.extend(vector_params)
                row_params.extend([indexer.title_text, indexer.body_text])
                rows.append(f"(%s, %s, {vectors[0]}, {vectors[1]}, {vectors[2]}, 1.0, %s, %s)")
                params.extend(row_params)
            table = model._meta.db_table
            with self.write_connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (content_type_id, object_id, title, autocomplete, "  # noqa: S608
                    "body, title_norm, title_text, body_text) "
                    f"VALUES {', '.join(rows)} "
                    "ON CONFLICT (content_type_id, object_id) DO UPDATE SET "
                    "title = EXCLUDED.title, autocomplete = EXCLUDED.autocomplete, "
                    "body = EXCLUDED.body, title_norm = 1.0, "
                    "title_text = EXCLUDED.title_text, body_text = EXCLUDED.body_text",
                    params,
                )


class PostgresRebuilder(DeferredNormsRebuilderMixin, postgres.PostgresSearchRebuilder):
    pass


class PostgresAtomicRebuilder(DeferredNormsRebuilderMixin, postgres.PostgresSearchAtomicRebuilder):
    pass


class Once(Func):
    """A text search query computed once a statement (an init plan), not once a row."""

    template = "(SELECT %(expressions)s)"
    output_field = SearchQueryField()


class Matches(Func):
    """``vector @@ query``."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class NoLexemes(Func):
    """True for a query with no lexeme (only stop words)."""

    template = "(numnode(%(expressions)s) = 0)"
    output_field = BooleanField()


class AmongListed(Func):
    """``expression = ANY(ARRAY(subquery))``: the subquery runs once, and each of the values it
    lists is looked up through the expression's index. (With ``IN (subquery)`` the planner may
    instead read the whole table to join it to the list: with PostgreSQL's default
    ``random_page_cost`` it read all 100,000 pages for 1,600 matches, 35 ms where the lookups
    take 9.)"""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        expression, subquery = self.source_expressions
        expression_sql, expression_params = compiler.compile(expression)
        subquery_sql, subquery_params = compiler.compile(subquery)
        return (
            f"({expression_sql} = ANY(ARRAY{subquery_sql}))",
            (*expression_params, *subquery_params),
        )


INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"}


# Newest matches: walk the pages newest first, testing each against its own index entry, or
# collect every match through the GIN index and sort them. About ``limit / share`` pages are
# tested against ``matches`` collected; a page tested costs about what a match collected does,
# and collecting has a fixed cost too (the pages' table is read): walk when the planner's
# estimate says ``matches * share`` is WALK_COST times the limit or more. After a window of
# the newest pages has been walked, the share measured there decides, with WINDOW_WALK_COST
# (no fixed cost to cover any more).
WALK_COST = 4
WINDOW_WALK_COST = 1
# The first window holds this many times the pages that the rarest word says are needed.
WINDOW_MARGIN = 1.25
# The index's size changes slowly: the planner's estimate of it is read once a few minutes.
_ENTRY_COUNT = {"value": None, "read_at": 0.0}
ENTRY_COUNT_SECONDS = 300
# Below this many index entries collecting the matches is always fast.
SMALL_INDEX = 5000
# Joining a match to its page costs about this many pages read along the publication date's
# index (``_hash_walk_pays``).
HASH_WALK_COST = 5
# Walk at least when this share of the entries match (the planner tends to test such a common
# word row by row rather than through its index when collecting).
WALK_SHARE = 0.2


def planned_rows(queryset):
    """The planner's estimate of how many rows ``queryset`` returns (an EXPLAIN, no run)."""
    connection = connections[queryset.db]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def estimated_entry_count(connection):
    now = time.monotonic()
    if _ENTRY_COUNT["value"] is None or now - _ENTRY_COUNT["read_at"] > ENTRY_COUNT_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [postgres.IndexEntry._meta.db_table],
            )
            _ENTRY_COUNT["value"] = max(float(cursor.fetchone()[0]), 0.0)
            _ENTRY_COUNT["read_at"] = now
    return _ENTRY_COUNT["value"]


class BoundedMatchMixin(BoundedRankingMixin):
    WALK_WINDOW = 2000
    MAX_WINDOW = 5000
    # Take the title candidates from the candidates when enough of them have the words in
    # their title (``_newest_match_ids``).
    REUSE_TITLE_HITS = True
    # Whether the search under way notes which candidates have the words in their title.
    _note_title_hits = False

    def _match_vector(self, title_only=False):
        vectors = [vector for vector, _weight in self.entry_vectors()]
        if title_only:
            vectors = vectors[:1]  # the title vector comes first
        combined = vectors[0]
        for vector in vectors[1:]:
            combined = combined._combine(vector, "||", False)
        return combined

    def matching_entries(self, config, title_only=False):
        """Index entries of the queryset's models that match the query."""
        search_query = self.build_tsquery(self.query, config=config)
        return (
            postgres.IndexEntry.objects.filter(
                content_type_id__in=get_descendants_content_types_pks(self.queryset.model)
            )
            .annotate(_match_vector=self._match_vector(title_only))
            .filter(_match_vector=search_query)
        )

    def match_queryset(self, config, title_only=False):
        search_query = self.build_tsquery(self.query, config=config)
        vectors = [vector for vector, _boost in self.get_index_vectors(search_query)]
        if title_only:
            vectors = vectors[:1]
        combined = vectors[0]
        for vector in vectors[1:]:
            combined = combined._combine(vector, "||", False)
        return self.queryset.annotate(_match_vector=combined).filter(_match_vector=search_query)

    def _estimate_says_walk(self, entries, limit):
        """Whether walking the newest pages beats collecting every match (planner estimates)."""
        connection = connections[entries.db]
        total = estimated_entry_count(connection)
        if total < SMALL_INDEX:
            return False
        matches = self._estimated_matches = planned_rows(entries.values("pk"))
        return self._count_says_walk(matches, total, limit)

    @staticmethod
    def _count_says_walk(matches, total, limit):
        return matches >= WALK_SHARE * total or matches * matches / total >= WALK_COST * limit

    def _rarest_word_matches(self, config, title_only=False):
        """The planner's estimate of the entries matching the query's rarest word (which the
        planner estimates well, one word at a time); None when no word tells (a stop word,
        which matches nothing by itself, is estimated at one row and does not count)."""
        estimates = []
        for term in dict.fromkeys(self.query.query_string.lower().split()):
            search_query = self.build_tsquery(PlainText(term, operator="and"), config=config)
            entries = (
                postgres.IndexEntry.objects.filter(
                    content_type_id__in=get_descendants_content_types_pks(self.queryset.model)
                )
                .annotate(_match_vector=self._match_vector(title_only))
                .filter(_match_vector=search_query)
            )
            rows = planned_rows(entries.values("pk"))
            if rows > 1:
                estimates.append(rows)
        return min(estimates) if estimates else None

    def _hash_walk_pays(self, limit):
        """Whether listing the matches' ids and walking the pages against them beats joining
        every match to its page and sorting (planner estimates, after ``_estimate_says_walk``).

        Walking costs about a page read for each page walked; joining costs a page probe for
        each match, HASH_WALK_COST times what reading a page along the index does. The pages
        walked are about ``limit`` divided by the share of the pages that match and pass the
        filters (a campaign, a type), which the planner estimates too.
        """
        matches = getattr(self, "_estimated_matches", None)
        if not matches:
            return False
        total = estimated_entry_count(connections[self.queryset.db])
        pages = planned_rows(self.queryset.values("pk"))
        walked = limit * total / matches * total / max(pages, 1.0)
        return walked < HASH_WALK_COST * matches

    def _hash_walk(self, config, title_only=False):
        """The pages, newest first, each looked up among every match's id.

        The ids are collected once through the GIN index into a hash table (a subplan kept
        inside ``COALESCE``, which the planner cannot turn into a join), so the walk along the
        publication date's index stops at the limit and never probes a page that does not
        match. See ``_hash_walk_pays``.
        """
        ids = (
            self.matching_entries(config, title_only=title_only)
            .annotate(_pk=Cast("object_id", BigIntegerField()))
            .values("_pk")
        )
        listed = Coalesce(
            ExpressionWrapper(Q(pk__in=ids), output_field=BooleanField()),
            Value(False),
            output_field=BooleanField(),
        )
        return self.queryset.annotate(_listed=listed).filter(_listed=True)

    def _entry_matches(self, config, title_only=False):
        """A condition on an index entry (of the outer query's page) that it matches.

        Joining the title and body vectors (``title || body``) to test them costs more than
        reading them; when every word is a single lexeme, "each word is in the title or in
        the body" is the same test without the join. The query is worked out once a
        statement, not once a row.
        """
        vectors = [vector for vector, _weight in self.entry_vectors()]
        if title_only:
            vectors = vectors[:1]
        # A word given twice is tested once ("peru and peru and peru…").
        terms = list(dict.fromkeys(self.query.query_string.lower().split()))
        if len(vectors) == 1 or not all(term.isalpha() or term.isdigit() for term in terms):
            return Matches(
                self._match_vector(title_only), Once(self.build_tsquery(self.query, config))
            )
        condition = Q()
        for term in terms:
            term_query = Once(self.build_tsquery(PlainText(term, operator="and"), config))
            # A stop word ("the") is no lexeme at all: the joined test ignores it too.
            in_any = Q(NoLexemes(term_query))
            for vector in vectors:
                in_any |= Q(Matches(vector, term_query))
            condition &= in_any
        return condition

    def _newest_matches(self, pages, config, limit, title_only=False):
        """The ids of the newest ``limit`` of ``pages`` that match, newest first; when ranking,
        their ranks (and, when noted, whether their title has the words) are kept for later
        (``rank_candidates``, ``_newest_match_ids``).

        ``pages`` is every page or a window of them (a walk), or pages already known to match
        (the hash walk, the collected matches). They are read newest first, each tested
        against its own index entry by one probe that also reads its rank and title test
        (``_probe``), until the limit is reached. The probe sits in the select list of a
        subquery that the planner may not flatten (``OFFSET 0``), so that it runs once for
        each page read: as a condition it would run again for each page returned. The outer
        levels add no ORDER BY, which would have every page probed before sorting: they keep
        the order the innermost subquery sorted its rows in, as PostgreSQL's subquery scans do
        (the tests compare the results with those of a plainly sorted query). The statement
        is built from SQL compiled once per search, where building it with the ORM for each
        statement took longer than running it.
        """
        probe_sql, probe_params = self._probe(config, title_only)
        columns = {"_pk": F("pk")}
        if issubclass(self.queryset.model, Page):
            columns["_ct"] = F("content_type_id")
        pages = pages.annotate(**columns).order_by(*self.recency_ordering())
        pages_sql, pages_params = pages.values_list(*columns).query.sql_with_params()
        statement = (
            "SELECT walked._pk, walked._hit FROM ("  # noqa: S608 (compiled SQL, no input)
            f"SELECT walked_pages._pk, {probe_sql} AS _hit FROM ({pages_sql} OFFSET 0) "
            "walked_pages OFFSET 0) walked WHERE walked._hit IS NOT NULL LIMIT %s"
        )
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(statement, [*probe_params, *pages_params, limit])
            rows = cursor.fetchall()
        ids = [pk for pk, _hit in rows]
        if self.order_by_relevance:
            scores = self.__dict__.setdefault("_scores", {})
            scores.update((pk, rank) for pk, (rank, _title) in rows)
            if self._note_title_hits:
                in_title = self._in_title = getattr(self, "_in_title", None) or {}
                in_title.update((pk, bool(title)) for pk, (_rank, title) in rows)
        return ids

    def _probe(self, config, title_only):
        """SQL of one probe of the index entry of the page ``walked_pages`` (its ``_pk`` and
        ``_ct``): NULL when the entry does not match, else ``[rank, title has the words]``
        (the rank is 0 when the search is not ranked, and so is the title test when it is not
        noted). Compiled once per search."""
        key = (config, title_only, self._note_title_hits)
        probes = self.__dict__.setdefault("_probes", {})
        if key in probes:
            return probes[key]
        table = connections[self.queryset.db].ops.quote_name(postgres.IndexEntry._meta.db_table)
        rank_sql, rank_params = "0", []
        if self.order_by_relevance:
            rank_sql, rank_params = self._entry_sql(self.rank_expression(config))
        title_sql, title_params = "0", []
        if self._note_title_hits:
            title_sql, title_params = self._entry_sql(self._entry_matches(config, True))
            title_sql = f"CASE WHEN {title_sql} THEN 1 ELSE 0 END"
        model = self.queryset.model
        if issubclass(model, Page):
            # A page is indexed under its own (most specific) content type.
            type_sql, type_params = "= walked_pages._ct", []
        else:
            type_sql, type_params = "= ANY(%s)", [list(get_descendants_content_types_pks(model))]
        match_sql, match_params = self._entry_sql(self._entry_matches(config, title_only))
        probes[key] = (
            f"(SELECT ARRAY[{rank_sql}, {title_sql}]::float8[] FROM {table} "  # noqa: S608
            f"WHERE {table}.content_type_id {type_sql} "
            f"AND {table}.object_id = (walked_pages._pk)::text AND {match_sql} LIMIT 1)",
            [*rank_params, *title_params, *type_params, *match_params],
        )
        return probes[key]

    def _entry_sql(self, node):
        """SQL and params of an expression or a condition on an index entry, its columns named
        after the entry table."""
        query = postgres.IndexEntry.objects.all().query
        node = query.build_where(node) if isinstance(node, Q) else node.resolve_expression(query)
        return query.get_compiler(self.queryset.db).compile(node)

    def _collect(self, config, title_only=False):
        """Every match through the GIN index, then their pages by primary key."""
        entries = self.matching_entries(config, title_only=title_only)
        ids = entries.annotate(_pk=Cast("object_id", BigIntegerField())).values("_pk")
        return self.queryset.filter(AmongListed(F("pk"), Subquery(ids)))

    def _newest_match_ids(self, config, limit, title_only=False):
        if title_only:
            hits = self._title_hits_among_candidates()
            if hits is not None and len(hits) >= limit:
                # The newest title matches are the newest matches with the words in their
                # title: when the candidates hold enough of them, there is nothing to look for.
                return hits[:limit]
            return self._find_newest_match_ids(config, limit, title_only=True)
        self._note_title_hits = bool(
            self.REUSE_TITLE_HITS and self.order_by_relevance and self.title_candidate_limit
        )
        try:
            ids = self._find_newest_match_ids(config, limit)
        finally:
            self._note_title_hits = False
        self._main_ids = ids
        return ids

    def _title_hits_among_candidates(self):
        """The candidates (newest first) whose title has the words; None if not noted."""
        main, in_title = getattr(self, "_main_ids", None), getattr(self, "_in_title", None)
        if main is None or in_title is None:
            return None
        return [pk for pk in main[: self.candidate_limit] if in_title.get(pk)]

    def _find_newest_match_ids(self, config, limit, title_only=False):
        model = self.queryset.model
        if model._meta.pk.get_internal_type() not in INTEGER_KEYS:
            return super()._newest_match_ids(config, limit, title_only=title_only)
        total = estimated_entry_count(connections[self.queryset.db])
        if total < SMALL_INDEX:
            if self._walk_pays(limit):
                return self._newest_matches(self.queryset, config, limit, title_only)
            return self._newest_matches(
                self._collect(config, title_only), config, limit, title_only
            )
        if self._estimate_says_walk(self.matching_entries(config, title_only), limit):
            return self._newest_matches(self.queryset, config, limit, title_only)
        if self._estimate_trusted(title_only):
            return self._listed_matches(config, limit, title_only)
        # Several words: the planner takes them to be independent, so "water contamination
        # cajamarca", three words that always come together, looks a hundred times rarer than
        # it is. But no page has all the words that lacks the rarest: when that one word is
        # rare, listing the matches costs little (and a word found nowhere ends the search at
        # once). Whether to hash them is weighed with the planner's estimate for all the words,
        # the lower one: a hash walk for matches rarer than estimated would read more pages.
        rarest = self._rarest_word_matches(config, title_only)
        if rarest is not None and not self._count_says_walk(rarest, total, limit):
            return self._listed_matches(config, limit, title_only)
        # Otherwise a window of the newest pages is walked first: the share that matched tells
        # whether walking on or collecting every match costs less.
        size = self._window_size(rarest, total, limit)
        window, cutoff = self._window(size)
        walked = self._newest_matches(window, config, limit, title_only)
        if len(walked) >= limit:
            return walked
        if self._keep_walking(len(walked) / size, total, limit):
            # Walk on from where the window ended (not from the newest page again).
            beyond = self._beyond_window(cutoff)
            return walked + self._newest_matches(beyond, config, limit - len(walked), title_only)
        return self._newest_matches(self._collect(config, title_only), config, limit, title_only)

    def _window_size(self, rarest, total, limit):
        """How many of the newest pages to walk first: WALK_WINDOW, or enough to find the limit
        if the words came together as often as the rarest of them appears (they often do: a
        name, a place), up to MAX_WINDOW. A larger window costs nothing when the words do come
        together (the walk stops at the limit) and saves a second statement."""
        if not rarest:
            return self.WALK_WINDOW
        needed = math.ceil(limit * WINDOW_MARGIN * total / rarest)
        return min(max(self.WALK_WINDOW, needed), self.MAX_WINDOW)

    def _listed_matches(self, config, limit, title_only):
        """The newest matches, when the planner says they are few enough to list: the pages
        walked newest first against a hash of their ids when that reads fewer pages than
        joining every match to its page (``_hash_walk_pays``), else the matches collected."""
        if self._hash_walk_pays(limit):
            pages = self._hash_walk(config, title_only)
        else:
            pages = self._collect(config, title_only)
        return self._newest_matches(pages, config, limit, title_only)

    def _estimate_trusted(self, title_only):
        """The planner estimates one word well."""
        return len(self.query.query_string.split()) == 1

    def _walk_pays(self, limit):
        """Below SMALL_INDEX entries, collecting the matches is always cheap."""
        return False

    def _keep_walking(self, share, total, limit):
        """Walking on costs about ``limit / share`` pages tested; collecting, ``share * total``
        matches read (a page tested costs about what a match collected does)."""
        return share > 0 and limit / share <= share * total * WINDOW_WALK_COST

    def _window(self, size):
        """The queryset's newest ``size`` pages (by publication; all of them if fewer), and
        the cutoff that bounds them (a subquery: the value of the page after the window)."""
        newest = self.recency_ordering()[0]
        field = newest.lstrip("-")
        # Ordered by the value alone: the cutoff is the same whichever order ties come in, and
        # the column's index gives it without sorting.
        cutoff = self.queryset.order_by(newest).values(field)[size : size + 1]
        # With fewer pages than that there is no cutoff: the lowest value lets them all in
        # (and keeps the condition one that the column's index answers).
        lowest = datetime.datetime.min.replace(tzinfo=datetime.UTC) if field != "pk" else 0
        window = self.queryset.filter(
            **{f"{field}__gte": Coalesce(Subquery(cutoff), Value(lowest))}
        )
        return window, cutoff

    def _beyond_window(self, cutoff):
        """The queryset's pages that ``_window`` left out: older than the cutoff (none when the
        window held every page), and any never published."""
        field = self.recency_ordering()[0].lstrip("-")
        return self.queryset.filter(
            Q(**{f"{field}__lt": Subquery(cutoff)}) | Q(**{f"{field}__isnull": True})
        )

    def entry_rank(self, config, object_ids):
        """The index entries of the pages ``object_ids``, annotated with ``_rank``: the stock
        query's rank of the page."""
        entries = postgres.IndexEntry.objects.filter(
            content_type_id__in=get_descendants_content_types_pks(self.queryset.model),
            object_id__in=[str(pk) for pk in object_ids],
        )
        return entries.annotate(_rank=self.rank_expression(config))

    def rank_expression(self, config):
        """What the stock query ranks an index entry with (``build_tsrank`` of a plain-text
        query), with the query worked out once a statement."""
        search_query = Once(self.build_tsquery(self.query, config=config))
        rank = None
        for vector, weight in self.entry_vectors():
            term = SearchRank(vector, search_query, weights=self.sql_weights) * weight
            rank = term if rank is None else rank + term
        return rank

    def search(self, config, start, stop, score_field=None, backend=None):
        ids = self.candidate_ids(config)
        if ids is None:
            return super().search(config, start, stop, score_field=score_field, backend=backend)
        if not ids:
            return []
        if not self.order_by_relevance:
            # The candidates are known matches: only their order (the queryset's) is left.
            return self.queryset.filter(pk__in=ids)[start:stop]
        return self.rank_candidates(ids, config, start, stop, score_field)

    def rank_candidates(self, ids, config, start, stop, score_field=None):
        """The candidates ranked as the stock query ranks them (rank, then newest id first).

        Their ranks were read with them; they are known matches, so the match is not tested
        again."""
        scores = getattr(self, "_scores", {})
        missing = [pk for pk in ids if pk not in scores]
        if missing:
            pk_field = self.queryset.model._meta.pk
            for object_id, score in self.entry_rank(config, missing).values_list(
                "object_id", "_rank"
            ):
                scores.setdefault(pk_field.to_python(object_id), score)
        ranked = sorted(
            (pk for pk in ids if scores.get(pk) is not None),
            key=lambda pk: (-scores[pk], -pk),
        )[start:stop]
        objects = self.queryset.in_bulk(ranked) if ranked else {}
        results = []
        for pk in ranked:
            obj = objects.get(pk)
            if obj is not None:
                if score_field:
                    setattr(obj, score_field, scores[pk])
                results.append(obj)
        return results


class SearchQueryCompiler(BoundedMatchMixin, postgres.PostgresSearchQueryCompiler):
    def entry_vectors(self):
        """What ``get_index_vectors`` ranks, as columns of the index entry itself."""
        return [(F("title"), F("title_norm")), (F("body"), 1.0)]


class AutocompleteQueryCompiler(BoundedMatchMixin, postgres.PostgresAutocompleteQueryCompiler):
    def entry_vectors(self):
        return [(F("autocomplete"), 1.0)]

    def _estimate_says_walk(self, entries, limit):
        # The planner cannot estimate a prefix ("caja:*"): the window decides.
        return False

    def _estimate_trusted(self, title_only):
        return False

    def _rarest_word_matches(self, config, title_only=False):
        return None

    def _keep_walking(self, share, total, limit):
        # Collecting a rare prefix's matches is cheap; the window found few.
        return False


class SearchResults(BoundedResultsMixin, postgres.PostgresSearchResults):
    pass


class AccentFoldingPostgresSearchBackend(postgres.PostgresSearchBackend):
    query_compiler_class = SearchQueryCompiler
    autocomplete_query_compiler_class = AutocompleteQueryCompiler
    results_class = SearchResults
    index_class = BatchPostgresIndex
    rebuilder_class = PostgresRebuilder
    atomic_rebuilder_class = PostgresAtomicRebuilder

    def __init__(self, params):
        params = dict(params)
        params.setdefault("SEARCH_CONFIG", POSTGRES_SEARCH_CONFIG)
        super().__init__(params)
        # The stock backend hard-codes 'simple' (no stemming) for autocomplete; keep
        # 'no stemming' but fold accents too.
        self.autocomplete_config = params.get("AUTOCOMPLETE_CONFIG", POSTGRES_AUTOCOMPLETE_CONFIG)


SearchBackend = AccentFoldingPostgresSearchBackend
