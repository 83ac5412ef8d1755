"""Elasticsearch 9 with accent folding and English possessives.

The stock mapping analyses full-text fields with Elasticsearch's ``standard`` analyzer, which
keeps accents ("perú" does not match "peru") and possessives ("fujimori's" is one token, so
"fujimori" does not match it). Here the index's ``default`` analyzer folds both, and
autocomplete queries are analysed with the same folding as the edge n-grams they meet.
"""

import copy

from modelsearch.backends import elasticsearch9 as stock
from modelsearch.utils import deep_update

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


class Elasticsearch9SearchQueryCompiler(stock.Elasticsearch9SearchQueryCompiler):
    mapping_class = Elasticsearch9Mapping


class Elasticsearch9AutocompleteQueryCompiler(stock.Elasticsearch9AutocompleteQueryCompiler):
    mapping_class = Elasticsearch9Mapping


class Elasticsearch9SearchBackend(stock.Elasticsearch9SearchBackend):
    mapping_class = Elasticsearch9Mapping
    query_compiler_class = Elasticsearch9SearchQueryCompiler
    autocomplete_query_compiler_class = Elasticsearch9AutocompleteQueryCompiler

    def __init__(self, params):
        params = dict(params)
        extra = params.pop("INDEX_SETTINGS", {}) or {}
        # Our analysis first, then anything the deployment adds on top of it.
        params["INDEX_SETTINGS"] = deep_update(copy.deepcopy(ANALYSIS_SETTINGS), extra)
        super().__init__(params)


SearchBackend = Elasticsearch9SearchBackend
