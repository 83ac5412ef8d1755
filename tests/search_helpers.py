"""What the search tests share: a small site to search, and helpers to read the results."""

import datetime
from contextlib import contextmanager

from django.db import connection, transaction

from home.models import StandardPage
from news.models import Topic
from search import stats
from tests.factories import add_article

SEARCH_URL = "/search/"
SUGGEST_URL = "/search/suggest/"


def paragraph(html):
    return [("paragraph", html)]


def build_site(site_tree):
    """A small site: articles in both campaigns, a content page, and pages no visitor may see."""
    news = site_tree["news"]
    impunity = Topic.objects.create(name="Impunity", slug="impunity")
    extradition = add_article(
        news,
        "Perú asks Chile for Fujimori's extradition",
        summary="The government in Lima has formally asked Chile to hand over the former president.",
        body=paragraph(
            "<p>The request was delivered in Santiago on Friday. It lists the killings at "
            "Barrios Altos and La Cantuta.</p>"
        ),
        date=datetime.date(2006, 1, 3),
        campaigns=[site_tree["fujimori"]],
        topics=[impunity],
    )
    report = add_article(
        news,
        "Truth Commission report: two years on",
        summary="Survivors in Ayacucho are still waiting for reparations.",
        body=paragraph("<p>Only a fraction of the commission's recommendations are in place.</p>"),
        date=datetime.date(2005, 8, 28),
        campaigns=[site_tree["truth"]],
    )
    mining = add_article(
        news,
        "Mining conflict in Cajamarca",
        summary="Farmers protest against the expansion of a gold mine near their water sources.",
        date=datetime.date(2007, 6, 1),
    )
    about = site_tree["home"].add_child(
        instance=StandardPage(
            title="About the Peru Support Group",
            slug="about",
            intro="We campaign for human rights in Peru.",
            body=paragraph("<p>Founded in 1985, the group works with partners in Peru.</p>"),
        )
    )
    return {
        **site_tree,
        "extradition": extradition,
        "report": report,
        "mining": mining,
        "about": about,
        "impunity": impunity,
    }


def get(client, **params):
    return client.get(SEARCH_URL, params)


def result_titles(response):
    return [item["page"].title for item in response.context["results"]]


def result_ids(response):
    return [item["page"].pk for item in response.context["results"]]


def forget_statistics_state(monkeypatch):
    """Start like a new process: no statistics failure logged lately, no pruning done today."""
    monkeypatch.setitem(stats._failures, "logged_at", None)
    monkeypatch.setitem(stats._failures, "unlogged", 0)
    monkeypatch.setitem(stats._pruned, "date", None)


@contextmanager
def read_only_database():
    """The database refuses every write, as a read-only replica or database does: PostgreSQL
    in a read-only transaction, SQLite with query_only. Reads go on. Undone on leaving."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET transaction_read_only = on")
            else:
                cursor.execute("PRAGMA query_only = ON")
        try:
            yield
        finally:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA query_only = OFF")
            # Leaving the savepoint this way also ends PostgreSQL's read-only mode.
            transaction.set_rollback(True)
