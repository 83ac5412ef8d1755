"""The search page reads the pictures, documents and pages chosen in its results' bodies for
all the results at once: its number of queries is the same for one such result as for ten.
"""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents import get_document_model

from campaigns.models import CampaignPage
from search.views import RESULTS_PER_PAGE
from tests.factories import add_article, make_image, publish
from tests.search_helpers import SEARCH_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(site_tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PSG_PAGECACHE_ENABLED = False
    document = get_document_model().objects.create(
        title="Annual report", file=ContentFile(b"report", name="annual-report.txt")
    )
    return {"image": make_image(), "document": document, "link": site_tree["news"]}


def block(kind, value):
    return {"type": kind, "value": value}


def picture_and_document(media, number):
    """A body as stored: text, a picture with its caption, a document link."""
    picture = {"image": media["image"].pk, "alt_text": "", "decorative": True}
    return [
        block("paragraph", f"<p>Quinoa harvest in the highlands, report {number}.</p>"),
        block(
            "image", {"image": picture, "caption": f"Terraces above the valley, picture {number}."}
        ),
        block("document", {"document": media["document"].pk, "label": f"Harvest figures {number}"}),
    ]


def add_results(site_tree, media, first, last):
    """Articles and campaign hubs numbered first..last whose bodies hold a picture and a
    document (the hubs a link to a page too), all found by "quinoa"."""
    for number in range(first, last + 1):
        add_article(
            site_tree["news"],
            f"Highland farming bulletin {number}",
            body=picture_and_document(media, number),
        )
        action = {
            "heading": f"Support the growers {number}",
            "text": "",
            "button_label": "Read more",
            "button_page": media["link"].pk,
            "button_url": "",
        }
        hub = CampaignPage(
            title=f"Highland growers {number}",
            slug=f"highland-growers-{number}",
            summary="Farmers in the Andes.",
            body=[*picture_and_document(media, number), block("call_to_action", action)],
        )
        site_tree["campaigns"].add_child(instance=hub)
        publish(hub)


def search_queries(client):
    """The page of a search for "quinoa" once its statistics rows exist, and its queries (the
    start of each). Exact words: a search with few results also looks for another spelling."""
    params = {"q": "quinoa", "exact": "1"}
    client.get(SEARCH_URL, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH_URL, params)
    assert response.status_code == 200
    # Inside a test's transaction the statistics also send a savepoint, the same each time.
    return response, [q["sql"][:150] for q in queries.captured_queries]


def test_the_bodies_of_one_result_and_of_ten_cost_the_same_queries(client, site_tree, media):
    add_results(site_tree, media, 1, 1)
    response, one = search_queries(client)
    snippets = [result["snippet_html"] for result in response.context["results"]]
    assert len(snippets) == 2
    assert all("Terraces above the valley, picture 1." in snippet for snippet in snippets)

    add_results(site_tree, media, 2, RESULTS_PER_PAGE // 2)
    response, ten = search_queries(client)
    results = response.context["results"]
    assert len(results) == RESULTS_PER_PAGE
    # What the bodies hold is still read: their captions and the document links' labels.
    for result in results:
        number = result["title_html"].rsplit(" ", 1)[-1]
        assert f"picture {number}." in result["snippet_html"]
        assert f"Harvest figures {number}" in result["snippet_html"]
    assert len(ten) == len(one), "\n".join(ten)
