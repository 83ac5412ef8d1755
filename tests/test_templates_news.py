"""What a visitor sees of the news: the news index (newest first, filters that work without
JavaScript, pagination that keeps them, clear answers to odd query strings) and the article
page (neighbours, related articles, campaign and topic tags, escaped editor text)."""

import datetime
import re

import pytest
from wagtail.models import PageViewRestriction

from campaigns.models import CampaignPage
from news.models import NEWS_PER_PAGE
from tests.factories import add_article, html_of, listed_titles

# News index: listing, filters, pagination, odd query strings


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
        date=datetime.date(2006, 2, 1),
        campaigns=[fujimori, truth],
        topics=[topics["justice"], topics["mining"]],
    )
    add_article(index, "Truth only", date=datetime.date(2006, 2, 2), campaigns=[truth])
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
            date=datetime.date(2006, 1, 1) + datetime.timedelta(days=n),
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
    article = add_article(index, "The ruling", date=day, campaigns=[fujimori], topics=[justice])

    def later(n):
        return day + datetime.timedelta(days=n)

    add_article(index, "Shares the campaign, oldest", date=later(1), campaigns=[fujimori])
    add_article(index, "Shares the topic", date=later(2), topics=[justice])
    add_article(index, "Shares both", date=later(3), campaigns=[fujimori], topics=[justice])
    add_article(index, "Shares the campaign, newest", date=later(4), campaigns=[fujimori])
    add_article(index, "Shares nothing, newest of all", date=later(9))
    draft = add_article(index, "Unpublished, shares both", date=later(8), campaigns=[fujimori])
    draft.unpublish()
    private = add_article(index, "Private, shares the topic", date=later(7), topics=[justice])
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
        date=datetime.date(2006, 1, 1),
        summary="Costs <b>rose</b> & fell",
    )
    html = html_of(client, article.url)
    assert "<script>alert" not in html
    assert "Budget &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    assert "Costs &lt;b&gt;rose&lt;/b&gt; &amp; fell" in html
    listing = html_of(client, "/news/")
    assert "<script>alert" not in listing
    assert "Budget &lt;script&gt;" in listing
