"""What a stored response depends on.

Every cached response depends on the *global* generation (site settings, menus, URLs, images,
view restrictions) and on its own *path* generation (the page itself was published, unpublished
or deleted). On top of that a page depends on the *groups* of content its type shows, which the
page class states itself (`shows_groups()`, psg/pages.py):

- ``news``: the list of live articles (titles, dates, summaries, images, campaigns, topics);
- ``campaigns``: the list of live campaigns (title, summary, status, image).

A page class that states nothing depends on every group: a new listing page can only be served
stale if somebody narrows its groups on purpose. Which changes replace which generations is
psg's business (psg/invalidation.py), not the page cache's.
"""

from psg.generations import CAMPAIGNS, EVERY_GROUP, NEWS

# Views other than Wagtail pages whose responses are stored too: URL name -> groups shown.
VIEW_GROUPS = {
    "news_feed": frozenset({NEWS, CAMPAIGNS}),
    "news_feed_atom": frozenset({NEWS, CAMPAIGNS}),
}


def groups_for_page(page):
    """The groups the page's type shows (every group when its class states nothing)."""
    shows = getattr(type(page), "shows_groups", None)
    return frozenset(shows()) if shows is not None else EVERY_GROUP
