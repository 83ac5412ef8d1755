"""Finding the page for a URL with one query for the whole path.

Wagtail's own routing walks down the tree one level at a time, with two queries per level (the
child by its slug, then its specific row). The home page's `route` hands the remaining path to
`route()` here, which loads every page on the path at once by `url_path`, then the specific row
of the page that answers. The rules stay Wagtail's:

- only the page that answers must be live; a missing page anywhere on the path is a 404;
- a page type with a `route` of its own (a routable page) is handed the rest of the path, as
  Wagtail would, and answers for it;
- the pages on the path are kept on the page that answers (its parent for `get_parent()`, its
  ancestors for the breadcrumbs), so they are not fetched again;
- view restrictions are checked as usual, except that a page which no view restriction covers
  (none of its ancestors or itself is in the cached list of private sections, and no alias is on
  its path) is known to have none without asking the database again (RoutedPageMixin).
"""

from django.http import Http404
from wagtail.models import Page, PageViewRestriction
from wagtail.url_routing import RouteResult

from psg import sitedata


class RoutedPageMixin:
    """For every page type: view restrictions already known from routing are not queried."""

    # Foreign keys the page's template shows, fetched with the page when it is routed to.
    route_select_related = ()

    def get_view_restrictions(self):
        known = getattr(self, "_psg_view_restrictions", None)
        if known is not None:
            return known
        return super().get_view_restrictions()


def routed_ancestors(page):
    """The pages above `page` (tree root excluded) that routing loaded, or None."""
    return getattr(page, "_psg_ancestors", None)


def has_own_route(page_class):
    return page_class is not None and page_class.route is not Page.route


def fetch(model, pk):
    """The page `pk` as a `model`, with the foreign keys its template shows (one query)."""
    queryset = model._default_manager.filter(pk=pk)
    related = getattr(model, "route_select_related", ())
    if related:
        queryset = queryset.select_related(*related)
    page = queryset.first()
    if page is None:
        raise Http404
    return page


def load_specific(page):
    """The page as its own type, with the foreign keys its template shows (one query)."""
    model = page.specific_class
    if model is None or isinstance(page, model):
        return page
    specific = fetch(model, page.pk)
    for key, value in page.__dict__.items():
        specific.__dict__.setdefault(key, value)
    return specific


def load_complete(page):
    """`page` with all its fields: the site's root page comes from the cached site data with
    only the fields every page has (psg/sitedata.py)."""
    if not page.get_deferred_fields():
        return page
    return fetch(type(page), page.pk)


def remember(page, ancestors, root, request):
    """Keep on `page` what routing learnt: its ancestors and whether it can be restricted."""
    page._psg_ancestors = list(ancestors)
    chain = [*ancestors, page]
    no_alias = root.depth == 2 and not any(p.alias_of_id for p in chain)
    if no_alias and not sitedata.is_private(page.path, sitedata.private_paths(request)):
        page._psg_view_restrictions = PageViewRestriction.objects.none()
    return page


def route(root, request, path_components):
    """Route `path_components` below `root` (the site's root page, as its specific type)."""
    if not path_components:
        if not root.live:
            raise Http404
        return RouteResult(remember(load_complete(root), [], root, request))

    prefixes = []
    url_path = root.url_path
    for component in path_components:
        url_path += component + "/"
        prefixes.append(url_path)
    found = {
        page.url_path: page
        # `slug` is indexed (`url_path` is not): the slugs pick a few rows out of any number of
        # pages, and the full paths then tell them apart.
        for page in Page.objects.filter(
            slug__in=set(path_components),
            url_path__in=prefixes,
            path__startswith=root.path,
            depth__gt=root.depth,
        )
    }

    parent = root
    ancestors = [root]
    for index, prefix in enumerate(prefixes):
        page = found.get(prefix)
        if page is None or page.depth != parent.depth + 1 or not page.path.startswith(parent.path):
            raise Http404
        page._cached_parent_obj = parent
        remaining = path_components[index + 1 :]
        if has_own_route(page.specific_class):
            specific = remember(load_specific(page), ancestors, root, request)
            return specific.route(request, remaining)
        if not remaining:
            if not page.live:
                raise Http404
            return RouteResult(remember(load_specific(page), ancestors, root, request))
        ancestors.append(page)
        parent = page
    raise Http404  # pragma: no cover - the loop always returns or raises
