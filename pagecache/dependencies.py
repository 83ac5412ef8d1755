"""What each page type shows, and what each change invalidates: the one dependency map.

Every cached response depends on the *global* generation (site settings, menus, URLs, images,
view restrictions) and on its own *path* generation (the page itself was published, unpublished
or deleted). On top of that a page depends on the *groups* it lists:

- ``news``: the list of live articles (titles, dates, summaries, images, campaigns, topics).
  Shown by the news index and its feeds, every article (previous/next and related articles),
  the home page (latest news), campaign hubs (timeline, latest news, article count) and the
  campaign index.
- ``campaigns``: the list of live campaigns (title, summary, status, image). Shown by the home
  page (featured campaigns), the campaign index, the news index (campaign filter) and articles
  (campaign tags).

A page type missing from PAGE_GROUPS depends on every group: a new listing page can only be
served stale if somebody removes it from the "every group" default on purpose.
"""

from psg.generations import CAMPAIGNS, GLOBAL, NEWS

ALL_GROUPS = frozenset({NEWS, CAMPAIGNS})

# Page type (app_label.modelname) -> the groups its template shows.
PAGE_GROUPS = {
    "home.homepage": frozenset({NEWS, CAMPAIGNS}),
    "home.standardpage": frozenset(),
    "news.newsindexpage": frozenset({NEWS, CAMPAIGNS}),
    "news.newsarticlepage": frozenset({NEWS, CAMPAIGNS}),
    "campaigns.campaignindexpage": frozenset({CAMPAIGNS, NEWS}),
    "campaigns.campaignpage": frozenset({NEWS}),
    "membership.joinpage": frozenset(),
}

# Views other than Wagtail pages whose responses are stored too: URL name -> groups shown.
VIEW_GROUPS = {
    "news_feed": frozenset({NEWS, CAMPAIGNS}),
    "news_feed_atom": frozenset({NEWS, CAMPAIGNS}),
}

# Page type -> the groups that change when a page of this type is published, changed,
# unpublished or deleted.
PAGE_CHANGE_BUMPS = {
    "news.newsarticlepage": frozenset({NEWS}),
    "campaigns.campaignpage": frozenset({CAMPAIGNS}),
}

# Other models whose changes are shown on pages: model label -> groups, or GLOBAL.
MODEL_CHANGE_BUMPS = {
    "news.topic": frozenset({NEWS}),
    "psg.sitesettings": GLOBAL,
    "wagtailcore.site": GLOBAL,
    "wagtailcore.pageviewrestriction": GLOBAL,
    "wagtailimages.image": GLOBAL,
    "wagtaildocs.document": GLOBAL,
}

# Rows of these models show nowhere when they are first created: a new image or document is
# on no page yet; site settings are created with their defaults the first time a page reads
# them (in the middle of rendering it).
INVISIBLE_WHEN_CREATED = frozenset(
    {"wagtailimages.image", "wagtaildocs.document", "psg.sitesettings"}
)

# Page fields whose change can show outside the page itself: in the main menu (children of
# the home page), in breadcrumbs (pages with children) and in every URL below the page.
STRUCTURAL_FIELDS = ("title", "slug", "show_in_menus", "live")

# Page.save(update_fields=...) with only these fields changes nothing a visitor sees
# (saving a draft revision, locking, scheduling).
BOOKKEEPING_FIELDS = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
        "go_live_at",
        "expire_at",
        "owner",
        "numchild",
        "wagtail_admin_comments",
        "comments",
    }
)


def groups_for_page(page):
    return PAGE_GROUPS.get(type(page)._meta.label_lower, ALL_GROUPS)


def bumps_for_page_change(page_class):
    return PAGE_CHANGE_BUMPS.get(page_class._meta.label_lower, frozenset())
