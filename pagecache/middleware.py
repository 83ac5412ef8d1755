"""Serve anonymous visitors' page views from the cache; store them on the way out.

Placed after WhiteNoise and before the session middleware, so a hit skips sessions,
authentication, CSRF and the page's own queries. Outer middleware (security headers,
Content-Security-Policy) still runs on every response.

A request is looked up only when it is a GET or HEAD without a session or messages cookie,
without an Authorization header, outside the admin, search and preview addresses, and its
query string holds only the listing parameters (page, campaign, topic, year) with sane
values. A response is stored only when it is a 200 from a Wagtail page (not a preview) or
from one of the views in dependencies.VIEW_GROUPS (the news feeds), sets no cookie, is not
marked private/no-store/no-cache, used no CSRF token, and varies on nothing but Cookie and
Accept-Encoding. A response to an address with a query string (a variant of its page) is
stored only when the page accepted every parameter in it as naming something that exists
(psg/variants.py), and while its page has fewer than store.max_variants() variants.
Every response says `X-Cache: HIT` or `MISS`.
"""

import re

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils.cache import cc_delim_re

from psg import variants

from . import store
from .dependencies import VIEW_GROUPS, groups_for_page

LISTING_PARAMS = {
    "page": re.compile(r"^\d{0,5}$"),
    "campaign": re.compile(r"^[-\w]{0,100}$", re.ASCII),
    "topic": re.compile(r"^[-\w]{0,100}$", re.ASCII),
    "year": re.compile(r"^\d{0,4}$"),
}
DEFAULT_SKIPPED_PREFIXES = ("/admin/", "/django-admin/", "/search/", "/preview/", "/documents/")
UNCACHEABLE_DIRECTIVES = {"private", "no-store", "no-cache"}
ALLOWED_VARY = {"cookie", "accept-encoding"}
SKIPPED_HEADERS = {"set-cookie", "x-cache"}


def normalised_query(request):
    """The listing parameters sorted, or None when the query string holds anything else."""
    items = []
    for key in request.GET:
        pattern = LISTING_PARAMS.get(key)
        values = request.GET.getlist(key)
        if pattern is None or len(values) != 1 or not pattern.match(values[0]):
            return None
        items.append(f"{key}={values[0]}")
    return "&".join(sorted(items))


def request_key(request):
    """The cache key of this request, or None if it must not be served from the cache."""
    if request.method not in ("GET", "HEAD") or not store.enabled():
        return None
    path = request.path
    prefixes = getattr(settings, "PSG_PAGECACHE_SKIP_PREFIXES", DEFAULT_SKIPPED_PREFIXES)
    if path.startswith(tuple(prefixes)):
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies:
        return None
    if CookieStorage.cookie_name in cookies:  # messages waiting to be shown
        return None
    if "HTTP_AUTHORIZATION" in request.META:
        return None
    query = normalised_query(request)
    if query is None:
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{request.scheme}://{host}{path}?{query}"


def response_is_storable(request, response):
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if getattr(request, "is_preview", False):
        return False
    # A page with a form has its CSRF cookie set by now (CsrfViewMiddleware sits below this).
    if response.cookies or response.has_header("Set-Cookie"):
        return False
    directives = {
        part.split("=")[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
        if part.strip()
    }
    if directives & UNCACHEABLE_DIRECTIVES:
        return False
    vary = {part.strip().lower() for part in cc_delim_re.split(response.get("Vary", "")) if part}
    return not vary - ALLOWED_VARY


def params_accepted(request):
    """Every listing parameter of the address named something that exists, as the page (or
    view) that read it said: an unknown campaign, topic or year, a page number out of range or
    a parameter the page does not read is rendered, never stored."""
    return set(request.GET) <= variants.accepted(request)


def served_page(request):
    """The Wagtail page that answered this request (marked by the before_serve_page hook)."""
    match = request.resolver_match  # every Django request has one: None until resolved
    if match is None or match.url_name != "wagtail_serve":
        return None
    return getattr(request, "_pagecache_page", None)


def page_path(page, request):
    try:
        return page.get_url_parts(request)[2]
    except Exception:  # noqa: BLE001 - no URL (None) means nothing to key on; do not store
        return None


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        url = request_key(request)
        if url is None:
            return self.mark(self.get_response(request), "MISS")

        entry, gens = store.read(url, request.path)
        if entry is not None and store.is_fresh(entry, gens):
            return self.replay(entry)

        # Generations are read before the page reads any content: a change published
        # while this response renders makes it stale at once.
        response = self.get_response(request)
        deps, owner = self.dependencies(request)
        if deps and response_is_storable(request, response) and params_accepted(request):
            query = url.partition("?")[2]
            store.store(url, deps, gens, self.parts(response), page_path=owner, query=query)
        return self.mark(response, "MISS")

    @staticmethod
    def dependencies(request):
        """What the response shows and the path of the page (or view) it belongs to, or
        (None, None) when it is not a response that may be stored."""
        page = served_page(request)
        if page is not None:
            own_path = page_path(page, request)
            if own_path not in store.path_prefixes(request.path):
                return None, None
            deps = [store.GLOBAL, *sorted(groups_for_page(page)), store.path_dep(own_path)]
            return deps, own_path
        match = request.resolver_match  # every Django request has one: None until resolved
        groups = VIEW_GROUPS.get(match.url_name) if match is not None else None
        if groups is None:
            return None, None
        return [store.GLOBAL, *sorted(groups)], request.path

    @staticmethod
    def mark(response, state):
        response["X-Cache"] = state
        return response

    @staticmethod
    def parts(response):
        headers = [
            (name, value) for name, value in response.items() if name.lower() not in SKIPPED_HEADERS
        ]
        # Only 200s are stored (response_is_storable), HttpResponse's default status.
        return {"headers": headers, "content": response.content}

    def replay(self, entry):
        response = HttpResponse(entry["content"])
        for name, value in entry["headers"]:
            response[name] = value
        return self.mark(response, "HIT")
