"""Finding the page for a URL with one query for the whole path: the site's one override of
Wagtail's page serving.

Wagtail finds the site (`Site.find_for_request`) and its root page, and calls the root page's
`route`. Its own routing then walks down the tree one level at a time, with two queries per
level (the child by its slug, then its specific row), and its view-restriction check asks two
more (the ancestors, then their restrictions). The home page's `route` hands the path to
`route()` here instead, which loads every page on the path at once by `url_path`, with the
database's answer to whether a view restriction can apply to each, then the specific row of
the page that answers (with the foreign keys its template shows). The rules stay Wagtail's:

- only the page that answers must be live; a missing page anywhere on the path is a 404;
- a page type with a `route` of its own (a routable page) is handed the rest of the path, as
  Wagtail would, and answers for it;
- the pages on the path are kept on the page that answers (its parent for `get_parent()`, its
  ancestors for the breadcrumbs), so they are not fetched again;
- view restrictions are Wagtail's to check, and are read from the database on every request,
  never from a cache: the query that loads the pages on the path also asks whether any view
  restriction exists on each, on any page above it (the tree's root included) or on the page
  it is an alias of. When none does, the page has no restriction to check and
  Wagtail's check needs no query of its own (RoutedPageMixin). When one does, or when that
  question could not be asked with the page, Wagtail's own `get_view_restrictions` decides.
  The question covers at least everything Wagtail checks, so a doubt means Wagtail checks
  (it fails closed).
"""

from django.db.models import F
from django.http import Http404
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.url_routing import RouteResult

from psg.sitedata import Restricted, RestrictedPage

# Set on a routed page: False when the database said no view restriction can apply to it.
RESTRICTED = "psg_restricted"
# Asked for each page row: a restriction on the page or a page above it ...
ON_PATH = "psg_restricted_on_path"
# ... or on the page that this page is an alias of.
ON_COPIED = "psg_restricted_on_copied"


class RoutedPageMixin:
    """For every page type: a page that routing found unrestricted needs no restriction query."""

    # Foreign keys the page's template shows, fetched with the page when it is routed to.
    route_select_related = ()

    def get_view_restrictions(self):
        if getattr(self, RESTRICTED, None) is False:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class RootPageManager(PageManager):
    """The manager of the page type at a site's root (the home page).

    On every request Wagtail loads the site's root page as its own type
    (`site.root_page.specific`, through this manager) before asking it to route. The root
    then comes with the restriction questions answered, so the home page is served without
    loading itself a second time. (Its `route_select_related` is not applied here: every
    page would pay for the join, and only the home page shows the picture.)
    """

    def get_queryset(self):
        return super().get_queryset().annotate(**restriction_questions())


def routed_ancestors(page):
    """The pages above `page` (tree root excluded) that routing loaded, or None."""
    return getattr(page, "_psg_ancestors", None)


def has_own_route(page_class):
    return page_class is not None and page_class.route is not Page.route


def restriction_questions():
    """Two questions for the page of each row, answered by the database in the row's query
    (psg/sitedata.py writes them as plain SQL, cheap to add to any query)."""
    return {ON_PATH: Restricted(F("path")), ON_COPIED: RestrictedPage(F("alias_of_id"))}


def decide(page, chain):
    """Whether a view restriction can apply to `page`, the last of `chain` (the pages from the
    site's root down): a restriction on it or above it, or on the page one of them copies.
    Whatever was not asked of the database counts as yes: Wagtail then checks."""
    answers = [getattr(page, ON_PATH, None)]
    # Of a page that copies none, the database answers False: it is asked all the same.
    answers += [getattr(member, ON_COPIED, None) for member in chain]
    restricted = any(answer is not False for answer in answers)
    setattr(page, RESTRICTED, restricted)
    return page


# What routing reads of each page on the path, and what the pages above the one that answers
# are used for (breadcrumbs, `get_parent()` links): their place, title and address, whether
# they are live, their type and the page they copy. The page that answers is loaded again in
# full as its own type.
PATH_FIELDS = (
    "id",
    "path",
    "depth",
    "slug",
    "title",
    "draft_title",
    "url_path",
    "live",
    "content_type",
    "alias_of",
)


def path_query(root, slugs, prefixes):
    """Every page on the path (base rows), with the restriction questions answered."""
    return (
        Page.objects.filter(
            slug__in=slugs,
            url_path__in=prefixes,
            path__startswith=root.path,
            depth__gt=root.depth,
        )
        .only(*PATH_FIELDS)
        .annotate(**restriction_questions())
        .order_by()  # the rows are looked up by path: no order needed
    )


def fetch(model, pk):
    """The page `pk` as a `model`, with the foreign keys its template shows, in one query."""
    queryset = model._default_manager.filter(pk=pk)
    # Wagtail's own `Page` type has no `route_select_related`.
    related = getattr(model, "route_select_related", None)
    if related:
        queryset = queryset.select_related(*related)
    try:
        return queryset.get()
    except model.DoesNotExist:
        raise Http404 from None


def load_specific(page):
    """The page as its own type, with the foreign keys its template shows (one query); the
    answers to the restriction questions come with the base row."""
    # A page of Wagtail's own `Page` type (or of a type no longer in the code) is loaded
    # in full all the same: the path query loaded only PATH_FIELDS.
    specific = fetch(page.specific_class or Page, page.pk)
    for key, value in page.__dict__.items():
        specific.__dict__.setdefault(key, value)
    return specific


def remember(page, ancestors):
    """Keep on `page` the pages above it that routing loaded (for breadcrumbs), and whether a
    view restriction can apply to it."""
    page._psg_ancestors = list(ancestors)
    return decide(page, [*ancestors, page])


def route(root, request, path_components):
    """Route `path_components` below `root` (the site's root page, as its specific type)."""
    if not path_components:
        if not root.live:
            raise Http404
        if ON_PATH not in root.__dict__:
            # Not loaded by RootPageManager: again, through it (it answers the questions).
            root = fetch(type(root), root.pk)
        return RouteResult(remember(root, []))

    prefixes = []
    url_path = root.url_path
    for component in path_components:
        url_path += component + "/"
        prefixes.append(url_path)
    # `slug` is indexed (`url_path` is not): the slugs pick a few rows out of any number of
    # pages, and the full paths then tell them apart.
    found = {page.url_path: page for page in path_query(root, set(path_components), prefixes)}

    parent = root
    ancestors = [root]
    for index, prefix in enumerate(prefixes):
        page = found.get(prefix)
        if page is None or page.depth != parent.depth + 1 or not page.path.startswith(parent.path):
            raise Http404
        page._cached_parent_obj = parent
        remaining = path_components[index + 1 :]
        if has_own_route(page.specific_class):
            specific = remember(load_specific(page), ancestors)
            return specific.route(request, remaining)
        if not remaining:
            if not page.live:
                raise Http404
            return RouteResult(remember(load_specific(page), ancestors))
        ancestors.append(page)
        parent = page
    raise Http404  # pragma: no cover - the loop always returns or raises
