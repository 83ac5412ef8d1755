"""PostgreSQL full text (imported only there): modelsearch's backend with accent-folding
configurations from settings (``SEARCH_CONFIG``, ``AUTOCOMPLETE_CONFIG``, migration
``search.0001``), the title weighing ``TITLE_WEIGHT`` times the body, and bounded ranking
(ranked.py) over the GIN index on ``title || body`` (migration ``search.0002``)."""

from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db.models import F
from django.db.models.expressions import CombinedExpression
from modelsearch.backends.database.postgres import postgres as stock

from .ranked import RankedCompilerMixin, RankedResultsMixin

TITLE_WEIGHT = 4.0


class SearchQueryCompiler(RankedCompilerMixin, stock.PostgresSearchQueryCompiler):
    def vector(self, title_only):
        if title_only:
            return F("title")
        return CombinedExpression(F("title"), "||", F("body"), output_field=SearchVectorField())

    def score(self, query):
        return SearchRank(F("title"), query) * TITLE_WEIGHT + SearchRank(F("body"), query)

    def matches(self, config, title_only=False):
        query = self.build_tsquery(self.query, config=config)
        entries = stock.IndexEntry.objects.filter(content_type_id__in=self.content_types())
        if query is None:
            return entries.none().annotate(score=F("title_norm"))
        return (
            entries.annotate(_vector=self.vector(title_only))
            .filter(_vector=query)
            .annotate(score=self.score(query))
            .order_by()
        )


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
