"""What a visitor sees on every page type: content, menu, breadcrumbs, footer, listings that
paginate and filter, clear answers to odd query strings, and editor text escaped."""

import datetime
import io
import re

import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page, PageViewRestriction

from campaigns.models import CampaignMilestone, CampaignPage
from home.models import HomeFeaturedCampaign, StandardPage
from news.models import NEWS_PER_PAGE, NewsArticlePage, Topic
from psg.models import SiteSettings


def make_image(title="Lima protest", description="Marchers holding banners in Lima"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (1600, 900), (140, 30, 30)).save(buffer, "JPEG")
    return Image.objects.create(
        title=title, description=description, file=ImageFile(buffer, name="photo.jpg")
    )


def add_article(news_index, title, date, summary="A summary.", **kwargs):
    campaigns = kwargs.pop("campaigns", [])
    topics = kwargs.pop("topics", [])
    article = NewsArticlePage(title=title, date=date, summary=summary, **kwargs)
    news_index.add_child(instance=article)
    if campaigns or topics:
        article.campaigns.set(campaigns)
        article.topics.set(topics)
        article.save_revision().publish()
    return article


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def topics(db):
    return {
        "mining": Topic.objects.create(name="Mining", slug="mining"),
        "justice": Topic.objects.create(name="Justice", slug="justice"),
    }


@pytest.fixture
def news(site_tree, topics):
    """Twelve articles a month apart (newest: 12 December 2006), plus three filed ones."""
    index = site_tree["news"]
    articles = [
        add_article(index, f"Monthly bulletin {n}", datetime.date(2006, n, 12))
        for n in range(1, 13)
    ]
    extradition = add_article(
        index,
        "European Parliament backs the Fujimori extradition request",
        datetime.date(2005, 1, 31),
        summary="On 20 January the European Parliament voted on a resolution.",
        campaigns=[site_tree["fujimori"]],
        topics=[topics["justice"]],
    )
    amnesty = add_article(
        index,
        "Amnesty International launch campaign to bring Fujimori to justice",
        datetime.date(2005, 1, 30),
        campaigns=[site_tree["fujimori"]],
    )
    mining = add_article(
        index,
        "The trend in increasing mining exports continues unabated",
        datetime.date(2004, 3, 31),
        topics=[topics["mining"]],
    )
    return {
        "bulletins": articles,
        "extradition": extradition,
        "amnesty": amnesty,
        "mining": mining,
    }


@pytest.fixture
def menu(site_tree):
    """News and Campaigns in the menu, plus an About page."""
    for key in ("news", "campaigns"):
        page = site_tree[key]
        page.show_in_menus = True
        page.save_revision().publish()
    about = site_tree["home"].add_child(
        instance=StandardPage(title="About us", slug="about", show_in_menus=True)
    )
    return about


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


def test_footer_shows_the_site_settings(client, site_tree, menu):
    settings = SiteSettings.load()
    settings.about = "PSG campaigns for human rights in Peru."
    settings.contact_email = "info@example.org"
    settings.postal_address = "PO Box 1\nLondon"
    settings.charity_number = "1040439"
    settings.bluesky_url = "https://bsky.app/profile/psg.example"
    settings.privacy_page = menu
    settings.save()
    html = html_of(client, "/news/")
    footer = html[html.index("<footer") :]
    assert "PSG campaigns for human rights in Peru." in footer
    assert 'href="mailto:info@example.org"' in footer
    assert "PO Box 1<br>London" in footer
    assert "Registered charity number 1040439" in footer
    assert 'href="https://bsky.app/profile/psg.example"' in footer and "Bluesky" in footer
    assert 'href="/about/">Privacy notice</a>' in footer
    # Empty social links are left out rather than shown as broken links.
    assert "Facebook" not in footer


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


# News index: listing, filters, pagination, odd query strings


def listed_titles(html):
    return re.findall(r'<h3 class="card__title"><a href="[^"]+">([^<]+)</a></h3>', html)


def test_news_index_lists_newest_first_with_dates_and_paginates(client, news):
    html = html_of(client, "/news/")
    titles = listed_titles(html)
    assert len(titles) == NEWS_PER_PAGE
    assert titles[0] == "Monthly bulletin 12" and titles[1] == "Monthly bulletin 11"
    assert '<time datetime="2006-12-12">12 December 2006</time>' in html
    assert "All news (15 articles)" in html
    pagination = re.search(
        r'<nav class="pagination" aria-label="Pagination">(.*?)</nav>', html, re.S
    )
    assert pagination and "Page 1 of 2" in pagination.group(1)
    assert 'href="?page=1" aria-current="page"' in pagination.group(1)
    assert 'href="?page=2" rel="next"' in pagination.group(1)

    page2 = html_of(client, "/news/?page=2")
    assert listed_titles(page2)[-1] == "The trend in increasing mining exports continues unabated"
    assert 'href="?page=1" rel="prev"' in page2


def test_filter_form_works_without_javascript_and_keeps_its_choices(client, news):
    html = html_of(client, "/news/?campaign=fujimori-extradition&topic=justice")
    form = re.search(r'<form class="filters" method="get" action="/news/".*?</form>', html, re.S)
    assert form, "a GET form that submits to the news index"
    form = form.group(0)
    for field in ("campaign", "topic", "year"):
        assert f'<label for="filter-{field}">' in form
        assert f'<select id="filter-{field}" name="{field}">' in form
    assert '<button type="submit"' in form
    assert '<option value="fujimori-extradition" selected>Fujimori extradition</option>' in form
    assert '<option value="justice" selected>Justice</option>' in form
    assert '<option value="2006">2006</option>' in form
    assert listed_titles(html) == ["European Parliament backs the Fujimori extradition request"]
    assert "1 article about Fujimori extradition" in " ".join(html.split())


def test_filters_by_year_and_by_topic(client, news):
    assert listed_titles(html_of(client, "/news/?year=2005")) == [
        "European Parliament backs the Fujimori extradition request",
        "Amnesty International launch campaign to bring Fujimori to justice",
    ]
    assert listed_titles(html_of(client, "/news/?topic=mining")) == [
        "The trend in increasing mining exports continues unabated"
    ]


def test_filters_list_each_article_once_and_only_public_campaigns(client, site_tree, topics):
    index, fujimori, truth = site_tree["news"], site_tree["fujimori"], site_tree["truth"]
    both = add_article(
        index,
        "Filed under both campaigns",
        datetime.date(2006, 2, 1),
        campaigns=[fujimori, truth],
        topics=[topics["justice"], topics["mining"]],
    )
    add_article(index, "Truth only", datetime.date(2006, 2, 2), campaigns=[truth])
    for query in ("campaign=fujimori-extradition", "campaign=truth-commission&topic=justice"):
        assert listed_titles(html_of(client, f"/news/?{query}")) == [both.title], query
    assert listed_titles(html_of(client, "/news/?campaign=truth-commission")) == [
        "Truth only",
        both.title,
    ]
    truth.unpublish()
    html = html_of(client, "/news/?campaign=truth-commission")
    assert listed_titles(html) == []


def test_pagination_links_keep_the_filters(client, site_tree, topics):
    for n in range(NEWS_PER_PAGE + 3):
        add_article(
            site_tree["news"],
            f"Mining report {n}",
            datetime.date(2006, 1, 1) + datetime.timedelta(days=n),
            topics=[topics["mining"]],
        )
    html = html_of(client, "/news/?topic=mining&year=2006")
    assert 'href="?topic=mining&amp;year=2006&amp;page=2"' in html
    page2 = html_of(client, "/news/?topic=mining&year=2006&page=2")
    assert len(listed_titles(page2)) == 3
    assert 'href="?topic=mining&amp;year=2006&amp;page=2" aria-current="page"' in page2


@pytest.mark.parametrize(
    ("query", "expected_page"), [("abc", 1), ("9999", 2), ("-3", 1), ("", 1), ("2.5", 1)]
)
def test_odd_page_numbers_give_the_nearest_page(client, news, query, expected_page):
    html = html_of(client, f"/news/?page={query}")
    assert f"Page {expected_page} of 2" in html
    assert listed_titles(html), "articles are listed, not an empty page"


def test_unknown_filters_get_a_clear_message_and_a_way_back(client, news):
    html = html_of(client, "/news/?campaign=no-such-campaign&topic=gardening&year=1850")
    text = " ".join(html.split())
    assert "No articles match these filters." in text
    assert "There is no campaign called “no-such-campaign”." in text
    assert "There is no topic called “gardening”." in text
    assert "There is no news from “1850”." in text
    assert '<a href="/news/">See all news</a>' in html
    assert listed_titles(html) == []


def test_known_filters_with_no_articles_do_not_claim_they_are_unknown(client, news):
    html = html_of(client, "/news/?topic=mining&year=2006")
    assert "No articles match these filters." in html
    assert "There is no topic called" not in html
    assert "There is no news from" not in html


def test_filter_values_from_the_url_are_escaped(client, news):
    html = html_of(client, '/news/?topic=<script>alert("x")</script>')
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_news_index_cards_link_campaigns_and_topics(client, news):
    html = html_of(client, "/news/?year=2005")
    assert 'href="/campaigns/fujimori-extradition/">Fujimori extradition</a>' in html
    assert 'href="?topic=justice">Justice</a>' in html


def test_tags_link_only_to_published_public_campaigns_in_title_order(client, site_tree, news):
    """An article filed under a campaign that is unpublished or private shows no tag for it
    (the link would lead to a 404 or a sign-in page); the other tags keep title order."""
    hidden = site_tree["campaigns"].add_child(
        instance=CampaignPage(
            title="Abandoned campaign", slug="abandoned", summary="Dropped.", live=False
        )
    )
    private = site_tree["campaigns"].add_child(
        instance=CampaignPage(
            title="Members-only campaign", slug="members-only", summary="For members."
        )
    )
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    article = news["extradition"]
    article.campaigns.set([site_tree["truth"], hidden, private, site_tree["fujimori"]])
    article.save_revision().publish()

    for url in (article.url, "/news/?year=2005"):
        html = html_of(client, url)
        tags = re.findall(r'class="tag tag--campaign" href="([^"]+)">([^<]+)</a>', html)
        assert ("/campaigns/fujimori-extradition/", "Fujimori extradition") in tags, url
        assert "Abandoned campaign" not in html and "Members-only campaign" not in html
    html = html_of(client, article.url)
    filed = html[html.index('aria-label="Campaigns and topics"') :]
    titles = re.findall(r'class="tag tag--campaign" href="[^"]+">([^<]+)</a>', filed)
    assert titles == sorted([site_tree["truth"].title, "Fujimori extradition"])


def test_news_index_with_no_articles_says_so(client, site_tree):
    assert "There is no news yet." in html_of(client, "/news/")


# Articles


def test_article_shows_date_summary_body_campaigns_topics_and_neighbours(client, news):
    article = news["extradition"]
    article.body = [("paragraph", "<p>The vote was <i>decisive</i>.</p>")]
    article.save_revision().publish()
    html = html_of(client, article.url)
    assert '<time datetime="2005-01-31">31 January 2005</time>' in html
    assert "<h1>European Parliament backs the Fujimori extradition request</h1>" in html
    assert "On 20 January the European Parliament voted on a resolution." in html
    assert "<p>The vote was <i>decisive</i>.</p>" in html
    assert 'href="/campaigns/fujimori-extradition/">Fujimori extradition</a>' in html
    assert 'href="/news/?topic=justice">Justice</a>' in html
    # The article dated just after is "newer", the one just before is "older".
    newer = re.search(r'<a href="([^"]+)" rel="next">', html).group(1)
    older = re.search(r'<a href="([^"]+)" rel="prev">', html).group(1)
    assert newer == news["bulletins"][0].url
    assert older == news["amnesty"].url


def test_article_lists_related_articles(client, news):
    html = html_of(client, news["extradition"].url)
    related = html[html.index("Related news") :]
    assert listed_titles(related) == [
        "Amnesty International launch campaign to bring Fujimori to justice"
    ]


def test_related_articles_are_the_newest_sharing_a_campaign_or_a_topic(client, site_tree, topics):
    index, fujimori, justice = site_tree["news"], site_tree["fujimori"], topics["justice"]
    day = datetime.date(2006, 3, 1)
    article = add_article(index, "The ruling", day, campaigns=[fujimori], topics=[justice])

    def later(n):
        return day + datetime.timedelta(days=n)

    add_article(index, "Shares the campaign, oldest", later(1), campaigns=[fujimori])
    add_article(index, "Shares the topic", later(2), topics=[justice])
    add_article(index, "Shares both", later(3), campaigns=[fujimori], topics=[justice])
    add_article(index, "Shares the campaign, newest", later(4), campaigns=[fujimori])
    add_article(index, "Shares nothing, newest of all", later(9))
    draft = add_article(index, "Unpublished, shares both", later(8), campaigns=[fujimori])
    draft.unpublish()
    private = add_article(index, "Private, shares the topic", later(7), topics=[justice])
    PageViewRestriction.objects.create(page=private, restriction_type="login")

    html = html_of(client, article.url)
    related = html[html.index("Related news") :]
    assert listed_titles(related) == [
        "Shares the campaign, newest",
        "Shares both",
        "Shares the topic",
    ]


def test_article_without_campaigns_or_related_news_leaves_those_parts_out(client, news):
    html = html_of(client, news["bulletins"][5].url)
    assert "Related news" not in html
    assert 'aria-label="Campaigns and topics"' not in html


def test_editor_text_is_escaped(client, site_tree):
    article = add_article(
        site_tree["news"],
        'Budget <script>alert("x")</script> & more',
        datetime.date(2006, 1, 1),
        summary="Costs <b>rose</b> & fell",
    )
    html = html_of(client, article.url)
    assert "<script>alert" not in html
    assert "Budget &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    assert "Costs &lt;b&gt;rose&lt;/b&gt; &amp; fell" in html
    listing = html_of(client, "/news/")
    assert "<script>alert" not in listing
    assert "Budget &lt;script&gt;" in listing


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


# Images


def test_images_use_renditions_in_modern_formats_with_size_and_alt_text(client, site_tree):
    article = add_article(
        site_tree["news"], "Protest in Lima", datetime.date(2006, 5, 1), image=make_image()
    )
    html = html_of(client, article.url)
    picture = re.search(r"<picture>.*?</picture>", html, re.S).group(0)
    assert 'type="image/avif"' in picture and 'type="image/webp"' in picture
    assert re.search(r'srcset="[^"]*800w[^"]*1200w', picture)
    img = re.search(r"<img [^>]+>", picture).group(0)
    assert re.search(r'width="\d+"', img) and re.search(r'height="\d+"', img)
    assert 'alt="Marchers holding banners in Lima"' in img
    # The card in the listing repeats the linked title, so its picture is decorative.
    listing = html_of(client, "/news/")
    card_img = re.search(r'<div class="card__media">.*?(<img [^>]+>)', listing, re.S).group(1)
    assert 'alt=""' in card_img and 'loading="lazy"' in card_img


def test_every_picture_on_an_article_gets_its_renditions_in_one_query(
    client, site_tree, topics, settings
):
    """The hero picture, a picture in the body and a related card's picture: one query for
    all their renditions, none per picture, and no rendition read from or written back to
    the cache."""
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.images.models import Rendition

    settings.PSG_PAGECACHE_ENABLED = False  # count the queries of a full render

    hero, inline, card = make_image("Hero"), make_image("Inline"), make_image("Card")
    add_article(
        site_tree["news"],
        "Earlier march",
        datetime.date(2006, 4, 1),
        image=card,
        topics=[topics["justice"]],
    )
    article = add_article(
        site_tree["news"],
        "March in Lima",
        datetime.date(2006, 5, 1),
        image=hero,
        topics=[topics["justice"]],
        body=[
            (
                "image",
                {
                    "image": {"image": inline, "alt_text": "A banner", "decorative": False},
                    "caption": "",
                },
            )
        ],
    )
    html_of(client, article.url)  # the renditions are made on the first visit
    backend = Rendition.cache_backend
    with (
        CaptureQueriesContext(connection) as queries,
        mock.patch.object(backend, "get_many", wraps=backend.get_many) as cache_reads,
        mock.patch.object(backend, "set_many", wraps=backend.set_many) as cache_writes,
    ):
        html = html_of(client, article.url)
    assert len(re.findall(r"<picture>", html)) == 3
    rendition_queries = [q["sql"] for q in queries if "wagtailimages_rendition" in q["sql"]]
    assert len(rendition_queries) == 1, rendition_queries

    def rendition_keys(calls):
        return [key for call in calls for key in call.args[0] if "wagtail-rendition-" in key]

    assert rendition_keys(cache_reads.call_args_list) == []
    assert rendition_keys(cache_writes.call_args_list) == []


def test_image_block_uses_its_alt_text_or_none_when_decorative(client, site_tree):
    image = make_image()
    page = site_tree["home"].add_child(
        instance=StandardPage(
            title="Gallery",
            slug="gallery",
            body=[
                (
                    "image",
                    {
                        "image": {
                            "image": Image.objects.get(pk=image.pk),
                            "alt_text": "A crowd in Plaza San Martín",
                            "decorative": False,
                        },
                        "caption": "Lima, 2006",
                    },
                ),
                (
                    "image",
                    {
                        "image": {
                            "image": Image.objects.get(pk=image.pk),
                            "alt_text": "",
                            "decorative": True,
                        },
                        "caption": "",
                    },
                ),
            ],
        )
    )
    html = html_of(client, page.url)
    imgs = re.findall(r'<figure class="block-image">.*?(<img [^>]+>)', html, re.S)
    assert len(imgs) == 2
    assert 'alt="A crowd in Plaza San Martín"' in imgs[0]
    assert 'alt=""' in imgs[1]
    assert "<figcaption>Lima, 2006</figcaption>" in html


def test_pages_are_not_found_when_unpublished(client, site_tree):
    page = Page.objects.get(pk=site_tree["truth"].pk)
    page.unpublish()
    assert client.get("/campaigns/truth-commission/").status_code == 404
    assert "Truth Commission" not in html_of(client, "/campaigns/")
