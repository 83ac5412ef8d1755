"""The one place that builds the main menu and the breadcrumbs.

Neither needs a query on a served page: the menu is the live, public children of the site's
home page that editors ticked "Show in menus", kept in the cached site data (psg/sitedata.py);
the breadcrumbs are the page's ancestors below the tree's root, which routing already loaded
(psg/routing.py). A page reached another way (a preview) has its ancestors fetched in one query.
"""

from wagtail.models import Page

from psg import routing, sitedata


def main_menu(request, current_page=None):
    """The menu items as dicts: title, url and whether the current page is in that section."""
    if request is None:
        return []
    current_path = getattr(current_page, "path", None)
    return [
        {
            "title": item.title,
            "url": item.get_url(request),
            "active": bool(current_path and current_path.startswith(item.path)),
            "current": bool(current_page is not None and current_page.pk == item.pk),
        }
        for item in sitedata.menu(request)
    ]


def breadcrumbs(page, request=None):
    """Ancestors of `page` from the home page down, without the tree's root and the page itself.

    Empty on the home page (nothing to lead back to).
    """
    if page is None or getattr(page, "depth", 0) <= 2:
        return []
    ancestors = routing.routed_ancestors(page)
    if ancestors is None:
        ancestors = (
            Page.objects.ancestor_of(page)
            .filter(depth__gt=1)
            .only("id", "title", "url_path", "path", "depth", "draft_title")
            .order_by("depth")
        )
    return [
        {"title": "Home" if a.depth == 2 else a.title, "url": a.get_url(request)}
        for a in ancestors
        if a.depth > 1
    ]
