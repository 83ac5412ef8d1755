"""What the search index holds for a page, as a visitor sees it in results.

A page is found by the words editors wrote (title, summary, body, its campaigns' and topics'
names) as soon as it is published, and its snippet shows that text only: never the labels of
the StreamField blocks it is built from ("Section heading").
"""

import pytest
from django.core.management import call_command

from news.models import Topic
from tests.factories import add_article

pytestmark = pytest.mark.django_db

HEADING_BODY = [
    ("heading", {"text": "Quipu archive reopened", "level": "h2"}),
    ("paragraph", "<p>Researchers in Cusco read the knotted records again.</p>"),
    ("heading", {"text": "What comes next", "level": "h3"}),
]


def search(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response


def snippets(response):
    return [str(item["snippet_html"]) for item in response.context["results"]]


def test_snippets_show_the_editors_words_never_block_labels(client, site_tree):
    add_article(site_tree["news"], "Archive news", summary="Field notes.", body=HEADING_BODY)
    response = search(client, "quipu")
    [snippet] = snippets(response)
    assert "<mark>Quipu</mark> archive reopened" in snippet
    assert "Cusco" in snippet
    assert "Section heading" not in snippet and "Sub-heading" not in snippet
    assert "Section heading" not in response.content.decode()


def test_block_labels_are_not_searchable(client, site_tree):
    add_article(site_tree["news"], "Archive news", summary="Field notes.", body=HEADING_BODY)
    assert snippets(search(client, "section heading")) == []
    assert snippets(search(client, "subheading")) == []


def test_a_published_page_is_found_by_its_campaigns_and_topics_at_once(client, site_tree):
    water = Topic.objects.create(name="Water rights", slug="water")
    article = add_article(
        site_tree["news"],
        "Report from the highlands",
        campaigns=[site_tree["truth"]],
        topics=[water],
    )
    for query in ("truth commission highlands", "water rights highlands"):
        ids = [item["page"].pk for item in search(client, query).context["results"]]
        assert ids == [article.pk], query


def test_a_full_rebuild_finds_the_same_pages(client, site_tree):
    article = add_article(
        site_tree["news"], "Archive news", summary="Field notes.", body=HEADING_BODY
    )
    call_command("update_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    response = search(client, "cusco")
    assert [item["page"].pk for item in response.context["results"]] == [article.pk]
    assert "Section heading" not in snippets(response)[0]
