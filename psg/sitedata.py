"""The main menu and the top-level sections every page shows, kept in the cache; and listings'
public filter, decided by the database.

Which site a request belongs to is Wagtail's to find (`Site.find_for_request`, once per
request), page URLs come from Wagtail's cached site root paths, and the site settings from
Wagtail's `SiteSettings.load(request_or_site=request)` (once per request, with the privacy page
and the share image, `SiteSettings.select_related`).

One cache entry holds each site's top-level sections (the live children of its home page that
no view restriction covers): the main menu is the ones ticked "Show in menus", and
``{% section_url 'news' %}`` finds a section by slug. It is stored under the ``global``
generation, which every change that can alter it replaces (psg/invalidation.py): a structural
change (title, slug, "Show in menus", live) of a top-level page, moving a page, adding or
removing a view restriction, a site. It is read once per request and kept on the request.

Whether a listed page is private is never taken from a cache: `public()` asks the database in
the listing's own query.
"""

from django.db.models import BooleanField, F, Func, Q
from wagtail.models import Page, Site

from . import generations

# The entry's shape is part of its key: a new release never reads an older release's entry.
KEY = "psg:sitedata:4"
SECTION_FIELDS = ("id", "title", "draft_title", "slug", "url_path", "path", "depth")


def get(request=None):
    """The site data, from the request when it was read already, else from the cache."""
    data = getattr(request, "_psg_sitedata", None) if request is not None else None
    if data is None:
        data = generations.cached(KEY, [generations.GLOBAL], build)
        if request is not None:
            request._psg_sitedata = data
    return data


def build():
    roots = {
        site_id: (path, depth)
        for site_id, path, depth in Site.objects.values_list(
            "pk", "root_page__path", "root_page__depth"
        )
    }
    sections = {site_id: [] for site_id in roots}
    if roots:
        children = Q()
        for path, depth in roots.values():
            children |= Q(path__startswith=path, depth=depth + 1)
        rows = public(
            Page.objects.filter(children).live().only(*SECTION_FIELDS, "show_in_menus")
        ).order_by("path")
        for page in rows:
            for site_id, (path, _depth) in roots.items():
                if page.path.startswith(path):
                    sections[site_id].append(page)
    return {"sections": sections}


class Restricted(Func):
    """Whether a view restriction is on the page with this path or on a page above it.

    Wagtail's check asks the same (the page and its ancestors). Written once as plain SQL
    (building the same test from querysets on every request cost more CPU than running it):
    the restrictions table holds a handful of rows, each one's page is found by its key and
    its path compared with the start of the page's own. The page's path comes in as an
    expression (``F("path")``), which Django names correctly in any query, subqueries
    included. The table names are Wagtail's own (its page model is not swappable).
    """

    # Two nested EXISTS rather than a join: with a join, the planner may walk the page table
    # and look each page up among the restrictions, once for every row of the outer query.
    template = (
        "EXISTS (SELECT 1 FROM wagtailcore_pageviewrestriction psg_r WHERE EXISTS ("
        "SELECT 1 FROM wagtailcore_page psg_rp WHERE psg_rp.id = psg_r.page_id"
        " AND substr(%(expressions)s, 1, length(psg_rp.path)) = psg_rp.path))"
    )
    output_field = BooleanField()


class RestrictedPage(Func):
    """Whether a view restriction is on the page with this key (itself, not above it)."""

    template = (
        "EXISTS (SELECT 1 FROM wagtailcore_pageviewrestriction psg_r"
        " WHERE psg_r.page_id = %(expressions)s)"
    )
    output_field = BooleanField()


def public(queryset, request=None):
    """`queryset` without the pages at or below a view restriction, as Wagtail's `.public()`
    leaves them out, asked in the same query (Wagtail's asks one more for the restrictions).

    It reads the database every time: a restriction however it was written hides its pages
    at once. `request` is accepted for the callers' convenience and not used.
    """
    return queryset.filter(~Restricted(F("path")))


def current_site_id(request):
    site = Site.find_for_request(request) if request is not None else None
    return site.pk if site is not None else None


def sections(request):
    site_id = current_site_id(request)
    return get(request)["sections"].get(site_id, []) if site_id is not None else []


def menu(request):
    """The top-level pages editors ticked "Show in menus", in the tree's order."""
    return [page for page in sections(request) if page.show_in_menus]


def section(request, slug):
    for page in sections(request):
        if page.slug == slug:
            return page
    return None
