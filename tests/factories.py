"""Helpers that build content and people for tests: one place, imported by every test module.
The fixtures built from them (the page tree, the people of each role, shared content) are in
tests/conftest.py.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

PASSWORD = "a-long-enough-password-42"


def publish(page):
    """Save a revision of `page` and publish it, as a moderator's "Publish" does."""
    page.save_revision().publish()
    return page


def add_article(news_index, title, campaigns=(), topics=(), days_ago=0, **fields):
    """Publish a news article under `news_index`, dated `days_ago` days before 1 November 2026."""
    from news.models import NewsArticlePage

    page = NewsArticlePage(
        title=title,
        summary=fields.pop("summary", f"Summary of {title}."),
        date=fields.pop("date", datetime.date(2026, 11, 1) - datetime.timedelta(days=days_ago)),
        **fields,
    )
    news_index.add_child(instance=page)
    page.campaigns.set(campaigns)
    page.topics.set(topics)
    return publish(page)


def make_user(username, *groups, superuser=False):
    """A user in the named groups (created by the data migrations: Editors, Moderators, …)."""
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@perusupportgroup.org.uk",
        password=PASSWORD,
        first_name=username.title(),
        is_superuser=superuser,
        is_staff=superuser,
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def listing_rows(html):
    """The text of each cell, row by row, of the first admin listing table (`table.listing`);
    an empty list when the page has none (an empty listing shows a message instead)."""
    import re

    table = re.search(r'<table class="listing">.*?<tbody>(.*?)</tbody>', html, re.S)
    body = table.group(1) if table else ""
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def add_join_page(home_page, **fields):
    """The join form at /join/, telling officers@psg.example about each application."""
    from membership.models import JoinPage

    values = {
        "title": "Become a member",
        "slug": "join",
        "thank_you_heading": "Thank you for joining PSG",
        "notification_emails": "officers@psg.example",
    }
    values.update(fields)
    return home_page.add_child(instance=JoinPage(**values))


def join_form_data(**overrides):
    """A complete, valid join form as the browser sends it, shown ten seconds ago (a key set to
    None is left out)."""
    import time

    from membership import spam

    data = {
        "name": "Ana Quispe",
        "email": "ana@example.org",
        "membership_type": "individual",
        "organisation": "",
        "country": "United Kingdom",
        "heard_about": "event",
        "consent": "on",
        "website": "",
        "started": spam.issue_started_token(at=time.time() - 10),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def restore_migrated_rows():
    """Put back the rows the migrations made (the home page, the site, the editors' groups) when
    a transactional test has emptied the test database, as each one does when it ends.

    For fixtures that copy the test database outside a test transaction: pytest-django runs them
    after the transactional tests, so they would otherwise copy an empty database. Call it with
    database access unblocked.
    """
    from django.db import connection
    from wagtail.models import Site

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents and not Site.objects.exists():
        connection.creation.deserialize_db_from_string(contents)


def make_image(title="Lima protest", description="Marchers holding banners in Lima"):
    """A 1600×900 JPEG in the image library."""
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    buffer = io.BytesIO()
    PILImage.new("RGB", (1600, 900), (140, 30, 30)).save(buffer, "JPEG")
    return Image.objects.create(
        title=title, description=description, file=ImageFile(buffer, name="photo.jpg")
    )


def html_of(client, url):
    """The page at `url` as text, after checking that it was served (200)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def listed_titles(html):
    """The titles of the cards a listing page (news, a campaign index) shows, in order."""
    import re

    return re.findall(r'<h3 class="card__title"><a href="[^"]+">([^<]+)</a></h3>', html)


JOIN_URL = "/join/"
# The join form's hidden fill-time token, as the page renders it.
STARTED_TOKEN_RE = r'name="started" value="([^"]+)"'


def send_join_form(client, data, ip="203.0.113.10"):
    """POST `data` to the join form from the address `ip`."""
    return client.post(JOIN_URL, data, REMOTE_ADDR=ip)


def make_application(**fields):
    """A stored membership application, as the join form leaves one (fields override)."""
    from membership.models import MembershipApplication

    values = {
        "name": "Existing Person",
        "email": "existing@example.org",
        "membership_type": MembershipApplication.MembershipType.INDIVIDUAL,
        "country": "Peru",
    }
    values.update(fields)
    return MembershipApplication.objects.create(**values)
