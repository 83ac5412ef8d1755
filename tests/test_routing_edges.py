"""Routing's edges (psg/routing.py): a home page that was not loaded the usual way, pages of
Wagtail's own type or of a type no longer in the code, and restrictions read for a page that
routing did not load (the admin's privacy dialog)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction, Site

from home.models import HomePage, StandardPage
from tests.factories import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_home(site_tree, settings):
    """A second site's home page, as `add_child` returns it: not loaded through its manager."""
    settings.PSG_PAGECACHE_ENABLED = False
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Second site", slug="second-site"))
    publish(home)
    Site.objects.create(hostname="second.example.org", root_page=home)
    return home


def test_a_home_page_not_loaded_by_its_manager_answers_its_address(rf, second_home):
    result = second_home.route(rf.get("/", HTTP_HOST="second.example.org"), [])
    assert isinstance(result.page, HomePage) and result.page.pk == second_home.pk
    # Routing asked the database whether a restriction applies: no query is needed to know
    # that none does.
    with CaptureQueriesContext(connection) as queries:
        assert list(result.page.get_view_restrictions()) == []
    assert len(queries) == 0


def test_a_restriction_on_a_home_page_not_loaded_by_its_manager_is_kept(rf, second_home):
    restriction = PageViewRestriction.objects.create(
        page=Page.objects.get(pk=second_home.pk), restriction_type=PageViewRestriction.LOGIN
    )
    result = second_home.route(rf.get("/", HTTP_HOST="second.example.org"), [])
    assert [r.pk for r in result.page.get_view_restrictions()] == [restriction.pk]


def test_a_draft_home_page_not_loaded_by_its_manager_is_not_found(rf, second_home):
    second_home.unpublish()
    with pytest.raises(Http404):
        second_home.route(rf.get("/", HTTP_HOST="second.example.org"), [])


@pytest.mark.parametrize("type_gone", [False, True], ids=["wagtails-own-type", "type-gone"])
def test_a_page_without_a_type_of_the_sites_own_is_routed_as_wagtail_routes_it(
    rf, site_tree, settings, type_gone
):
    settings.PSG_PAGECACHE_ENABLED = False
    home = site_tree["home"]
    folder = publish(home.add_child(instance=Page(title="Folder", slug="folder")))
    child = publish(folder.add_child(instance=StandardPage(title="Inside", slug="in")))
    if type_gone:  # the folder's type was removed from the code: its content type names no model
        gone, _ = ContentType.objects.get_or_create(app_label="gone", model="oldpage")
        Page.objects.filter(pk=folder.pk).update(content_type=gone)
    for components in (["folder"], ["folder", "in"]):
        request = rf.get("/" + "/".join(components) + "/")
        ours = home.route(request, components).page
        wagtails = Page.route(home, request, components).page
        assert (ours.pk, type(ours), ours.title) == (wagtails.pk, type(wagtails), wagtails.title)
    assert ours.pk == child.pk


def test_the_privacy_dialog_shows_a_restriction_on_a_page_above(admin_client, site_tree):
    """The admin loads the page itself, without routing: Wagtail's own check decides."""
    home = site_tree["home"]
    about = publish(home.add_child(instance=StandardPage(title="About us", slug="about")))
    history = publish(about.add_child(instance=StandardPage(title="History", slug="history")))
    PageViewRestriction.objects.create(
        page=Page.objects.get(pk=about.pk), restriction_type=PageViewRestriction.LOGIN
    )
    response = admin_client.get(f"/admin/pages/{history.pk}/privacy/")
    assert response.status_code == 200
    assert "About us" in response.json()["html"]


def test_an_alias_with_no_restriction_anywhere_needs_no_restriction_query(rf, site_tree):
    """Routing asked the database about the page the alias copies too: no doubt is left for
    Wagtail's check to settle."""
    home = site_tree["home"]
    about = publish(home.add_child(instance=StandardPage(title="About us", slug="about")))
    alias = about.create_alias(parent=Page.objects.get(pk=site_tree["news"].pk), update_slug="us")
    result = home.route(rf.get("/news/us/"), ["news", "us"])
    assert result.page.pk == alias.pk and result.page.alias_of_id == about.pk
    with CaptureQueriesContext(connection) as queries:
        assert list(result.page.get_view_restrictions()) == []
    assert len(queries) == 0


def test_a_page_whose_stored_address_is_out_of_step_with_the_tree_is_not_found_there(rf, site_tree):
    """A page's `url_path` left stale (by a bulk import, say) names a place in the tree where
    the page is not: Wagtail does not find it there, nor does routing."""
    home = site_tree["home"]
    about = publish(home.add_child(instance=StandardPage(title="About us", slug="about")))
    history = publish(about.add_child(instance=StandardPage(title="History", slug="history")))
    founding = publish(history.add_child(instance=StandardPage(title="Founding", slug="founding")))
    Page.objects.filter(pk=founding.pk).update(url_path=about.url_path + "founding/")
    request = rf.get("/about/founding/")
    with pytest.raises(Http404):
        Page.route(home, request, ["about", "founding"])
    with pytest.raises(Http404):
        home.route(request, ["about", "founding"])
