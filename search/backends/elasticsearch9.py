"""Elasticsearch 9: accent folding and possessives in the analyzer, ``fuzziness: AUTO`` on every
match, a term suggester for spelling, filters on ``page_ptr`` sent as filters on the id, and no
server error when the server fails (an empty result and a log line). See docs/search.md."""

import logging

from django.db.models import Lookup
from django.db.models.expressions import Col
from elasticsearch import ApiError, TransportError
from modelsearch.backends import elasticsearch9 as stock
from modelsearch.utils import deep_update

logger = logging.getLogger(__name__)

FOLDING_FILTERS = ["possessive_english", "lowercase", "asciifolding"]


def analysis_settings():
    """The index's analysis, built with each backend rather than at import (docs/testing.md)."""

    def analyzer(filters):
        return {"type": "custom", "tokenizer": "standard", "filter": filters}

    languages = {"possessive_english": "possessive_english", "english_stemmer": "english"}
    stemmers = {name: {"type": "stemmer", "language": lang} for name, lang in languages.items()}
    # Every text field without an explicit analyzer (titles, summaries, bodies, campaign and
    # topic names): folded and stemmed, like PostgreSQL's psg_english. Autocomplete input and
    # spelling: folded but not stemmed.
    analyzers = {
        "default": analyzer([*FOLDING_FILTERS, "english_stemmer"]),
        "folding": analyzer(FOLDING_FILTERS),
    }
    return {"settings": {"analysis": {"filter": stemmers, "analyzer": analyzers}}}


class Elasticsearch9Mapping(stock.Elasticsearch9Mapping):
    edgengram_analyzer_config = {"analyzer": "edgengram_analyzer", "search_analyzer": "folding"}

    def get_mapping(self):
        mapping = super().get_mapping()
        words = {"type": "text", "analyzer": "folding"}  # for spelling: folded, not stemmed
        mapping["properties"]["_all_text"]["fields"] = {"words": words}
        return mapping


class ParentLinkFilters:
    """A filter on a page type's link to its page (``page_ptr_id``) filters the indexed id."""

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

    def _compile_plaintext_query(self, query, fields, boost=1.0):
        compiled = super()._compile_plaintext_query(query, fields, boost)
        match = compiled.get("multi_match") or next(iter(compiled["match"].values()))
        match.update(fuzziness="AUTO", prefix_length=1)
        return compiled


class Elasticsearch9AutocompleteQueryCompiler(
    ParentLinkFilters, stock.Elasticsearch9AutocompleteQueryCompiler
):
    mapping_class = Elasticsearch9Mapping


class Elasticsearch9SearchResults(stock.Elasticsearch9SearchResults):
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
        # Our analysis first, then anything the deployment adds on top of it.
        settings = deep_update(analysis_settings(), params.get("INDEX_SETTINGS") or {})
        super().__init__({**params, "INDEX_SETTINGS": settings})

    def spelling_suggestions(self, words):
        """``{word: the closest indexed word}`` for each of ``words`` that no page contains."""
        from wagtail.models import Page

        term = {"field": "_all_text.words", "suggest_mode": "missing", "size": 1}
        suggest = {"text": " ".join(words), "words": {"term": term}}
        try:
            index = self.get_index_for_model(Page).name
            response = self.es.search(index=index, suggest=suggest, size=0)
        except (ApiError, TransportError):
            logger.exception("Elasticsearch spelling suggestions failed: none shown")
            return {}
        return {
            entry["text"]: entry["options"][0]["text"]
            for entry in response.get("suggest", {}).get("words", [])
            if entry["options"]
        }


SearchBackend = Elasticsearch9SearchBackend
