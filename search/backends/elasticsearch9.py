"""Elasticsearch 9 with accent folding and English possessives.

The stock mapping analyses full-text fields with Elasticsearch's ``standard`` analyzer, which
keeps accents ("perú" does not match "peru") and possessives ("fujimori's" is one token, so
"fujimori" does not match it). Here the index's ``default`` analyzer folds both, and
autocomplete queries are analysed with the same folding as the edge n-grams they meet.

Two more differences from the stock backend:

- A filter on the id of a specific page type (``NewsArticlePage.objects.filter(id__in=…)``,
  which Django writes as a filter on its ``page_ptr`` link) is sent as a filter on the page's
  id; the stock backend leaves such filters out of the query.
- When the server cannot be reached or answers a search with an error, the search has no
  results and the error is logged, so a visitor gets the search page rather than a server
  error.
"""

import copy
import logging

from django.db.models import Lookup
from django.db.models.expressions import Col
from elasticsearch import ApiError, TransportError
from modelsearch.backends import elasticsearch9 as stock
from modelsearch.utils import deep_update

logger = logging.getLogger(__name__)

FOLDING_FILTERS = ["possessive_english", "lowercase", "asciifolding"]

ANALYSIS_SETTINGS = {
    "settings": {
        "analysis": {
            "filter": {
                "possessive_english": {"type": "stemmer", "language": "possessive_english"},
                "english_stemmer": {"type": "stemmer", "language": "english"},
            },
            "analyzer": {
                # Every text field without an explicit analyzer (titles, summaries, bodies,
                # campaign and topic names): folded and stemmed, like PostgreSQL's psg_english.
                "default": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": [*FOLDING_FILTERS, "english_stemmer"],
                },
                # Autocomplete input: folded but not stemmed, like the edge n-grams.
                "folding": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": FOLDING_FILTERS,
                },
            },
        }
    }
}


class Elasticsearch9Mapping(stock.Elasticsearch9Mapping):
    edgengram_analyzer_config = {
        "analyzer": "edgengram_analyzer",
        "search_analyzer": "folding",
    }


class ParentLinkFilters:
    """Query compiler mix-in: a filter on a page type's link to its page (``page_ptr_id``,
    the same value as the page's id) becomes a filter on the indexed id."""

    def _get_filters_from_where_node(self, where_node, check_only=False):
        if (
            isinstance(where_node, Lookup)
            and isinstance(where_node.lhs, Col)
            and getattr(where_node.lhs.target.remote_field, "parent_link", False)
        ):
            id_field = self._get_filterable_field("id")
            if id_field is not None:
                if check_only:
                    return None
                return self._process_lookup([id_field], where_node.lookup_name, where_node.rhs)
        return super()._get_filters_from_where_node(where_node, check_only=check_only)


class Elasticsearch9SearchQueryCompiler(ParentLinkFilters, stock.Elasticsearch9SearchQueryCompiler):
    mapping_class = Elasticsearch9Mapping


class Elasticsearch9AutocompleteQueryCompiler(
    ParentLinkFilters, stock.Elasticsearch9AutocompleteQueryCompiler
):
    mapping_class = Elasticsearch9Mapping


class Elasticsearch9SearchResults(stock.Elasticsearch9SearchResults):
    """Results that are empty, and an error in the log, when the server fails."""

    def _do_search(self):
        try:
            yield from super()._do_search()
        except (ApiError, TransportError):
            logger.exception("Elasticsearch search failed: no results shown")

    def _do_count(self):
        try:
            return super()._do_count()
        except (ApiError, TransportError):
            logger.exception("Elasticsearch count failed: no results shown")
            return 0


class Elasticsearch9SearchBackend(stock.Elasticsearch9SearchBackend):
    mapping_class = Elasticsearch9Mapping
    query_compiler_class = Elasticsearch9SearchQueryCompiler
    autocomplete_query_compiler_class = Elasticsearch9AutocompleteQueryCompiler
    results_class = Elasticsearch9SearchResults

    def __init__(self, params):
        params = dict(params)
        extra = params.pop("INDEX_SETTINGS", {}) or {}
        # Our analysis first, then anything the deployment adds on top of it.
        params["INDEX_SETTINGS"] = deep_update(copy.deepcopy(ANALYSIS_SETTINGS), extra)
        super().__init__(params)


SearchBackend = Elasticsearch9SearchBackend
