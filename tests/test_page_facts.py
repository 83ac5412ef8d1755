"""Page types state their own facts (psg/pages.py): what their cached page shows, what their
changes invalidate, their label and summary in search results, and what their cards load.

A page type that states nothing is treated as showing everything and changing everything, so a
new type can be served stale only if somebody narrows its facts on purpose.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, get_page_models

from campaigns.models import CampaignIndexPage, CampaignPage
from home.models import HomePage, StandardPage
from membership.models import JoinPage
from news.models import NewsArticlePage, NewsIndexPage
from psg.pages import CAMPAIGNS, NEWS, PageFacts
from tests.factories import add_article, publish

SITE_APPS = {"home", "news", "campaigns", "membership"}

# What each page type shows and what its changes invalidate (as its template and the listings
# do), and its label in search results.
EXPECTED_FACTS = {
    HomePage: ({NEWS, CAMPAIGNS}, set(), "Page"),
    StandardPage: (set(), set(), "Page"),
    NewsIndexPage: ({NEWS, CAMPAIGNS}, set(), "Page"),
    NewsArticlePage: ({NEWS, CAMPAIGNS}, {NEWS}, "News"),
    CampaignIndexPage: ({NEWS, CAMPAIGNS}, set(), "Page"),
    CampaignPage: ({NEWS}, {CAMPAIGNS}, "Campaign"),
    JoinPage: (set(), set(), "Page"),
}


def site_page_types():
    return [model for model in get_page_models() if model._meta.app_label in SITE_APPS]


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get("X-Cache")


def warm(client, *urls):
    for url in urls:
        get(client, url)
        assert get(client, url) == "HIT", f"{url} was not served from the cache"


def test_every_site_page_type_states_its_facts():
    """Every page type of the site's apps (a new one included) mixes in PageFacts and states
    its facts on its own class, naming fields it has."""
    models = site_page_types()
    assert set(EXPECTED_FACTS) <= set(models)
    for model in models:
        assert issubclass(model, PageFacts), f"{model.__name__} does not mix in PageFacts"
        # Stated on the class itself, not inherited from the "everything" default.
        for fact in ("cache_shows", "cache_changes", "summary_fields"):
            assert fact in vars(model), f"{model.__name__} does not state {fact}"
        assert model.search_label in {"News", "Campaign", "Page"}, model
        field_names = {field.name for field in model._meta.get_fields()}
        assert set(model.summary_fields) <= field_names, model
        assert set(model.card_fields) <= field_names, model


def test_each_page_type_states_what_its_pages_show():
    for model, (shows, changes, label) in EXPECTED_FACTS.items():
        assert model.shows_groups() == shows, model
        assert model.changes_groups() == changes, model
        assert model.search_label == label, model


@pytest.mark.django_db
def test_a_page_type_that_states_nothing_shows_and_changes_everything(
    site_tree, client, monkeypatch
):
    """A content page declares it shows no listing and its changes show nowhere else. Take
    its declarations away (a new page type that states nothing) and its cached copy follows
    every change of news, and a change to it replaces every listing."""
    home = site_tree["home"]
    about = home.add_child(instance=StandardPage(title="About us", slug="about", intro="Hello."))
    publish(about)

    # As declared: a new article leaves the content page cached; a change to the content
    # page leaves the news list cached.
    warm(client, "/about/", "/news/")
    add_article(site_tree["news"], "First article")
    assert get(client, "/about/") == "HIT"
    warm(client, "/news/")
    about.intro = "Who we are."
    publish(about)
    assert get(client, "/news/") == "HIT"

    # Stating nothing: the defaults of PageFacts apply.
    monkeypatch.delattr(StandardPage, "cache_shows")
    monkeypatch.delattr(StandardPage, "cache_changes")
    warm(client, "/about/", "/news/", "/campaigns/")
    add_article(site_tree["news"], "Second article")
    assert get(client, "/about/") == "MISS"
    warm(client, "/about/", "/news/", "/campaigns/")
    about.intro = "Who we are, and what we do."
    publish(about)
    assert get(client, "/news/") == "MISS"
    assert get(client, "/campaigns/") == "MISS"


def test_the_defaults_are_safe_for_a_class_that_states_nothing():
    class UnknownPage(PageFacts):
        pass

    assert UnknownPage.shows_groups() == {NEWS, CAMPAIGNS}
    assert UnknownPage.changes_groups() == {NEWS, CAMPAIGNS}
    assert UnknownPage.search_label == "Page"


@pytest.mark.django_db
def test_the_meta_description_is_the_search_description_then_the_summary(site_tree, client):
    home = site_tree["home"]
    page = home.add_child(
        instance=StandardPage(title="About us", slug="about", intro="Who   we\nare.")
    )
    publish(page)
    html = client.get("/about/").content.decode()
    assert '<meta name="description" content="Who we are.">' in html
    assert page.summary_text() == "Who we are."

    page.search_description = "The Peru Support Group, since 1983."
    publish(page)
    html = client.get("/about/").content.decode()
    assert '<meta name="description" content="The Peru Support Group, since 1983.">' in html
    # Search results show the page's own words first (its introduction).
    assert page.summary_text() == "Who we are."

    campaigns = site_tree["campaigns"]
    campaigns.intro = "<p>What we <b>campaign</b> for.</p>"
    publish(campaigns)
    html = client.get("/campaigns/").content.decode()
    assert '<meta name="description" content="What we campaign for.">' in html

    home.hero_intro = "Human rights in Peru."
    publish(home)
    assert '<meta name="description" content="Human rights in Peru.">' in (
        client.get("/").content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, card_type",
    [("/news/", NewsArticlePage), ("/campaigns/", CampaignPage), ("/", NewsArticlePage)],
)
def test_a_listing_loads_what_its_cards_show(site_tree, client, url, card_type, settings):
    """Each card shows its page's summary (and date or status) from the fields the listing
    loaded: more cards cost no more queries (a field the card reads but the type's
    card_fields leave out would cost one query per card)."""
    settings.PSG_PAGECACHE_ENABLED = False
    index = site_tree["campaigns"]

    def add(number):
        if card_type is CampaignPage:
            page = index.add_child(
                instance=CampaignPage(
                    title=f"Campaign {number}", slug=f"c{number}", summary=f"Aim {number}."
                )
            )
            return publish(page)
        return add_article(site_tree["news"], f"Article {number}", summary=f"Aim {number}.")

    def visit():
        client.get(url)  # fills the per-process caches and the cached counts first
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        return html, len(queries)

    add(1)
    html, few = visit()
    assert "Aim 1." in html
    for number in range(2, 5):
        add(number)
    html, many = visit()
    for number in range(1, 5):
        assert f'<p class="card__text">Aim {number}.</p>' in html
    assert many == few
    assert set(card_type.card_fields) >= {"title", "summary"}
    assert issubclass(card_type, Page)
