"""What a visitor typed comes back escaped, wherever the search page shows it.

The search page echoes the query in the page title, the search box, the "N results for …"
line, the pagination links, the "search everything" link and, once logged, the popular
searches. Every query below is hostile markup made of words that the pages really contain,
so the search finds results and the page takes its "results" branch, not "No results".
"""

from html import escape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from wagtail.search.utils import normalise_query_string

from news.models import NewsArticlePage
from search.views import RESULTS_PER_PAGE
from tests.factories import add_article

SEARCH_URL = "/search/"
# Two pages of results.
ARTICLES = RESULTS_PER_PAGE + 2
HOSTILE_QUERIES = [
    'alpaca <script>alert("pwned")</script>',
    "alpaca \"><img src=x onerror=alert('pwned')>",
    "alpaca &lt;b&gt;pwned&lt;/b&gt; &amp;",
]


class Echoes(HTMLParser):
    """The places of a page that echo the query, as a browser reads them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.summary = ""
        self.search_box = None
        self.pagination_links = []
        self.links = []
        self._in = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("id") == "search-q":
            self.search_box = attrs.get("value")
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
            if "pagination" in self._in:
                self.pagination_links.append(attrs["href"])
        if tag == "title":
            self._in.append("title")
        elif tag == "p" and attrs.get("class") == "search-summary":
            self._in.append("summary")
        elif tag == "nav" and attrs.get("class") == "pagination":
            self._in.append("pagination")

    def handle_endtag(self, tag):
        if self._in and (tag, self._in[-1]) in {
            ("title", "title"),
            ("p", "summary"),
            ("nav", "pagination"),
        }:
            self._in.pop()

    def handle_data(self, data):
        if "title" in self._in:
            self.title += data
        if "summary" in self._in:
            self.summary += data


def echoes(html):
    parser = Echoes()
    parser.feed(html)
    return parser


def query_of(href):
    return parse_qs(urlsplit(href).query).get("q")


@pytest.fixture
def alpacas(site_tree):
    """Articles whose text holds every word of the hostile queries."""
    for number in range(ARTICLES):
        add_article(
            site_tree["news"],
            f"Alpaca herders' website attacked ({number})",
            days_ago=number,
            body=[
                (
                    "paragraph",
                    "<p>The attackers pwned it with an alert script in an img tag (src x, "
                    "onerror), and with lt, gt, b and amp entities.</p>",
                )
            ],
        )
    assert NewsArticlePage.objects.live().count() == ARTICLES
    return site_tree


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE_QUERIES)
@pytest.mark.parametrize("page", ["1", "2"])
def test_a_hostile_query_that_finds_results_is_echoed_escaped(client, alpacas, query, page):
    response = client.get(SEARCH_URL, {"q": query, "page": page})
    assert response.status_code == 200
    assert response.context["total"] == ARTICLES, "the query must find the articles"
    html = response.content.decode()
    shown = escape(query)
    # Nowhere is the query written out as markup.
    assert query not in html

    # The "N results for …" line, the page title and the search box: escaped in the HTML...
    assert f"{ARTICLES} results for <strong>“{shown}”</strong>" in html
    assert f"<title>Search results for “{shown}” | " in html
    assert f'type="search" name="q" value="{shown}"' in html
    # ...so that a browser shows exactly what was typed, and nothing else.
    page_echoes = echoes(html)
    assert f"{ARTICLES} results for “{query}”." in " ".join(page_echoes.summary.split())
    assert page_echoes.title.startswith(f"Search results for “{query}” | ")
    assert page_echoes.search_box == query

    # The pagination links carry the query, encoded, and their "&" escaped.
    assert page_echoes.pagination_links
    for href in page_echoes.pagination_links:
        assert query_of(href) == [query], href
        assert escape(href) in html, f"{href} is not escaped in the page"


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_search_everything_link_keeps_a_hostile_query(client, alpacas, query):
    """With a filter that finds nothing, the page offers the same search without filters."""
    response = client.get(SEARCH_URL, {"q": query, "type": "campaign"})
    assert response.status_code == 200
    html = response.content.decode()
    assert query not in html
    assert f"No results for <strong>“{escape(query)}”</strong> with these filters." in html
    everything = [
        href for href in echoes(html).links if href.startswith(SEARCH_URL) and query_of(href)
    ]
    assert everything, "no 'search everything' link"
    assert [query_of(href) for href in everything] == [[query]]
    assert escape(everything[0]) in html


@pytest.mark.django_db
def test_popular_searches_show_logged_hostile_queries_escaped(client, alpacas):
    """A query searched for is logged and may come back to every visitor as a popular
    search: it is shown as text, and its link searches for it again."""
    for query in HOSTILE_QUERIES:
        assert client.get(SEARCH_URL, {"q": query}).context["total"] == ARTICLES
    html = client.get(SEARCH_URL).content.decode()
    links = echoes(html).links
    for query in HOSTILE_QUERIES:
        logged = normalise_query_string(query)
        assert logged not in html
        assert f">{escape(logged)}</a>" in html
        assert [logged] in [query_of(href) for href in links], logged
    assert "<script>alert" not in html and "<img src=x" not in html
