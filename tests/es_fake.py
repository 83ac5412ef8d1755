"""An Elasticsearch 9 server, faked at the client's transport, for tests without a server.

The real ``elasticsearch`` client builds every request as it would for a server (URL, query
string, headers, body); instead of going over the network, each request is serialised as it
would be on the wire, recorded, and answered by ``FakeElasticsearch`` the way Elasticsearch 9
answers it: indices and aliases are created and deleted, mappings are merged, documents sent
with the bulk API are kept, and searches are answered with hits.

What it checks, like a server would: the client speaks the version-9 REST API (its
``compatible-with`` header), every filter an analyser names exists, every analyser a mapping
names is declared in the index settings, and a field's type is never changed by a later mapping.

What it does not do: analyse text or rank. A search is answered with the ids a test chooses
(``fake.hits``), in that order, or else with every indexed document that the query's
filters admit, in the order of its ``sort`` (text clauses such as ``multi_match`` are taken to
match every document).
``fake.admitted(request)`` evaluates a recorded query's filters against the indexed documents
(tests/es_fake_query.py), so a test can say which pages a search body lets through.
"""

import contextlib
import dataclasses
import json
from unittest import mock
from urllib.parse import parse_qs, unquote, urlsplit

from elastic_transport import (
    ApiResponseMeta,
    ConnectionError,
    HttpHeaders,
    NodeConfig,
    Transport,
)

from tests.es_fake_query import clauses, matches, values_of


def _names(text):
    return frozenset(text.split())


URL = "http://es.invalid:9200"
SERVER_MAJOR_VERSION = 9
RESPONSE_HEADERS = {
    "x-elastic-product": "Elasticsearch",
    "content-type": f"application/vnd.elasticsearch+json;compatible-with={SERVER_MAJOR_VERSION}",
}

# Token filters Elasticsearch has built in (the ones an index may name without declaring).
BUILTIN_FILTERS = _names(
    "apostrophe asciifolding cjk_width classic decimal_digit elision kstem lowercase "
    "porter_stem reverse stop trim truncate unique uppercase"
)
# What the search API accepts at the top of its body; the count API takes a query only.
SEARCH_KEYS = _names(
    "query sort from size _source stored_fields fields aggregations aggs post_filter "
    "highlight min_score search_after track_total_hits track_scores timeout explain suggest"
)
BUILTIN_ANALYZERS = {"standard", "simple", "whitespace", "keyword", "stop", "english"}
BUILTIN_TOKENIZERS = {"standard", "whitespace", "keyword", "letter", "classic"}


def es_config(prefix="psgtest_", url=URL):
    """A WAGTAILSEARCH_BACKENDS entry for the site's Elasticsearch 9 backend."""
    return {
        "BACKEND": "search.backends.elasticsearch9",
        "URLS": [url],
        "INDEX_PREFIX": prefix,
        "TIMEOUT": 5,
        "AUTO_UPDATE": False,
        "OPTIONS": {},
        "INDEX_SETTINGS": {},
    }


@dataclasses.dataclass(repr=False)
class Request:
    method: str
    path: str
    params: dict
    headers: dict
    body: object

    @property
    def index(self):
        """The index (or alias) the request names, or None."""
        first = self.path.strip("/").split("/")[0]
        return None if not first or first.startswith("_") else first

    def __repr__(self):
        return f"<{self.method} {self.path}>"


@dataclasses.dataclass
class Index:
    name: str
    settings: dict
    properties: dict = dataclasses.field(default_factory=dict)  # the merged mapping
    documents: dict = dataclasses.field(default_factory=dict)  # {id: document}


def _error(status, error_type, reason):
    error = {"type": error_type, "reason": reason}
    return status, {"error": {"root_cause": [error], **error}, "status": status}


class FakeElasticsearch:
    """Records each request the Elasticsearch client sends and answers like a server would."""

    def __init__(self):
        self.requests = []
        self.indices = {}
        self.aliases = {}
        # The ids (or pages) every search is answered with, in this order; None: every
        # indexed document the query's filters admit, in the order of its sort.
        self.hits = None
        # None, an HTTP status (the server answers searches with that error) or "unreachable".
        self.search_error = None
        # What the term suggester answers: {word: the indexed word it suggests}.
        self.suggestions = {}

    # --- Installing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def installed(self):
        """Every Elasticsearch client created inside talks to this fake."""
        with mock.patch.object(Transport, "perform_request", autospec=True, side_effect=self):
            yield self

    def __call__(self, transport, method, target, *, body=None, headers=None, **kwargs):
        url = urlsplit(target)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        wire = None
        if body is not None:
            mimetype = headers.get("content-type")
            raw = transport.serializers.dumps(body, mimetype=mimetype)
            if "ndjson" in (mimetype or ""):
                wire = [json.loads(line) for line in raw.splitlines() if line.strip()]
            else:
                wire = json.loads(raw)
        request = Request(method, unquote(url.path), params, headers, wire)
        self.requests.append(request)
        if self.search_error == "unreachable" and self._is_search(request):
            raise ConnectionError("Connection refused (the fake server is down)")
        status, response = self._answer(request)
        headers = HttpHeaders(RESPONSE_HEADERS)
        node = NodeConfig("http", "es.invalid", 9200)
        return ApiResponseMeta(status, "1.1", headers, 0.0, node), response

    # --- What was sent ----------------------------------------------------------------------

    def of(self, method=None, suffix=""):
        """The recorded requests with this method whose path ends with ``suffix`` (requests
        for spelling suggestions apart: see ``suggest_requests``)."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and r.path.endswith(suffix)
            and not self._is_suggest(r)
        ]

    def searches(self):
        """The search and count requests, in the order they were sent."""
        return [r for r in self.requests if self._is_search(r) and not self._is_suggest(r)]

    def suggest_requests(self):
        """The requests for spelling suggestions (a search with ``suggest`` and no query)."""
        return [r for r in self.requests if self._is_suggest(r)]

    @staticmethod
    def _is_suggest(request):
        body = request.body if isinstance(request.body, dict) else {}
        return "suggest" in body and "query" not in body

    def index_named(self, name):
        """The index behind a name or an alias."""
        targets = self.aliases.get(name)
        if targets:
            [name] = targets
        return self.indices.get(name)

    def admitted(self, request):
        """The ids of the documents in the searched index that the request's query admits."""
        index = self.index_named(request.index)
        assert index is not None, f"{request} searches an index that does not exist"
        query = (request.body or {}).get("query", {"match_all": {}})
        return {
            int(doc_id)
            for doc_id, document in index.documents.items()
            if matches(query, document, index.properties)
        }

    def clear(self):
        self.requests.clear()

    # --- Answers ----------------------------------------------------------------------------

    @staticmethod
    def _is_search(request):
        return request.path.endswith(("/_search", "/_count"))

    def _answer(self, request):
        accept = request.headers.get("accept", "")
        if f"compatible-with={SERVER_MAJOR_VERSION}" not in accept:
            return _error(
                400,
                "media_type_header_exception",
                f"Invalid media-type value on headers [Accept]: {accept!r} (server is "
                f"Elasticsearch {SERVER_MAJOR_VERSION})",
            )
        if isinstance(self.search_error, int) and self._is_search(request):
            return _error(
                self.search_error, "search_phase_execution_exception", "all shards failed"
            )
        parts = request.path.strip("/").split("/")
        if parts[0] == "_alias":
            handler = self._get_alias
        elif len(parts) == 1 and request.index:
            handler = {
                "HEAD": self._exists,
                "PUT": self._create_index,
                "DELETE": self._delete_index,
            }.get(request.method)
        else:
            handler = {
                "_mapping": self._put_mapping,
                "_alias": self._put_alias,
                "_bulk": self._bulk,
                "_doc": self._document,
                "_refresh": lambda r: (200, {"_shards": {"total": 1, "successful": 1}}),
                "_search": self._search,
                "_count": self._count,
            }.get(parts[1] if len(parts) > 1 else parts[0])
        if handler is None:
            return _error(400, "fake_unknown_request", f"the fake does not know {request}")
        return handler(request)

    def _missing(self, name):
        return _error(404, "index_not_found_exception", f"no such index [{name}]")

    def _exists(self, request):
        return (200 if self.index_named(request.index) else 404), None

    def _create_index(self, request):
        name = request.index
        if name in self.indices or name in self.aliases:
            return _error(400, "resource_already_exists_exception", f"index [{name}] exists")
        settings = (request.body or {}).get("settings", {})
        analysis = settings.get("analysis", {})
        filters = set(analysis.get("filter", {})) | BUILTIN_FILTERS
        tokenizers = set(analysis.get("tokenizer", {})) | BUILTIN_TOKENIZERS
        for analyzer_name, analyzer in analysis.get("analyzer", {}).items():
            for filter_name in analyzer.get("filter", []):
                if filter_name not in filters:
                    return _error(
                        400,
                        "illegal_argument_exception",
                        f"Custom Analyzer [{analyzer_name}] failed to find filter under name "
                        f"[{filter_name}]",
                    )
            if analyzer.get("tokenizer", "standard") not in tokenizers:
                return _error(400, "illegal_argument_exception", "failed to find tokenizer")
        self.indices[name] = Index(name, settings)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def _delete_index(self, request):
        name = request.index
        if name in self.aliases:
            return _error(
                400,
                "illegal_argument_exception",
                f"The provided expression [{name}] matches an alias, specify the corresponding "
                "concrete indices instead.",
            )
        if name not in self.indices:
            return self._missing(name)
        del self.indices[name]
        for targets in self.aliases.values():
            targets.discard(name)
        return 200, {"acknowledged": True}

    def _get_alias(self, request):
        name = request.path.strip("/").split("/")[1]
        targets = self.aliases.get(name)
        if not targets:
            return 404, ({"error": f"alias [{name}] missing", "status": 404})
        return 200, {index: {"aliases": {name: {}}} for index in targets}

    def _put_alias(self, request):
        index, _, name = request.path.strip("/").split("/")
        if index not in self.indices:
            return self._missing(index)
        self.aliases[name] = {index}
        return 200, {"acknowledged": True}

    def _put_mapping(self, request):
        index = self.index_named(request.index)
        if index is None:
            return self._missing(request.index)
        analyzers = set(index.settings.get("analysis", {}).get("analyzer", {}))
        analyzers |= BUILTIN_ANALYZERS | {"default"}
        problem = self._merge(index.properties, request.body.get("properties", {}), analyzers)
        if problem:
            return _error(400, "illegal_argument_exception", problem)
        return 200, {"acknowledged": True}

    def _merge(self, existing, new, analyzers, prefix=""):
        for name, mapping in new.items():
            for key in ("analyzer", "search_analyzer"):
                if key in mapping and mapping[key] not in analyzers:
                    return f"analyzer [{mapping[key]}] has not been configured in mappings"
            old = existing.get(name)
            if old is None:
                existing[name] = json.loads(json.dumps(mapping))
                continue
            if old.get("type") != mapping.get("type"):
                return (
                    f"mapper [{prefix}{name}] cannot be changed from type [{old.get('type')}] "
                    f"to [{mapping.get('type')}]"
                )
            if "properties" in mapping:
                problem = self._merge(
                    old.setdefault("properties", {}), mapping["properties"], analyzers, name + "."
                )
                if problem:
                    return problem
        return None

    def _bulk(self, request):
        lines = request.body
        items = []
        for action, document in zip(lines[::2], lines[1::2], strict=True):
            [(op, meta)] = action.items()
            name = meta.get("_index") or request.index
            index = self.index_named(name)
            if op != "index" or index is None:
                items.append({op: {"_index": name, "status": 404, "error": {"type": "missing"}}})
                continue
            index.documents[str(meta["_id"])] = document
            items.append({op: {"_index": index.name, "_id": meta["_id"], "status": 201}})
        errors = any(item[next(iter(item))]["status"] >= 300 for item in items)
        return 200, {"took": 1, "errors": errors, "items": items}

    def _document(self, request):
        index = self.index_named(request.index)
        if index is None:
            return self._missing(request.index)
        doc_id = request.path.strip("/").split("/")[2]
        if request.method == "DELETE":
            if index.documents.pop(doc_id, None) is None:
                return 404, {"_id": doc_id, "result": "not_found"}
            return 200, {"_id": doc_id, "result": "deleted"}
        index.documents[doc_id] = request.body
        return 201, {"_index": index.name, "_id": doc_id, "result": "created"}

    def _matching_ids(self, request, index):
        if self.hits is None:
            return self._sorted(index, self.admitted(request), (request.body or {}).get("sort"))
        ids = [getattr(hit, "pk", hit) for hit in self.hits]
        missing = [pk for pk in ids if str(pk) not in index.documents]
        assert not missing, f"the fake was asked to answer with ids never indexed: {missing}"
        return ids

    @staticmethod
    def _sorted(index, ids, sort):
        """``ids`` in the order of a search's ``sort`` (by id when it has none: the fake does
        not rank); documents without a value come last, as in Elasticsearch."""
        ids = sorted(ids)
        for key in reversed(clauses(sort)):
            [(field, order)] = key.items() if isinstance(key, dict) else [(key, "asc")]
            order = order["order"] if isinstance(order, dict) else order
            if field == "_score":
                continue
            present = [pk for pk in ids if values_of(index.documents[str(pk)].get(field))]
            absent = [pk for pk in ids if pk not in present]
            present.sort(
                key=lambda pk, field=field: values_of(index.documents[str(pk)][field])[0],
                reverse=order == "desc",
            )
            ids = present + absent
        return ids

    def _hit(self, index, doc_id, stored_fields):
        document = index.documents[str(doc_id)]
        fields = {}
        for name in clauses(stored_fields):
            if index.properties.get(name, {}).get("store") and document.get(name) is not None:
                fields[name] = values_of(document[name])
        hit = {"_index": index.name, "_id": str(doc_id), "_score": 1.0}
        if fields:
            hit["fields"] = fields
        return hit

    def _search(self, request):
        index = self.index_named(request.index)
        if index is None:
            return self._missing(request.index)
        body = request.body or {}
        unknown = set(body) - SEARCH_KEYS
        if unknown:
            return _error(400, "parsing_exception", f"Unknown key for a search: {unknown}")
        if "suggest" in body:
            return 200, {"hits": {"total": {"value": 0}, "hits": []}, **self._suggest(body)}
        ids = self._matching_ids(request, index)
        stored = body.get("stored_fields", request.params.get("stored_fields"))
        start = int(body.get("from", 0))
        size = int(body.get("size", 10))
        page = ids[start : start + size]
        response = {
            "took": 1,
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {
                "total": {"value": len(ids), "relation": "eq"},
                "max_score": 1.0 if page else None,
                "hits": [self._hit(index, pk, stored) for pk in page],
            },
        }
        return 200, response

    def _suggest(self, body):
        """The term suggester's answer: one entry per word of the text, with an option when
        ``self.suggestions`` has one for it."""
        answers = {}
        suggest = dict(body["suggest"])
        shared_text = suggest.pop("text", "")
        for name, spec in suggest.items():
            assert "term" in spec, f"the fake answers term suggesters only: {spec}"
            entries, offset = [], 0
            for word in spec.get("text", shared_text).split():
                fix = self.suggestions.get(word)
                options = [{"text": fix, "score": 0.8, "freq": 1}] if fix else []
                entries.append(
                    {"text": word, "offset": offset, "length": len(word), "options": options}
                )
                offset += len(word) + 1
            answers[name] = entries
        return {"suggest": answers}

    def _count(self, request):
        index = self.index_named(request.index)
        if index is None:
            return self._missing(request.index)
        unknown = set(request.body or {}) - {"query"}
        if unknown:
            return _error(400, "parsing_exception", f"request does not support {unknown}")
        return 200, {"count": len(self._matching_ids(request, index))}
