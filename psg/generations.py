"""Generation tokens: a cached copy stays valid until what it was built from changes.

Each dependency (``global``, a group such as ``news`` or ``campaigns``, or a page's path) has a
token in the cache. A change replaces the tokens concerned (`bump`; psg/invalidation.py decides
which, from Wagtail's and Django's signals); whatever was stored under an older token stops
matching at once. The site data every page shows (psg/sitedata.py), the listings' counts and
filter choices (`cached`) and the full-page cache (pagecache/) all store their entries this way.

`invalidate_all` makes every entry the site keeps stale at once: the one remedy after a change
that sent no signal (`manage.py invalidate_caches`; `restore_site` and every migration run apply
it, psg/invalidation.py).
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

GLOBAL = "global"
NEWS = "news"
CAMPAIGNS = "campaigns"
PREFIX = "pagecache"
# The groups of content a page can show (psg/pages.py: what a page type shows and changes).
EVERY_GROUP = frozenset({NEWS, CAMPAIGNS})
# Every entry the site stores depends on at least one of these (a page response and the site
# data on GLOBAL; a listing's counts and choices on GLOBAL, NEWS or CAMPAIGNS).
EVERY_GENERATION = (GLOBAL, NEWS, CAMPAIGNS)


def path_dep(path):
    """The dependency of one page's own content: its URL path."""
    return f"path:{path}"


def cache():
    return caches[getattr(settings, "PSG_PAGECACHE_ALIAS", "default")]


def gen_key(dep):
    digest = hashlib.sha256(dep.encode()).hexdigest() if dep.startswith("path:") else dep
    return f"{PREFIX}:gen:{digest}"


def tokens_and(deps, keys=()):
    """The current token of each dependency and the cached values of `keys`, in one round trip.

    A token that does not exist yet (first use, or evicted) is created now, before anything is
    read from the database, so that what is built next can be stored under it.
    """
    gen_keys = {gen_key(dep): dep for dep in deps}
    found = cache().get_many([*gen_keys, *keys])
    tokens = {}
    for key, dep in gen_keys.items():
        token = found.pop(key, None)
        if token is None:
            new = uuid.uuid4().hex
            token = new if cache().add(key, new, None) else cache().get(key)
        tokens[dep] = token
    return tokens, found


def cached(key, deps, build, timeout=24 * 60 * 60):
    """The value stored under `key` if it was built under the current tokens of `deps`;
    otherwise `build()`, stored for next time."""
    tokens, found = tokens_and(deps, [key])
    entry = found.get(key)
    if isinstance(entry, dict) and entry.get("tokens") == tokens:
        return entry["value"]
    value = build()
    cache().set(key, {"tokens": tokens, "value": value}, timeout)
    return value


def invalidate_all():
    """Make every cache entry the site keeps stale, without removing anyone else's keys.

    A new token for each generation turns away whatever was stored under the old ones (pages,
    site data, listings' counts and choices); Wagtail's own entries built from the database
    (the site root paths that page URLs are made from, the locale names) are deleted the way
    Wagtail deletes them when a site or a locale changes. Keys of other sites or applications
    sharing the cache (another CACHE_KEY_PREFIX) are left alone: no `clear()`.
    """
    from wagtail.models import Site

    cache().set_many({gen_key(dep): uuid.uuid4().hex for dep in EVERY_GENERATION}, None)
    Site.clear_site_root_paths_cache()
    caches["default"].delete("wagtail_locales_display_name")


# Replacing tokens --------------------------------------------------------------------------------

_muted = 0


def _replace(deps):
    cache().set_many({gen_key(dep): uuid.uuid4().hex for dep in deps}, None)


def bump(*deps):
    """Replace the token of each dependency, now and again once the transaction commits.

    Now: entries stored from here on no longer match. After the commit: an entry built by a
    concurrent request from data read before the commit is not kept either.
    """
    deps = {dep for dep in deps if dep}
    if _muted or not deps:
        return
    _replace(deps)
    transaction.on_commit(lambda: _replace(deps))


def bump_all():
    """Make every cached entry stale (`invalidate_all`), now and after the commit."""
    if _muted:
        return
    invalidate_all()
    transaction.on_commit(invalidate_all)


def is_muted():
    return bool(_muted)


class muted:
    """Switch invalidation off inside the block (bulk loading); invalidate everything after."""

    def __enter__(self):
        global _muted
        _muted += 1
        return self

    def __exit__(self, *exc):
        global _muted
        _muted -= 1
        if not _muted:
            bump_all()
        return False
