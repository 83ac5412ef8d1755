"""What the page cache may store, and whom it may serve from it.

Each test uses an address the cache does keep for anonymous visitors (the second plain visit
is a hit), then shows that the response or the request in question stays out: the next
visitor is not served the stored error or private page, and the person in question is not
served a stored page. Invalidation is in tests/test_pagecache.py, a page rendered while
content changes in tests/test_pagecache_race.py.
"""

import base64
import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import DatabaseError
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from wagtail.models import PageViewRestriction, Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from home.models import StandardPage
from tests.factories import add_article, publish

pytestmark = pytest.mark.django_db


def get(client, url, **extra):
    response = client.get(url, **extra)
    return response, response.get("X-Cache"), response.content.decode()


def assert_hit(client, url):
    response, state, html = get(client, url)
    assert (response.status_code, state) == (200, "HIT"), f"{url} was not served from the cache"
    return html


def assert_miss(client, url):
    response, state, html = get(client, url)
    assert state == "MISS", f"{url} was served from the cache"
    return response, html


def warm(client, *urls):
    """Visit each URL twice: the second visit must come from the cache."""
    for url in urls:
        assert client.get(url).status_code == 200, url
        assert_hit(client, url)


@pytest.fixture
def site(site_tree):
    """The skeleton with one article and a content page, About us, in the main menu."""
    about = site_tree["home"].add_child(
        instance=StandardPage(
            title="About us", slug="about", intro="Who we are.", show_in_menus=True
        )
    )
    publish(about)
    article = add_article(site_tree["news"], "Article 1", campaigns=[site_tree["fujimori"]])
    return dict(site_tree, about=about, article=article)


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")


@contextmanager
def about_page_answering(change):
    """Inside the block, the content pages' responses pass through `change` on their way out,
    as a page type whose `serve` answers differently would."""
    real_serve = StandardPage.serve

    def serve(page, request, *args, **kwargs):
        response = real_serve(page, request, *args, **kwargs)
        change(response)
        return response

    with mock.patch.object(StandardPage, "serve", serve):
        yield


# Only a plain 200 is stored ---------------------------------------------------------------------


def test_a_cached_view_answering_an_error_is_not_stored(client, site):
    # A campaign's feed is kept; a mistyped campaign is a 404, rendered for every visitor.
    warm(client, "/news/feed/?campaign=fujimori-extradition")
    for _ in range(2):
        response, state, _html = get(client, "/news/feed/?campaign=fujimori-extradiction")
        assert (response.status_code, state) == (404, "MISS")


def test_a_page_that_failed_to_render_is_shown_again_once_it_works(site):
    """The page was routed (and so may be stored) before its rendering failed."""
    visitor = Client(raise_request_exception=False)
    failure = DatabaseError("server closed the connection unexpectedly")
    with mock.patch.object(StandardPage, "get_context", side_effect=failure):
        response, state, _html = get(visitor, "/about/")
    assert (response.status_code, state) == (500, "MISS")
    # The failure has passed: the next visitor gets the page, not the stored error page.
    response, state, html = get(visitor, "/about/")
    assert (response.status_code, state) == (200, "MISS")
    assert "Who we are." in html
    assert_hit(visitor, "/about/")


@pytest.mark.parametrize("status", [301, 302, 404, 410, 503])
def test_a_page_answering_anything_but_200_is_not_stored(client, site, status):
    """A page's own serve answered a redirect, "not found", "gone" or "unavailable"; once it
    answers normally again, the next visitor gets the page."""

    def answer(response):
        response.status_code = status
        if status in (301, 302):
            response["Location"] = "/news/"

    with about_page_answering(answer):
        for _ in range(2):
            response, state, _html = get(client, "/about/")
            assert (response.status_code, state) == (status, "MISS")
    response, state, html = get(client, "/about/")
    assert (response.status_code, state) == (200, "MISS")
    assert "Who we are." in html


@pytest.mark.parametrize(
    "cache_control",
    [
        "private, max-age=600",
        "no-store",
        "max-age=0, no-cache",
        # A directive that names header fields still keeps the whole page out.
        'no-cache="Set-Cookie"',
        'private="Set-Cookie", max-age=600',
    ],
)
def test_a_response_marked_private_or_not_for_caching_is_not_stored(client, site, cache_control):
    def mark(response):
        response["Cache-Control"] = cache_control

    with about_page_answering(mark):
        for _ in range(2):
            response, state, _html = get(client, "/about/")
            assert (response.status_code, state) == (200, "MISS")
            assert response["Cache-Control"] == cache_control
    # The next visitor is not served the stored private copy.
    response, state, _html = get(client, "/about/")
    assert (state, response.get("Cache-Control")) == ("MISS", None)
    assert_hit(client, "/about/")


# Never served from the cache, never stored into it -----------------------------------------------


def test_editors_are_never_served_or_stored(client, site, editor):
    editor_client = Client()
    editor_client.force_login(editor)
    for _ in range(2):
        response, state, html = get(editor_client, "/about/")
        assert (response.status_code, state) == (200, "MISS")
        assert '<template id="wagtail-userbar-template">' in html  # the editor's userbar
    # The editor's visits left nothing behind: the first anonymous visit renders afresh,
    # and the anonymous page has no userbar.
    response, state, html = get(client, "/about/")
    assert state == "MISS"
    assert "userbar" not in html
    assert_hit(client, "/about/")


def test_paths_the_operator_keeps_out_of_the_cache_are_never_stored(client, site, settings):
    settings.PSG_PAGECACHE_SKIP_PREFIXES = ["/about/"]
    warm(client, "/")
    assert_miss(client, "/about/")
    assert_miss(client, "/about/")


def test_a_request_with_a_session_cookie_is_never_served_from_the_cache(client, site):
    warm(client, "/about/")
    client.cookies["sessionid"] = "anything"
    assert_miss(client, "/about/")


def test_a_password_form_is_never_stored_so_each_visitor_gets_a_token_of_their_own(site):
    # A page behind a password answers with a form holding the visitor's CSRF token and the
    # cookie it must match: a stored copy would give the next visitor a token that fails.
    PageViewRestriction.objects.create(
        page=site["about"], restriction_type=PageViewRestriction.PASSWORD, password="andes"
    )
    for visitor in (Client(), Client()):
        response, state, html = get(visitor, "/about/")
        assert (response.status_code, state) == (200, "MISS")
        assert 'name="csrfmiddlewaretoken"' in html
        assert response.cookies["csrftoken"].value


def test_a_request_with_credentials_is_neither_served_from_nor_stored_into_the_cache(client, site):
    credentials = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"trustee:pw").decode()}
    response, state, _html = get(client, "/about/", **credentials)
    assert (response.status_code, state) == (200, "MISS")
    # Not stored: the next anonymous visitor renders the page afresh, and the one after is
    # served it from the cache.
    assert_miss(client, "/about/")
    assert_hit(client, "/about/")
    # Not served: the page is stored now, but a request with credentials is rendered.
    response, state, _html = get(client, "/about/", **credentials)
    assert (response.status_code, state) == (200, "MISS")


@pytest.fixture
def pages_show_messages(settings, tmp_path):
    """Content pages list the visitor's pending messages above their content (the public
    templates show none yet; a page that does is what the messages cookie check is for)."""
    template = tmp_path / "home" / "standard_page.html"
    template.parent.mkdir()
    template.write_text(
        '{% extends "home/standard_page.html" %}{% block content %}'
        '{% for message in messages %}<p class="flash">{{ message }}</p>{% endfor %}'
        "{{ block.super }}{% endblock %}"
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]


def messages_cookie(rf, text):
    """The cookie a visitor holds after a view told them `text` (Django's cookie storage)."""
    storage = CookieStorage(rf.get("/"))
    storage.add(message_levels.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    return {storage.cookie_name: response.cookies[storage.cookie_name].value}


def test_a_visitor_with_a_pending_message_is_shown_it_not_a_stored_page(
    client, site, pages_show_messages, rf
):
    flash = '<p class="flash">Thank you: your details were sent.</p>'
    cookie = messages_cookie(rf, "Thank you: your details were sent.")
    first = Client()
    first.cookies.load(cookie)
    response, state, html = get(first, "/about/")
    assert (response.status_code, state) == (200, "MISS")
    assert flash in html
    # Nobody else is shown that message: the page was not stored with it.
    response, html = assert_miss(client, "/about/")
    assert "Who we are." in html and 'class="flash"' not in html
    assert 'class="flash"' not in assert_hit(client, "/about/")
    # The page is stored now; a visitor with a message still sees theirs.
    second = Client()
    second.cookies.load(cookie)
    response, state, html = get(second, "/about/")
    assert (response.status_code, state) == (200, "MISS")
    assert flash in html


def test_search_is_never_cached(client, site):
    for _ in range(2):
        response, state, _html = get(client, "/search/?q=article")
        assert (response.status_code, state) == (200, "MISS")


def about_form(about, **changes):
    """What the content page's edit form posts, with `changes` applied."""
    fields = {
        "title": about.title,
        "slug": about.slug,
        "intro": about.intro,
        "body": streamfield([]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
        "show_in_menus": "on",
    }
    return nested_form_data({**fields, **changes})


def test_an_editors_preview_is_neither_served_from_nor_stored_into_the_cache(client, site, editor):
    """Wagtail renders a preview as a request for the page's own address (here /about/, which
    the cache keeps for visitors) carrying the editor's cookies, through every middleware."""
    about = site["about"]
    # The site answers at the address visitors use (testserver), as it does in production.
    site_record = Site.objects.get(is_default_site=True)
    site_record.hostname = "testserver"
    site_record.save()
    warm(client, "/about/")
    editor_client = Client()
    editor_client.force_login(editor)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[about.pk])
    posted = editor_client.post(url, about_form(about, intro="A draft nobody may see yet."))
    assert posted.json()["is_valid"] is True
    preview = editor_client.get(url)
    assert preview.status_code == 200
    html = preview.content.decode()
    # Not served the stored live page: the preview shows the draft.
    assert "A draft nobody may see yet." in html and "Who we are." not in html
    # Not stored: visitors are still served the live page.
    html = assert_hit(client, "/about/")
    assert "Who we are." in html and "A draft nobody" not in html


def test_shared_draft_links_are_never_cached(client, site):
    from editorial.models import SharedDraftLink

    about = site["about"]
    draft = about.get_latest_revision_as_object()
    draft.intro = "Draft intro for the trustees."
    draft.save_revision()
    link = SharedDraftLink.objects.create(page=about)
    for _ in range(2):
        response, state, html = get(client, f"/preview/{link.token}/")
        assert (response.status_code, state) == (200, "MISS")
        assert "Draft intro for the trustees." in html
    # Saving a draft changed nothing the public sees: the live page is still cached.
    warm(client, "/about/")
    assert "Draft intro" not in assert_hit(client, "/about/")


def test_join_form_and_its_errors_are_never_cached(client, site):
    from membership import spam
    from membership.models import JoinPage

    join = site["home"].add_child(instance=JoinPage(title="Become a member", slug="join"))
    publish(join)
    for _ in range(2):
        response, state, html = get(client, "/join/")
        assert (response.status_code, state) == (200, "MISS")  # it holds a CSRF token
    started = spam.issue_started_token(at=time.time() - 10)
    posted = client.post("/join/", {"name": "", "email": "not-an-address", "started": started})
    assert posted.status_code == 200
    assert posted["X-Cache"] == "MISS"
    assert "not-an-address" in posted.content.decode()
    response, state, html = get(Client(), "/join/")
    assert state == "MISS" and "not-an-address" not in html
