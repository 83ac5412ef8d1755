"""What a visitor sees on every page: the layout (landmarks, menu, breadcrumbs, footer), the home
page, content pages and campaigns, and pages gone once unpublished. News listings and articles
are in test_templates_news.py, pictures in test_templates_images.py. The content they share
(`news`, `topics`, `menu`) comes from tests/conftest.py."""

import datetime
import re

import pytest
from wagtail.models import Page, PageViewRestriction

from campaigns.models import CampaignMilestone, CampaignPage
from home.models import HomeFeaturedCampaign, StandardPage
from psg.models import SiteSettings
from tests.factories import html_of, listed_titles

# Layout: menu, breadcrumbs, footer, search form


def test_base_layout_has_landmarks_skip_link_menu_and_search(client, menu, site_tree):
    html = html_of(client, "/")
    assert '<html lang="en-GB">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html
    nav = re.search(r'<nav class="main-nav" aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", nav) == ["News", "Campaigns", "About us"]
    assert 'action="/search/"' in html and 'name="q"' in html
    assert '<label class="visually-hidden" for="site-search-q">' in html


def test_menu_leaves_out_pages_not_in_menus_drafts_and_private_pages(client, menu, site_tree):
    hidden = site_tree["home"].add_child(
        instance=StandardPage(title="Staff handbook", slug="handbook", show_in_menus=False)
    )
    draft = site_tree["home"].add_child(
        instance=StandardPage(title="Unfinished page", slug="draft", show_in_menus=True, live=False)
    )
    private = site_tree["home"].add_child(
        instance=StandardPage(title="Trustees area", slug="trustees", show_in_menus=True)
    )
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    html = html_of(client, "/")
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert "About us" in nav
    for page in (hidden, draft, private):
        assert page.title not in nav


def test_menu_marks_the_current_section(client, menu, news):
    html = html_of(client, news["mining"].url)
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert 'href="/news/" class="is-active">News' in nav
    html = html_of(client, "/news/")
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert 'href="/news/" aria-current="page">News' in nav


def test_breadcrumbs_lead_from_home_to_the_page_without_the_tree_root(client, news):
    html = html_of(client, news["mining"].url)
    crumbs = re.search(
        r'<nav class="breadcrumbs[^"]*" aria-label="Breadcrumb">(.*?)</nav>', html, re.S
    )
    assert crumbs, "an article has breadcrumbs"
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs.group(1))
    assert links == [("/", "Home"), ("/news/", "News")]
    assert '<span aria-current="page">The trend in increasing mining exports' in crumbs.group(1)
    assert "Root" not in crumbs.group(1)


def test_home_page_has_no_breadcrumbs(client, site_tree):
    assert 'aria-label="Breadcrumb"' not in html_of(client, "/")


# A page of the tree, and the search page (a view of its own) with and without words.
@pytest.mark.parametrize("url", ["/news/", "/search/", "/search/?q=peru"])
def test_footer_shows_the_site_settings(client, site_tree, menu, url):
    settings = SiteSettings.load()
    settings.about = "PSG campaigns for human rights in Peru."
    settings.contact_email = "info@example.org"
    settings.postal_address = "PO Box 1\nLondon"
    settings.charity_number = "1040439"
    settings.bluesky_url = "https://bsky.app/profile/psg.example"
    settings.privacy_page = menu
    settings.save()
    html = html_of(client, url)
    footer = html[html.index("<footer") :]
    assert "PSG campaigns for human rights in Peru." in footer
    assert 'href="mailto:info@example.org"' in footer
    assert "PO Box 1<br>London" in footer
    assert "Registered charity number 1040439" in footer
    assert 'href="https://bsky.app/profile/psg.example"' in footer and "Bluesky" in footer
    assert 'href="/about/">Privacy notice</a>' in footer
    # Empty social links are left out rather than shown as broken links.
    assert "Facebook" not in footer


def test_static_file_addresses_follow_the_settings(client, site_tree, settings):
    """The layout's stylesheet, icon and logo addresses are worked out once per process, and
    again when the settings change."""
    assert 'href="/static/css/site.css"' in html_of(client, "/")
    settings.STATIC_URL = "/assets/"
    html = html_of(client, "/campaigns/")
    assert 'href="/assets/css/site.css"' in html
    assert 'href="/assets/images/favicon.svg"' in html
    assert 'src="/assets/images/logo-mark.svg"' in html


# Home and content pages


def test_home_page_shows_hero_featured_campaigns_latest_news_and_mission(client, site_tree, news):
    home = site_tree["home"]
    home.hero_heading = "Human rights in Peru"
    home.hero_intro = "A UK charity working with partners in Peru."
    home.mission = [
        (
            "text_section",
            {"heading": "PSG Aims", "text": "<p>To promote social inclusion.</p>"},
        ),
        (
            "call_to_action",
            {
                "heading": "Why join the PSG?",
                "reasons": ["Keep up to date with news from Peru"],
                "button_label": "Become a member",
                "button_page": site_tree["campaigns"],
            },
        ),
    ]
    home.save_revision().publish()
    HomeFeaturedCampaign.objects.create(page=home, campaign=site_tree["truth"], sort_order=0)
    html = html_of(client, "/")
    assert "<h1" in html and "Human rights in Peru</h1>" in html
    assert "A UK charity working with partners in Peru." in html
    featured = html[html.index("Our campaigns") : html.index("Latest news")]
    assert "Truth Commission" in featured
    assert "Fujimori extradition" not in featured  # not featured by the editor
    latest = html[html.index("Latest news") : html.index("PSG Aims")]
    assert re.findall(r'<h3 class="card__title"><a href="[^"]+">([^<]+)</a>', latest) == [
        "Monthly bulletin 12",
        "Monthly bulletin 11",
        "Monthly bulletin 10",
        "Monthly bulletin 9",
    ]
    assert 'href="/news/">All news</a>' in latest
    assert "<p>To promote social inclusion.</p>" in html
    assert "Keep up to date with news from Peru" in html
    assert 'href="/campaigns/">Become a member</a>' in html


def test_home_page_without_news_says_so(client, site_tree):
    assert "There is no news yet." in html_of(client, "/")


def test_standard_page_renders_intro_and_body_blocks(client, site_tree):
    page = site_tree["home"].add_child(
        instance=StandardPage(
            title="Historical overview",
            slug="history",
            intro="How PSG began in 1983.",
            body=[
                ("heading", {"text": "Founding", "level": "h2"}),
                ("paragraph", "<p>PSG was <b>founded</b> in 1983.</p>"),
                (
                    "quote",
                    {"quote": "Justice delayed is justice denied.", "attribution": "Families"},
                ),
            ],
        )
    )
    html = html_of(client, page.url)
    assert "<h1>Historical overview</h1>" in html
    assert '<p class="lede">How PSG began in 1983.</p>' in html
    assert '<h2 class="block-heading">Founding</h2>' in html
    assert "<p>PSG was <b>founded</b> in 1983.</p>" in html
    assert "<blockquote><p>Justice delayed is justice denied.</p></blockquote>" in html
    assert "<figcaption>— Families</figcaption>" in html
    # The meta description falls back to the intro when there is no search description.
    assert '<meta name="description" content="How PSG began in 1983.">' in html


# Campaigns


def test_campaign_index_lists_campaigns_with_status(client, site_tree):
    truth = site_tree["truth"]
    truth.status = CampaignPage.Status.ACHIEVED
    truth.save_revision().publish()
    html = html_of(client, "/campaigns/")
    assert listed_titles(html) == ["Fujimori extradition", "Truth Commission"]
    assert "Bring Alberto Fujimori to justice in Peru." in html
    assert 'class="badge badge--active"' in html
    assert 'class="badge badge--achieved"' in html and "Achieved</span>" in html


def test_campaign_index_survives_odd_page_numbers(client, site_tree):
    for query in ("abc", "9999"):
        assert "Fujimori extradition" in html_of(client, f"/campaigns/?page={query}")


def test_campaign_hub_shows_body_timeline_and_its_news(client, site_tree, news):
    hub = site_tree["fujimori"]
    hub.body = [
        ("paragraph", "<p>Fujimori must face trial in Peru.</p>"),
        (
            "demands",
            {"heading": "Our demands", "demands": ["Extradite him to Peru", "A fair trial"]},
        ),
        (
            "call_to_action",
            {
                "heading": "Write to your MP",
                "text": "Ask your MP to back the request.",
                "button_label": "Find out how",
                "button_url": "https://www.writetothem.com/",
            },
        ),
    ]
    hub.milestones.add(
        CampaignMilestone(date=datetime.date(2005, 11, 6), title="Fujimori detained in Chile")
    )
    hub.save_revision().publish()
    html = html_of(client, hub.url)
    assert "<h1>Fujimori extradition</h1>" in html
    assert "Bring Alberto Fujimori to justice in Peru." in html
    assert "Active</span>" in html
    assert "<p>Fujimori must face trial in Peru.</p>" in html
    demands = re.search(r'<ol class="demands__list">(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r"<li>([^<]+)</li>", demands) == ["Extradite him to Peru", "A fair trial"]
    assert '<a class="button" href="https://www.writetothem.com/">Find out how</a>' in html

    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    entries = re.findall(
        r'timeline__item--(\w+)">.*?<time datetime="([\d-]+)">.*?<h3 class="timeline__title">(.*?)</h3>',
        timeline,
        re.S,
    )
    assert [(kind, date) for kind, date, _ in entries] == [
        ("milestone", "2005-11-06"),
        ("news", "2005-01-31"),
        ("news", "2005-01-30"),
    ]
    assert f'<a href="{news["extradition"].url}">' in entries[1][2]
    assert "<a" not in entries[0][2]  # milestones are not links

    assert 'href="/news/?campaign=fujimori-extradition">All 2 articles' in html


def test_campaign_hub_without_news_says_so(client, site_tree):
    html = html_of(client, site_tree["truth"].url)
    assert "There is no news on this campaign yet." in html
    assert '<ol class="timeline">' not in html


def test_pages_are_not_found_when_unpublished(client, site_tree):
    page = Page.objects.get(pk=site_tree["truth"].pk)
    page.unpublish()
    assert client.get("/campaigns/truth-commission/").status_code == 404
    assert "Truth Commission" not in html_of(client, "/campaigns/")
