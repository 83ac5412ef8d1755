"""The one place that builds the main menu and the breadcrumbs.

Both are a single query each: the menu is the live, public children of the site's home page
that editors ticked "Show in menus" for; the breadcrumbs are the page's ancestors below the
tree's root.
"""

from django.db.models import Subquery
from wagtail.models import Page, Site


def main_menu(request, current_page=None):
    """The menu items as dicts: title, url and whether the current page is in that section."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return []
    # The children of the site's root page, found without loading the root page first.
    root = Page.objects.filter(pk=site.root_page_id)
    items = (
        Page.objects.filter(
            path__startswith=Subquery(root.values("path")[:1]),
            depth=Subquery(root.values("depth")[:1]) + 1,
        )
        .live()
        .public()
        .in_menu()
        .only("id", "title", "url_path", "path", "depth", "draft_title")
        .order_by("path")
    )
    current_path = getattr(current_page, "path", None)
    menu = []
    for item in items:
        menu.append(
            {
                "title": item.title,
                "url": item.get_url(request),
                "active": bool(current_path and current_path.startswith(item.path)),
                "current": bool(current_page is not None and current_page.pk == item.pk),
            }
        )
    return menu


def breadcrumbs(page, request=None):
    """Ancestors of `page` from the home page down, without the tree's root and the page itself.

    Empty on the home page (nothing to lead back to).
    """
    if page is None or getattr(page, "depth", 0) <= 2:
        return []
    ancestors = (
        Page.objects.ancestor_of(page)
        .filter(depth__gt=1)
        .only("id", "title", "url_path", "path", "depth", "draft_title")
        .order_by("depth")
    )
    return [
        {"title": "Home" if a.depth == 2 else a.title, "url": a.get_url(request)} for a in ancestors
    ]
