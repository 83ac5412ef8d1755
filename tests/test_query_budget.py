"""Every public page type renders in a fixed number of SQL queries, however much content.

The target is at most 10 queries per page (TARGET); pages that still need more have their
current need as a budget in PAGE_BUDGETS, which may only go down. The test renders every page
with a small site, adds many more articles (in bulk, through the same helper the benchmarks
use) and renders each page again: the number of queries must not grow. Each page is a subtest
of its own, so a failure names the page. The page
cache is off here, so every request really renders; one warm-up request first fills the
per-process caches (site root paths, image renditions), the cached site data and the cached
filter choices, the way any running server has them filled.
"""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.search.backends import get_search_backend

from bench.content import add_articles, ensure_topics, make_images
from home.models import StandardPage
from membership.models import JoinPage
from news.models import NEWS_PER_PAGE, NewsArticlePage
from tests.factories import listed_titles, publish

# The target for every page type, met by all of them today (SQLite and PostgreSQL alike;
# docs/performance.md says where each page's queries go). A page that ever needs more is
# listed in PAGE_BUDGETS with its count and the reason, and its budget may only go down.
TARGET = 10
PAGE_BUDGETS = {}
# From ten articles to a thousand: the count must stay the same.
SMALL, LARGE = 10, 1000

pytestmark = pytest.mark.django_db


class Site:
    def __init__(self, tree):
        self.tree = tree
        self.topics = ensure_topics()
        self.images = make_images(3)
        self.campaigns = [tree["fujimori"], tree["truth"]]
        home = tree["home"]
        about = home.add_child(
            instance=StandardPage(
                title="About PSG",
                slug="about",
                intro="Who we are.",
                show_in_menus=True,
                body=[
                    {"type": "heading", "value": {"text": "Our history", "level": "h2"}},
                    {"type": "paragraph", "value": "<p>Founded in 1992 for human rights.</p>"},
                    {
                        "type": "image",
                        "value": {
                            "image": {
                                "image": self.images[0].pk,
                                "alt_text": "Hills",
                                "decorative": False,
                            },
                            "caption": "The Andes.",
                        },
                    },
                ],
            )
        )
        publish(about)
        tree["news"].show_in_menus = True
        publish(tree["news"])
        home.featured_campaigns.create(campaign=tree["fujimori"])
        home.featured_campaigns.create(campaign=tree["truth"])
        publish(home)
        self.join = publish(home.add_child(instance=JoinPage(title="Join", slug="join")))
        self.count = 0

    def grow_to(self, total, index=False):
        news = self.tree["news"]
        added = add_articles(
            news,
            total - self.count,
            campaigns=self.campaigns,
            topics=self.topics,
            images=self.images,
            seed=total,
            uniform=True,
        )
        self.count += added
        if index:
            # Index what was added so that search has as much to find as a real site (only
            # search reads the index, and indexing a thousand articles takes most of the time).
            articles = list(NewsArticlePage.objects.live().order_by("-pk")[:added])
            get_search_backend().add_bulk(NewsArticlePage, articles)

    def last_page(self, filtered=False):
        articles = NewsArticlePage.objects.live()
        if filtered:
            articles = articles.filter(campaigns__slug="fujimori-extradition")
        return max(1, math.ceil(articles.count() / NEWS_PER_PAGE))

    def article(self):
        """The same article at every size: one from the first batch, in the middle of it."""
        if not hasattr(self, "_article"):
            articles = NewsArticlePage.objects.live().order_by("-date", "-pk")
            self._article = articles[articles.count() // 2]
        return self._article

    def url(self, name):
        urls = {
            "home": lambda: "/",
            "news index, page 1": lambda: "/news/",
            "news index, last page": lambda: f"/news/?page={self.last_page()}",
            "news index by campaign": lambda: "/news/?campaign=fujimori-extradition",
            "news index by campaign, last page": lambda: (
                f"/news/?campaign=fujimori-extradition&page={self.last_page(filtered=True)}"
            ),
            "news index by topic and year": lambda: "/news/?topic=justice&year=2026",
            "article": lambda: self.article().url,
            "campaign index": lambda: "/campaigns/",
            "campaign hub": lambda: "/campaigns/fujimori-extradition/",
            "content page": lambda: "/about/",
            "search": lambda: "/search/?q=peru",
            "search, page 2": lambda: "/search/?q=justice&page=2",
            "news feed": lambda: "/news/feed/",
            "join page": lambda: "/join/",
        }
        return urls[name]()


PAGES = [
    "home",
    "news index, page 1",
    "news index, last page",
    "news index by campaign",
    "news index by campaign, last page",
    "news index by topic and year",
    "article",
    "campaign index",
    "campaign hub",
    "content page",
    "search",
    "search, page 2",
    "news feed",
    "join page",
]


@pytest.fixture
def site(site_tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PSG_PAGECACHE_ENABLED = False
    return Site(site_tree)


def render(client, url):
    """Warm up, then count the queries of a second, identical request."""
    warm = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == warm.status_code
    return response, [query["sql"] for query in queries.captured_queries]


def measured(client, site):
    """Each page's address, status and queries, with the site as it is now."""
    pages = {}
    for name in PAGES:
        url = site.url(name)
        response, queries = render(client, url)
        if name.startswith("search"):
            # Its statistics get a savepoint (SAVEPOINT, RELEASE) only because a test runs
            # inside a transaction: the site runs in autocommit and never sends it
            # (tests/test_search_popular.py), so it is not counted.
            savepoint = ("SAVEPOINT", "RELEASE SAVEPOINT")
            queries = [q for q in queries if not q.startswith(savepoint)]
        pages[name] = (url, response.status_code, queries)
    return pages


def test_queries_do_not_grow_with_content_and_stay_within_budget(client, site, subtests):
    """Every page type, rendered with SMALL articles and again with LARGE (one site grown
    once, each page a subtest of its own)."""
    site.grow_to(SMALL, index=True)
    before = measured(client, site)
    site.grow_to(LARGE, index=True)
    after = measured(client, site)
    for name in PAGES:
        with subtests.test(page=name):
            (small_url, small_status, small), (url, status, large) = before[name], after[name]
            # Every page in PAGES exists: a missing or broken one fails here, never skipped.
            assert small_status == 200, small_url
            assert status == 200, url
            grew = (
                f"{name}: {len(small)} queries with {SMALL} articles, {len(large)} with {LARGE}\n"
            )
            if name.startswith("search"):
                # A page of search results reads the pictures in its results' bodies (for
                # their snippets), once for all the results of a page type
                # (tests/test_search_results_queries.py), so the count follows what the ten
                # results are, never how many pages the site has: it may fall as the site
                # grows and the results change; it must not rise.
                assert len(large) <= len(small) + 2, grew + "\n".join(large)
            else:
                assert len(large) == len(small), grew + "\n".join(large)
            budget = PAGE_BUDGETS.get(name, TARGET)
            assert len(large) <= budget, f"{name} ({url}): {len(large)} queries\n" + "\n".join(
                large
            )


def test_bulk_articles_are_complete_pages(client, site):
    """The benchmark helper writes articles a visitor and an editor can use like any other."""
    site.grow_to(25)
    article = NewsArticlePage.objects.live().order_by("pk").last()
    assert article.get_parent().specific == site.tree["news"]
    assert article.body and article.summary
    response = client.get(article.url)
    assert response.status_code == 200
    assert article.title in response.content.decode()
    # Tree bookkeeping is right, so an editor can still add an article the ordinary way.
    news = site.tree["news"]
    news.refresh_from_db()
    assert news.numchild == NewsArticlePage.objects.child_of(news).count() == 25
    extra = news.add_child(instance=NewsArticlePage(title="Added by an editor", summary="x"))
    assert extra.get_parent().pk == news.pk


def test_a_short_campaign_list_is_not_counted_and_a_long_one_is_paged(client, site):
    """Campaigns that fit on one page come in one query, without a count; a longer list is
    counted and paged, its second page showing the rest."""
    from campaigns.models import CAMPAIGNS_PER_PAGE, CampaignPage

    response, queries = render(client, "/campaigns/")
    assert "Truth Commission" in response.content.decode()
    assert not [sql for sql in queries if "COUNT(" in sql], queries
    index = site.tree["campaigns"]
    for number in range(CAMPAIGNS_PER_PAGE - 1):
        index.add_child(
            instance=CampaignPage(title=f"Campaign {number:02}", slug=f"c{number}", summary="x")
        )
    first, queries = render(client, "/campaigns/")
    assert [sql for sql in queries if "COUNT(" in sql], queries
    second, _ = render(client, "/campaigns/?page=2")
    first_titles = set(listed_titles(first.content.decode()))
    second_titles = set(listed_titles(second.content.decode()))
    assert len(first_titles) == CAMPAIGNS_PER_PAGE and len(second_titles) == 1
    assert first_titles.isdisjoint(second_titles)
