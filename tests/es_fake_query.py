"""What a query's filters admit, as Elasticsearch 9 would decide it, for tests/es_fake.py.

Text clauses (words against analysed text) match every document: the fake does not analyse.
Any clause the fake does not know fails the test rather than being let through.
"""

# Clauses that match words against analysed text: the fake does not analyse, so they match.
TEXT_CLAUSES = frozenset(
    [
        "multi_match",
        "match_phrase",
        "match_phrase_prefix",
        "match_bool_prefix",
        "query_string",
        "simple_query_string",
        "dis_max",
    ]
)


def values_of(value):
    """A document's field as Elasticsearch sees it: a list of values (empty if missing)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return [value]


def _same(a, b):
    """Equality as Elasticsearch applies it to keyword, number and boolean fields."""
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    return str(a) == str(b)


def _compare(value, op, bound):
    """A ``range`` bound as Elasticsearch applies it to numbers (and ISO dates, as text)."""
    try:
        value, bound = float(value), float(bound)
    except (TypeError, ValueError):
        value, bound = str(value), str(bound)
    return {"gte": value >= bound, "gt": value > bound, "lte": value <= bound, "lt": value < bound}[
        op
    ]


def _property(properties, field):
    node = {"properties": properties}
    for part in field.split("."):
        node = (node.get("properties") or {}).get(part)
        if node is None:
            return {}
    return node


def clauses(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def matches(query, document, properties, prefix=""):
    """Whether ``document`` passes ``query``'s filters (text clauses match everything).

    Any clause the fake does not know fails the test rather than being let through.
    """
    [(kind, spec)] = query.items()
    if kind in TEXT_CLAUSES:
        return True
    if kind == "match_all":
        return True
    if kind == "match_none":
        return False
    if kind == "bool":
        unknown = set(spec) - {"must", "filter", "should", "must_not", "minimum_should_match"}
        assert not unknown, f"the fake cannot evaluate bool clauses {unknown}"
        required = clauses(spec.get("must")) + clauses(spec.get("filter"))
        if not all(matches(q, document, properties, prefix) for q in required):
            return False
        if any(matches(q, document, properties, prefix) for q in clauses(spec.get("must_not"))):
            return False
        should = clauses(spec.get("should"))
        minimum = spec.get("minimum_should_match", 0 if required else 1)
        return not should or sum(matches(q, document, properties, prefix) for q in should) >= int(
            minimum
        )
    if kind == "nested":
        path = spec["path"]
        inner = values_of(document.get(path[len(prefix) :]))
        return any(matches(spec["query"], item, properties, prefix=path + ".") for item in inner)
    [(field, value)] = spec.items() if kind != "exists" else [(spec["field"], None)]
    values = values_of(document.get(field[len(prefix) :]))
    if kind == "match":
        mapping = _property(properties, field)
        if mapping.get("type") != "keyword":
            return True  # words against analysed text
        value = value["query"] if isinstance(value, dict) else value
        return any(_same(v, value) for v in values)
    if kind == "term":
        value = value["value"] if isinstance(value, dict) else value
        return any(_same(v, value) for v in values)
    if kind == "terms":
        return any(_same(v, wanted) for v in values for wanted in value)
    if kind == "prefix":
        value = value["value"] if isinstance(value, dict) else value
        return any(str(v).startswith(str(value)) for v in values)
    if kind == "exists":
        return bool(values)
    if kind == "range":
        return any(all(_compare(v, op, bound) for op, bound in value.items()) for v in values)
    raise AssertionError(f"the fake cannot evaluate a {kind!r} clause: {query}")
