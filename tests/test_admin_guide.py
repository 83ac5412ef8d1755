"""Guidance inside the admin: PSG's name on the sign-in page, the editors' guide served in the
admin with its screenshots, the "Getting started" panel, block previews in the block picker and
the topics the importer seeds and files the old articles under."""

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from wagtail.models import Page, Revision

from home.importer import import_legacy
from news.models import NewsArticlePage, Topic
from tests.factories import make_user

DOCS = Path(settings.BASE_DIR) / "docs"
GUIDE_URL = "/admin/guide/"
SEED = Path(settings.PSG_SEED_FILE)
RULES = Path(settings.PSG_IMPORT_RULES_FILE)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def guide_images():
    text = (DOCS / "editors-guide.md").read_text(encoding="utf-8")
    return re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", text)


# The sign-in page and the admin's own name.


@pytest.mark.django_db
def test_the_sign_in_page_names_the_peru_support_group():
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    html = response.content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert "Peru Support Group" in heading
    assert "Wagtail" not in heading
    assert "Sign in to Wagtail" not in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "Peru Support Group" in title and "Wagtail" not in title
    assert "images/logo-mark.svg" in html


@pytest.mark.django_db
def test_every_admin_screen_carries_the_name_and_mark(editor):
    html = signed_in(editor).get("/admin/").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.strip().endswith("Peru Support Group")
    assert 'alt="Peru Support Group"' in html  # the sidebar's logo


# The guide.


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in():
    for url in (GUIDE_URL, GUIDE_URL + "membership.md", GUIDE_URL + "img/editor-dashboard.png"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_a_member_of_the_public_with_an_account_cannot_read_the_guide(django_user_model):
    nobody = django_user_model.objects.create_user("visitor", password="pw")
    response = signed_in(nobody).get(GUIDE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_the_guide_is_rendered_from_the_markdown_with_its_screenshots(editor):
    client = signed_in(editor)
    response = client.get(GUIDE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    article = re.search(r'<article class="psg-guide".*?</article>', html, re.S).group(0)
    assert "<h2" in article and "Write a news item" in article
    assert "<table" in article  # the roles table
    assert "**" not in article  # emphasis is rendered, not shown as asterisks
    sources = re.findall(r'<img[^>]+src="([^"]+)"', article)
    named = guide_images()
    assert named and all(name in sources for name in named)
    for source in sources:
        assert not source.startswith(("/", "http"))  # relative: served under /admin/guide/
        image = client.get(GUIDE_URL + source)
        assert image.status_code == 200, source
        assert image["Content-Type"] == "image/png"
        assert b"".join(image.streaming_content).startswith(b"\x89PNG")


def test_every_image_the_guide_names_exists():
    missing = [name for name in guide_images() if not (DOCS / name).is_file()]
    assert missing == []


def journey_pictures():
    """The names the browser journeys save into docs/img/ (`screenshot(..., for_docs=True)`)."""
    names = set()
    for module in (Path(settings.BASE_DIR) / "tests" / "browser").glob("test_*.py"):
        source = module.read_text(encoding="utf-8")
        names.update(
            re.findall(
                r'screenshot\(\s*[^()]*?(?:\([^()]*\))?[^()]*?,\s*"([a-z0-9-]+)",\s*for_docs=True',
                source,
            )
        )
        listed = re.search(r"DOCS_PICTURES = \{([^}]*)\}", source)
        if listed:
            names.update(re.findall(r'"([a-z0-9-]+)"', listed.group(1)))
    return names


def test_every_image_the_guide_names_is_taken_by_a_journey():
    produced = journey_pictures()
    assert "editor-dashboard" in produced  # the pattern still finds the journeys' pictures
    missing = [name for name in guide_images() if Path(name).stem not in produced]
    assert missing == []


@pytest.mark.django_db
def test_the_guide_links_to_the_membership_guide_inside_the_admin(editor):
    client = signed_in(editor)
    assert 'href="membership.md"' in client.get(GUIDE_URL).content.decode()
    response = client.get(GUIDE_URL + "membership.md")
    assert response.status_code == 200
    assert "<h1" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["deployment.md", "README.md", "img/nothing.png", "img/editor-dashboard.PNG"]
)
def test_only_the_guides_and_their_images_are_served(editor, path):
    assert signed_in(editor).get(GUIDE_URL + path).status_code == 404


@pytest.mark.django_db
def test_the_help_menu_links_to_the_guide(editor):
    html = signed_in(editor).get("/admin/").content.decode()
    assert "psg-editors-guide" in html
    assert GUIDE_URL in html


# The "Getting started" panel.


def getting_started(client):
    html = client.get("/admin/").content.decode()
    match = re.search(r'id="getting-started-section".*?</section>', html, re.S)
    return match.group(0) if match else None


@pytest.mark.django_db
def test_a_new_editor_is_shown_how_to_start(site_tree, editor):
    panel = getting_started(signed_in(editor))
    assert panel is not None
    news = site_tree["news"]
    assert f'href="/admin/pages/add/news/newsarticlepage/{news.pk}/"' in panel
    assert f'href="/admin/pages/{site_tree["campaigns"].pk}/"' in panel
    assert f'href="{GUIDE_URL}"' in panel
    # The link to write an article opens the article form.
    response = signed_in(editor).get(f"/admin/pages/add/news/newsarticlepage/{news.pk}/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_panel_goes_once_the_editor_has_a_draft(draft_article, editor):
    assert getting_started(signed_in(editor)) is None


@pytest.mark.django_db
def test_the_panel_goes_while_the_editor_has_a_page_in_moderation(draft_article, editor):
    from wagtail.models import Workflow

    workflow = Workflow.objects.get(name="Moderator approval")
    workflow.start(draft_article, editor)
    # Another person's later draft of the page does not make it the editor's draft any more.
    moderator = make_user("mo", "Moderators")
    draft_article.save_revision(user=moderator)
    assert getting_started(signed_in(editor)) is None
    # Somebody else's work in progress does not hide the editor's panel.
    other = make_user("newcomer", "Editors")
    assert getting_started(signed_in(other)) is not None


# Block previews in the block picker.


def block_definitions(html):
    """(label, blockDefId, isPreviewable, description) for every block the edit form defines."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "blockDefId" in node:
                found.append(
                    (
                        node.get("label"),
                        node["blockDefId"],
                        node.get("isPreviewable"),
                        node.get("description"),
                    )
                )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for raw in re.findall(r'data-w-block-data-value="([^"]+)"', html):
        walk(json.loads(unescape(raw)))
    return found


PICKED_BLOCKS = {
    # The article body's blocks, and the campaign body's extra ones.
    "news": ["Heading", "Text", "Image", "Quote", "Video or media", "Document download"],
    "campaigns": ["Key demands", "Call to action"],
}


@pytest.mark.django_db
def test_each_block_in_the_picker_has_a_preview_and_a_description(site_tree, editor):
    client = signed_in(editor)
    forms = {
        "news": f"/admin/pages/add/news/newsarticlepage/{site_tree['news'].pk}/",
        "campaigns": f"/admin/pages/add/campaigns/campaignpage/{site_tree['campaigns'].pk}/",
        "home": f"/admin/pages/{site_tree['home'].pk}/edit/",
    }
    expected = {**PICKED_BLOCKS, "home": ["Text section", "Call to action section"]}
    for form, url in forms.items():
        response = client.get(url)
        assert response.status_code == 200, url
        definitions = {label: rest for label, *rest in block_definitions(response.content.decode())}
        for label in expected[form]:
            block_id, previewable, description = definitions[label]
            assert previewable is True, (form, label)
            assert description, (form, label)
            preview = client.get("/admin/block-preview/", {"id": block_id})
            assert preview.status_code == 200, (form, label)
            html = preview.content.decode()
            assert "css/site.css" in html  # the block looks as on the site


# Topics.


@pytest.fixture
def imported(home_page):
    return import_legacy(SEED, RULES)


@pytest.mark.django_db
def test_the_import_seeds_psgs_topics_and_files_every_old_article(imported):
    names = set(Topic.objects.values_list("name", flat=True))
    assert {"Human rights", "Extradition", "Mining and the environment"} <= names
    assert len(names) >= 8
    articles = NewsArticlePage.objects.all()
    assert articles.count() == 10
    for article in articles:
        assert article.topics.exists(), article.title
    assert set(
        NewsArticlePage.objects.get(slug="camisea-disaster").topics.values_list("slug", flat=True)
    ) == {"mining-and-environment"}


@pytest.mark.django_db
def test_importing_again_changes_no_topic(imported):
    topics = list(Topic.objects.values_list("pk", "name", "slug", "description"))
    filed = sorted(NewsArticlePage.topics.through.objects.values_list("pk", flat=True))
    revisions, pages = Revision.objects.count(), Page.objects.count()
    report = import_legacy(SEED, RULES)
    assert report.created == [] and report.updated == []
    assert list(Topic.objects.values_list("pk", "name", "slug", "description")) == topics
    assert sorted(NewsArticlePage.topics.through.objects.values_list("pk", flat=True)) == filed
    assert (Revision.objects.count(), Page.objects.count()) == (revisions, pages)


@pytest.mark.django_db
def test_an_editors_topics_and_topic_wording_are_kept(imported, editor):
    human_rights = Topic.objects.get(slug="human-rights")
    human_rights.name = "Human rights defenders"
    human_rights.save()
    article = NewsArticlePage.objects.get(slug="camisea-disaster")
    article.topics = [human_rights]
    article.save_revision(user=editor).publish()

    report = import_legacy(SEED, RULES)
    assert report.kept_editor_changes == ["/home/news/camisea-disaster/"]
    article = NewsArticlePage.objects.get(slug="camisea-disaster")
    assert list(article.topics.values_list("slug", flat=True)) == ["human-rights"]
    assert Topic.objects.get(slug="human-rights").name == "Human rights defenders"


@pytest.mark.django_db
def test_an_editor_can_file_an_article_under_a_seeded_topic(imported, editor):
    news = NewsArticlePage.objects.first().get_parent()
    html = signed_in(editor).get(f"/admin/pages/add/news/newsarticlepage/{news.pk}/").content
    for topic in Topic.objects.all():
        assert f'value="{topic.pk}"' in html.decode()
