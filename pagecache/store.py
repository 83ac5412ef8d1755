"""Cache keys, generation tokens and stored responses.

Nothing is deleted when content changes: each dependency (``global``, a group such as
``news``, or ``path:/news/some-article/``) has a generation token in the cache
(psg/generations.py), and every stored response records the tokens it was rendered under.
Changing content replaces the tokens concerned (psg/invalidation.py), so every response that
depended on them stops matching at once, however many URLs (pages of a listing, filters) it was
stored under.
"""

import hashlib

from django.conf import settings

from psg import generations
from psg.generations import EVERY_GROUP, GLOBAL, PREFIX, cache, gen_key, path_dep, tokens_and

__all__ = ["GLOBAL", "PREFIX", "cache", "gen_key", "path_dep"]


def timeout():
    return int(getattr(settings, "PSG_PAGECACHE_TIMEOUT", 24 * 60 * 60))


def enabled():
    return getattr(settings, "PSG_PAGECACHE_ENABLED", True)


def entry_key(url):
    return f"{PREFIX}:page:{hashlib.sha256(url.encode()).hexdigest()}"


MAX_PATH_DEPTH = 8


def path_prefixes(path):
    """ "/news/a/feed/" -> ["/", "/news/", "/news/a/", "/news/a/feed/"].

    The page that answers a URL is the page at one of these paths (a routable page answers
    for the paths below its own), so its path generation is always among them.
    """
    parts = [part for part in path.split("/") if part]
    prefixes = ["/"]
    for index in range(1, min(len(parts), MAX_PATH_DEPTH) + 1):
        prefixes.append("/" + "/".join(parts[:index]) + "/")
    return prefixes


def lookup_deps(path):
    """Every dependency a response for `path` can have, read in one round trip."""
    return [GLOBAL, *sorted(EVERY_GROUP), *(path_dep(prefix) for prefix in path_prefixes(path))]


def read(url, path):
    """The stored entry for `url` (or None) and the current generation of every dependency."""
    # A generation that does not exist yet (first use, or evicted) is created now, before the
    # page reads any content, so that the response can be stored under it.
    gens, found = tokens_and(lookup_deps(path), [entry_key(url)])
    return found.get(entry_key(url)), gens


def is_fresh(entry, gens):
    stored = entry.get("deps") if isinstance(entry, dict) else None
    if not stored:
        return False
    return all(gens.get(dep) == token for dep, token in stored.items())


def store(url, deps, gens, response_parts, page_path, query):
    """Store the response for `url`; one with a `query` only while the page at `page_path`
    has room for another variant."""
    tokens = {dep: gens[dep] for dep in deps}
    if query and not claim_variant(page_path, query, tokens):
        return
    cache().set(entry_key(url), dict(response_parts, deps=tokens), timeout())


# Variants: the addresses of one page with a query string (pages of a list, filters)

DEFAULT_MAX_VARIANTS = 25


def max_variants():
    return int(getattr(settings, "PSG_PAGECACHE_MAX_VARIANTS", DEFAULT_MAX_VARIANTS))


def variants_key(page_path):
    return f"{PREFIX}:variants:{hashlib.sha256(page_path.encode()).hexdigest()}"


def claim_variant(page_path, query, tokens):
    """Whether a response for `page_path` with the query string `query`, rendered under
    `tokens`, may be stored: yes if it is one of the page's variants already, or the page has
    fewer than max_variants() of them.

    The page's variants are kept in one cache entry with the tokens they were stored under.
    A change that makes them stale starts a new list, so the cap holds for the responses that
    can still be served; stale ones are overwritten by their next visit or expire.
    """
    key = variants_key(page_path)
    kept = cache().get(key)
    queries = kept["queries"] if isinstance(kept, dict) and kept.get("deps") == tokens else []
    if query in queries:
        return True
    if len(queries) >= max_variants():
        return False
    cache().set(key, {"deps": tokens, "queries": [*queries, query]}, timeout())
    return True


# Invalidation is psg's (psg/invalidation.py, psg/generations.py): the page cache only reads the
# tokens. These names stay for the bulk loader (bench/fill.py) and older callers.
bump = generations.bump
bump_all = generations.bump_all
muted = generations.muted
