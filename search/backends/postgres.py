"""PostgreSQL full text (imported only there): modelsearch's backend with accent-folding
configurations from settings (``SEARCH_CONFIG``, ``AUTOCOMPLETE_CONFIG``, migration
``search.0001``), the title weighing ``TITLE_WEIGHT`` times the body, and bounded ranking
(ranked.py) over the GIN index on ``psg_search_document(title, body)`` (migration
``search.0007``): the newest matching pages are found from the index alone, and only they
are scored."""

from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db.models import BigIntegerField, F, Func
from django.db.models.functions import Cast
from modelsearch.backends.database.postgres import postgres as stock

from .ranked import RankedCompilerMixin, RankedResultsMixin

TITLE_WEIGHT = 4.0
# Newest page first. No index gives this order, so PostgreSQL finds the matches with the GIN
# index rather than by testing index entries one by one, newest first (docs/search.md, "Speed").
NEWEST = (Cast("object_id", BigIntegerField()).desc(), F("pk").desc())


class SearchQueryCompiler(RankedCompilerMixin, stock.PostgresSearchQueryCompiler):
    def vector(self, title_only):
        if title_only:
            return F("title")
        return Func(
            F("title"), F("body"), function="psg_search_document", output_field=SearchVectorField()
        )

    def score(self, query):
        return SearchRank(F("title"), query) * TITLE_WEIGHT + SearchRank(F("body"), query)

    def newest(self, config, limit, title_only=False, scored=True):
        query = self.build_tsquery(self.query, config=config)
        if query is None:
            return []
        entries = stock.IndexEntry.objects
        matches = (
            entries.filter(content_type_id__in=self.content_types())
            .annotate(_vector=self.vector(title_only))
            .filter(_vector=query)
            .filter(self.visible("object_id"))
        )
        chosen = matches.order_by(*NEWEST)[:limit]
        if not scored:
            return [(object_id, 0.0) for object_id in chosen.values_list("object_id", flat=True)]
        # Scored once chosen: a score reads the body, which the choice does not need.
        rows = entries.filter(pk__in=chosen.values("pk")).annotate(score=self.score(query))
        return list(rows.order_by(*NEWEST).values_list("object_id", "score"))


class AutocompleteQueryCompiler(stock.PostgresAutocompleteQueryCompiler, SearchQueryCompiler):
    title_candidates = False
    candidates = 50

    def vector(self, title_only):
        return F("autocomplete")

    def score(self, query):
        return SearchRank(F("autocomplete"), query)


class SearchResults(RankedResultsMixin, stock.PostgresSearchResults):
    pass


class SearchBackend(stock.PostgresSearchBackend):
    query_compiler_class = SearchQueryCompiler
    autocomplete_query_compiler_class = AutocompleteQueryCompiler
    results_class = SearchResults

    def __init__(self, params):
        super().__init__(params)
        self.autocomplete_config = params.get("AUTOCOMPLETE_CONFIG", "simple")
