"""Routing a URL to its page in one query (psg/routing.py) keeps Wagtail's rules."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, PageViewRestriction

from editorial.models import SharedDraftLink
from home.models import StandardPage
from membership.models import JoinPage
from news.models import NewsArticlePage
from psg import routing

pytestmark = pytest.mark.django_db


def publish(page):
    page.save_revision().publish()
    return page


def add(parent, title, slug, live=True, **fields):
    page = parent.add_child(instance=StandardPage(title=title, slug=slug, **fields))
    return publish(page) if live else page


@pytest.fixture
def tree(site_tree, settings):
    settings.PSG_PAGECACHE_ENABLED = False
    home = site_tree["home"]
    about = add(home, "About us", "about")
    history = add(about, "History", "history")
    founding = add(history, "Founding", "founding")
    year = add(founding, "1992", "1992")
    draft = add(about, "Draft", "draft", live=False)
    under_draft = add(draft, "Under a draft", "under-draft")
    draft.refresh_from_db()
    draft.unpublish()
    top_history = add(home, "History of Peru", "history")
    accents = add(home, "Perú hoy", "perú")
    article = site_tree["news"].add_child(
        instance=NewsArticlePage(title="Ruling in Lima", slug="ruling", summary="A ruling.")
    )
    publish(article)
    join = publish(home.add_child(instance=JoinPage(title="Become a member", slug="join")))
    return dict(
        site_tree,
        about=about,
        history=history,
        founding=founding,
        year=year,
        draft=draft,
        under_draft=under_draft,
        top_history=top_history,
        accents=accents,
        article=article,
        join=join,
    )


def title_of(response):
    return response.content.decode().split("<title>", 1)[1].split("</title>", 1)[0]


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/", "Peru Support Group"),
        ("/about/", "About us"),
        ("/about/history/", "History"),
        ("/about/history/founding/", "Founding"),
        ("/about/history/founding/1992/", "1992"),
        ("/history/", "History of Peru"),
        ("/news/ruling/", "Ruling in Lima"),
        ("/campaigns/fujimori-extradition/", "Fujimori extradition"),
    ],
)
def test_pages_at_every_depth(client, tree, url, title):
    response = client.get(url)
    assert response.status_code == 200, url
    assert title_of(response).startswith(title)


def test_routing_needs_the_same_queries_at_every_depth(client, tree):
    counts = {}
    for url in ("/about/", "/about/history/founding/1992/"):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    assert counts["/about/"] == counts["/about/history/founding/1992/"]


def test_breadcrumbs_and_parent_come_from_the_routed_pages(rf, tree):
    home = tree["home"]
    request = rf.get("/about/history/founding/")
    result = home.route(request, ["about", "history", "founding"])
    page = result.page
    assert isinstance(page, StandardPage) and page.pk == tree["founding"].pk
    with CaptureQueriesContext(connection) as queries:
        assert page.get_parent().pk == tree["history"].pk
        assert [p.title for p in routing.routed_ancestors(page)] == [
            "Peru Support Group",
            "About us",
            "History",
        ]
        assert list(page.get_view_restrictions()) == []
    assert len(queries) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/about/draft/",  # a draft
        "/nope/",  # no such page
        "/about/nope/",  # no such child
        "/about/history/nope/",
        "/about/history/founding/1992/nope/",
        "/news/ruling/more/",  # below a page that has no children
        "/join/nope/",  # a routable page without that route
    ],
)
def test_not_found(client, tree, url):
    assert client.get(url).status_code == 404


def test_a_live_page_under_a_draft_is_served_as_wagtail_serves_it(client, tree):
    assert client.get("/about/draft/").status_code == 404
    assert client.get("/about/draft/under-draft/").status_code == 200


def test_unicode_slugs_and_trailing_slash(client, tree):
    response = client.get("/per%C3%BA/")
    assert response.status_code == 200
    assert title_of(response).startswith("Perú hoy")
    no_slash = client.get("/about/history")
    assert no_slash.status_code == 301 and no_slash["Location"] == "/about/history/"


def test_routable_pages_keep_their_routes(client, tree):
    assert client.get("/join/").status_code == 200
    thank_you = client.get("/join/thank-you/")
    assert thank_you.status_code == 200
    assert "Thank you" in thank_you.content.decode()


def test_the_feeds_keep_their_addresses(client, tree):
    rss = client.get("/news/feed/")
    assert rss.status_code == 200 and "Ruling in Lima" in rss.content.decode()
    atom = client.get("/news/feed/atom/")
    assert atom.status_code == 200 and "<feed" in atom.content.decode()
    campaign = client.get("/news/feed/?campaign=fujimori-extradition")
    assert campaign.status_code == 200
    assert client.get("/news/feed/?campaign=nope").status_code == 404


def test_private_pages_stay_private(client, tree):
    history = Page.objects.get(pk=tree["history"].pk)
    PageViewRestriction.objects.create(page=history, restriction_type=PageViewRestriction.LOGIN)
    for url in ("/about/history/", "/about/history/founding/1992/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]
    assert client.get("/about/").status_code == 200
    user = get_user_model().objects.create_user("member", "member@example.org", "pw")
    client.force_login(user)
    assert client.get("/about/history/founding/1992/").status_code == 200


def test_password_and_group_restrictions(client, tree):
    founding = Page.objects.get(pk=tree["founding"].pk)
    PageViewRestriction.objects.create(
        page=founding, restriction_type=PageViewRestriction.PASSWORD, password="andes"
    )
    response = client.get("/about/history/founding/1992/")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert "1992 |" not in title_of(response)

    trustees = Group.objects.create(name="Trustees")
    restriction = PageViewRestriction.objects.create(
        page=Page.objects.get(pk=tree["top_history"].pk),
        restriction_type=PageViewRestriction.GROUPS,
    )
    restriction.groups.add(trustees)
    user = get_user_model().objects.create_user("member", "member@example.org", "pw")
    client.force_login(user)
    assert client.get("/history/").status_code == 302
    user.groups.add(trustees)
    assert client.get("/history/").status_code == 200


def test_an_alias_on_the_path_is_checked_as_wagtail_checks_it(client, tree):
    history = Page.objects.get(pk=tree["history"].pk).specific
    alias = history.create_alias(
        parent=Page.objects.get(pk=tree["campaigns"].pk), update_slug="history-alias"
    )
    PageViewRestriction.objects.create(page=history, restriction_type=PageViewRestriction.LOGIN)
    request = RequestFactory().get("/")
    result = tree["home"].route(request, ["campaigns", "history-alias"])
    assert result.page.pk == alias.pk
    # An alias takes the restrictions of the page it copies.
    assert [r.page_id for r in result.page.get_view_restrictions()] == [history.pk]


@pytest.mark.parametrize(
    "path",
    [
        "",
        "about",
        "about/history/founding/1992",
        "about/draft",
        "about/draft/under-draft",
        "history",
        "nope",
        "about/nope",
        "news/ruling",
        "news/ruling/more",
        "join",
        "join/thank-you",
        "join/nope",
    ],
)
def test_the_same_answer_as_wagtails_own_routing(rf, tree, path):
    home = tree["home"]
    components = [part for part in path.split("/") if part]

    def answer(route):
        try:
            result = route(rf.get("/" + path), components)
        except Http404:
            return None
        return (result.page.pk, type(result.page), result.args, result.kwargs)

    ours = answer(home.route)
    wagtails = answer(lambda request, parts: Page.route(home, request, parts))
    if ours and ours[2]:  # a routable page's view: compare its name, not the bound method
        ours = (*ours[:2], ours[2][0].__name__, ours[2][1:], ours[3])
        wagtails = (*wagtails[:2], wagtails[2][0].__name__, wagtails[2][1:], wagtails[3])
    assert ours == wagtails


def breadcrumb_links(html):
    nav = html.split('aria-label="Breadcrumb"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a [^>]*href="([^"]*)"', nav)


def test_a_page_served_without_routing_still_has_its_breadcrumbs(client, tree):
    """A shared draft link serves the page without routing it: its ancestors come from the
    database instead of from the routed pages."""
    link = SharedDraftLink.objects.create(page=Page.objects.get(pk=tree["founding"].pk))
    routed = client.get("/about/history/founding/")
    shared = client.get(link.get_absolute_url())
    assert shared.status_code == 200
    assert breadcrumb_links(routed.content.decode()) == ["/", "/about/", "/about/history/"]
    assert breadcrumb_links(shared.content.decode()) == ["/", "/about/", "/about/history/"]


def test_an_articles_picture_comes_with_it_in_the_routing_queries(rf, tree, settings, tmp_path):
    """One query for the path, one for the article with the picture its template shows; the
    picture then needs no query of its own."""
    settings.MEDIA_ROOT = tmp_path
    picture = get_image_model().objects.create(title="Ruling", file=get_test_image_file())
    article = NewsArticlePage.objects.get(pk=tree["article"].pk)
    article.image = picture
    publish(article)
    tree["home"].route(rf.get("/news/ruling/"), ["news", "ruling"])  # the site data, cached
    with CaptureQueriesContext(connection) as queries:
        page = tree["home"].route(rf.get("/news/ruling/"), ["news", "ruling"]).page
        assert page.image.title == "Ruling"
    assert isinstance(page, NewsArticlePage)
    assert len(queries) == 2, [q["sql"] for q in queries]


def test_the_home_page_is_served_from_the_row_wagtail_loads_for_the_site(client, tree):
    """Wagtail loads the site's root page as its own type before routing; the home page is
    served from that row (with its restriction questions answered) rather than loaded again."""
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    home_rows = [q["sql"] for q in queries if 'FROM "home_homepage"' in q["sql"]]
    assert len(home_rows) == 1, home_rows
    assert "wagtailcore_pageviewrestriction" in home_rows[0]
