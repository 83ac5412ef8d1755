"""What every page shows around its content, kept in the cache: no query on a warm request.

One cache entry holds:

- the sites (with their root pages, as their own page type but with only the fields every
  page has), so that finding the site of a request and routing below its root need no query;
- the site settings (footer, social links, share image, privacy page);
- each site's top-level sections (the live, public children of its home page): the main menu
  is the ones ticked "Show in menus", and ``{% section_url 'news' %}`` finds a section by slug;
- the paths of the pages that carry a view restriction (login, password, groups): listings
  leave out everything below them (``public()``), and routing skips the restriction queries
  for pages outside them;
- Wagtail's site root paths (``Site.get_site_root_paths()``), which every page URL is made
  from: kept on the request, so ``{% pageurl %}`` needs no cache lookup of its own.

The entry is stored under the page cache's ``global`` generation, which every change that can
alter it replaces (pagecache/signals.py, pagecache/dependencies.py): saving the site settings or
a site, a structural change (title, slug, "Show in menus", live) of a top-level page or of the
settings' privacy page, moving a page, adding or removing a view restriction. It is read once
per request and kept on the request.
"""

from django.db.models import Q
from django.http.request import split_domain_port
from wagtail.models import Page, PageViewRestriction, Site

from . import generations

# The entry's shape is part of its key: a new release never reads an older release's entry.
KEY = "psg:sitedata:3"
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
    from .models import SiteSettings

    sites = list(Site.objects.select_related("root_page"))
    for site in sites:
        # The root page as its own type (Wagtail routes through it) without its own fields:
        # routing below it needs only its place in the tree, and the root page itself is
        # loaded afresh when it answers (psg/routing.py).
        site.root_page = site.root_page.get_specific(deferred=True)
    private_paths = tuple(
        sorted(set(PageViewRestriction.objects.values_list("page__path", flat=True)))
    )
    site_settings = SiteSettings.base_queryset().select_related("privacy_page", "share_image")
    site_settings = site_settings.first() or SiteSettings.objects.create()
    roots = {site.pk: site.root_page for site in sites}
    sections = {site_id: [] for site_id in roots}
    if roots:
        children = Q()
        for root in roots.values():
            children |= Q(path__startswith=root.path, depth=root.depth + 1)
        rows = (
            Page.objects.filter(children)
            .live()
            .only(*SECTION_FIELDS, "show_in_menus")
            .order_by("path")
        )
        for page in rows:
            if is_private(page.path, private_paths):
                continue
            for site_id, root in roots.items():
                if page.path.startswith(root.path):
                    sections[site_id].append(page)
    return {
        "sites": sites,
        "root_paths": Site.get_site_root_paths(),
        "settings": site_settings,
        "private_paths": private_paths,
        "sections": sections,
    }


def is_private(path, private_paths):
    return any(path.startswith(private) for private in private_paths)


# The site of a request ---------------------------------------------------------------------------


def find_site(sites, hostname, port):
    """Site.find_for_request's choice, made from the cached list of sites.

    The same order of preference as Wagtail's: hostname and port, hostname on the default
    site, the default site (or the only other site with that hostname), a hostname match.
    """
    ranked = []
    for site in sites:
        if site.hostname == hostname and site.port == port:
            rank = 0
        elif site.hostname == hostname and site.is_default_site:
            rank = 1
        elif site.is_default_site:
            rank = 2
        elif site.hostname == hostname:
            rank = 3
        else:
            continue
        ranked.append((rank, site))
    ranked.sort(key=lambda item: item[0])
    if not ranked:
        return None
    if len(ranked) == 1 or ranked[0][0] in (0, 1):
        return ranked[0][1]
    if ranked[0][0] == 2:
        return ranked[len(ranked) == 2][1]
    return None


def site_for_request(request):
    hostname = split_domain_port(request._get_raw_host())[0]
    return find_site(get(request)["sites"], hostname, request.get_port())


def prime_site(request):
    """Let Wagtail's Site.find_for_request, and the page URLs made with this request, answer
    from the cached site data."""
    if not hasattr(request, "_wagtail_site"):
        request._wagtail_site = site_for_request(request)
    if not hasattr(request, "_wagtail_cached_site_root_paths"):
        request._wagtail_cached_site_root_paths = get(request)["root_paths"]


def current_site_id(request):
    site = Site.find_for_request(request) if request is not None else None
    return site.pk if site is not None else None


# What pages show --------------------------------------------------------------------------------


def site_settings(request):
    return get(request)["settings"]


def private_paths(request=None):
    return get(request)["private_paths"]


def public(queryset, request=None):
    """`queryset` without the pages at or below a view restriction (Wagtail's `.public()`
    without its query for the list of restrictions)."""
    paths = private_paths(request)
    if not paths:
        return queryset
    below = Q()
    for path in paths:
        below |= Q(path__startswith=path)
    return queryset.exclude(below)


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
