"""Page-tree rules: editors can only create what belongs where, and every field explains itself."""

import pytest
from django.apps import apps
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page

from campaigns.models import CampaignIndexPage, CampaignPage
from home.models import HomePage, StandardPage
from news.models import NewsArticlePage, NewsIndexPage

PROJECT_APPS = {"home", "news", "campaigns", "membership", "search", "editorial", "psg"}


def project_page_models():
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Page) and model is not Page and model._meta.app_label in PROJECT_APPS
    ]


@pytest.mark.parametrize(
    "child, parent, allowed",
    [
        (NewsArticlePage, NewsIndexPage, True),
        (NewsArticlePage, CampaignPage, False),
        (NewsArticlePage, HomePage, False),
        (NewsArticlePage, StandardPage, False),
        (CampaignPage, CampaignIndexPage, True),
        (CampaignPage, NewsIndexPage, False),
        (CampaignPage, HomePage, False),
        (StandardPage, HomePage, True),
        (StandardPage, StandardPage, True),
        (StandardPage, NewsIndexPage, False),
        (StandardPage, CampaignPage, False),
        (NewsIndexPage, HomePage, True),
        (NewsIndexPage, StandardPage, False),
        (CampaignIndexPage, HomePage, True),
        (CampaignIndexPage, CampaignIndexPage, False),
    ],
)
def test_parent_and_child_types(child, parent, allowed):
    assert (child in parent.allowed_subpage_models()) is allowed
    assert (parent in child.allowed_parent_page_models()) is allowed


def test_every_project_page_type_declares_its_parents_and_children():
    models = project_page_models()
    assert {m.__name__ for m in models} >= {
        "HomePage",
        "StandardPage",
        "NewsIndexPage",
        "NewsArticlePage",
        "CampaignIndexPage",
        "CampaignPage",
    }
    for model in models:
        assert "parent_page_types" in model.__dict__, model
        assert "subpage_types" in model.__dict__, model


@pytest.mark.django_db
def test_unique_pages_cannot_be_created_twice(site_tree):
    home = site_tree["home"]
    assert not NewsIndexPage.can_create_at(home)
    assert not CampaignIndexPage.can_create_at(home)
    assert not HomePage.can_create_at(Page.get_first_root_node())
    assert StandardPage.can_create_at(home)
    assert CampaignPage.can_create_at(site_tree["campaigns"])


@pytest.mark.django_db
def test_the_admin_refuses_an_article_under_a_campaign(site_tree, admin_client):
    campaign = site_tree["fujimori"]
    response = admin_client.get(f"/admin/pages/add/news/newsarticlepage/{campaign.pk}/")
    # Wagtail turns the editor away, back to the dashboard, without showing the form.
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    news = site_tree["news"]
    response = admin_client.get(f"/admin/pages/add/news/newsarticlepage/{news.pk}/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_add_page_menu_offers_only_allowed_types(site_tree, admin_client):
    response = admin_client.get(f"/admin/pages/{site_tree['news'].pk}/add_subpage/", follow=True)
    assert response.status_code == 200
    # A single allowed type takes the editor straight to its form.
    assert response.redirect_chain[-1][0].endswith(
        f"/admin/pages/add/news/newsarticlepage/{site_tree['news'].pk}/"
    )
    response = admin_client.get(f"/admin/pages/{site_tree['home'].pk}/add_subpage/")
    content = response.content.decode()
    assert "Content page" in content
    assert "News article" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("model", project_page_models(), ids=lambda m: m.__name__)
def test_every_editor_facing_field_has_help_text(model):
    """The page editor explains each field to a non-technical editor."""
    edit_handler = model.get_edit_handler()
    form_class = edit_handler.get_form_class()
    # Wagtail's own fields (title, slug, comment notifications, …) come with Wagtail's help.
    page_fields = {f.name for f in Page._meta.get_fields()}
    page_fields |= set(WagtailAdminPageForm.base_fields)
    missing = [
        name
        for name, field in form_class.base_fields.items()
        if name not in page_fields and not (field.help_text or "").strip()
    ]
    assert missing == [], f"{model.__name__} fields without help text: {missing}"
