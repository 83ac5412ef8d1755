"""Spanish is understood: search synonyms that editors keep in the admin (Snippets > Search
synonyms), used by every search from the next one on; the importer's starter set.

On SQLite and PostgreSQL (the database backend the site uses by default).
"""

import json
import time
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache.backends import locmem
from django.core.management import call_command
from django.test import Client, override_settings
from wagtail.models import Page
from wagtail.search.query import And, Or, Phrase, PlainText

from search.models import SearchSynonym
from search.synonyms import parse
from tests.factories import add_article
from tests.search_helpers import get, result_ids

ADD_URL = "/admin/snippets/search/searchsynonym/add/"


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def articles(site_tree):
    news = site_tree["news"]
    return {
        "english": add_article(
            news,
            "UK raises human rights concerns with Lima",
            body=[("paragraph", "<p>Ministers spoke about human rights in Puno.</p>")],
        ),
        "spanish": add_article(
            news,
            "Informe sobre derechos humanos",
            body=[
                ("paragraph", "<p>La Defensoría publica su informe sobre los derechos humanos.</p>")
            ],
        ),
        "elections": add_article(news, "Peru goes to the polls", summary="The 2026 elections."),
    }


def found(text):
    return {page.pk for page in Page.objects.live().search(parse(text))}


def add_in_admin(client, name, terms):
    return client.post(ADD_URL, {"name": name, "terms": terms})


@pytest.mark.django_db
def test_a_group_added_in_the_admin_is_used_by_the_next_search_both_ways(editor_client, articles):
    english, spanish = articles["english"].pk, articles["spanish"].pk
    assert found("derechos humanos") == {spanish}
    assert found("human rights") == {english}

    assert editor_client.get(ADD_URL).status_code == 200
    response = add_in_admin(editor_client, "Human rights", "derechos humanos\nhuman rights\n")
    assert response.status_code == 302
    assert SearchSynonym.objects.get().entries == ["derechos humanos", "human rights"]

    assert found("derechos humanos") == {english, spanish}
    assert found("Human Rights") == {english, spanish}
    assert found("DERECHOS HUMANOS Puno") == {english}  # every other word must still match
    # The search page too.
    html = Client().get("/search/", {"q": "derechos humanos"}).content.decode()
    assert articles["english"].url in html and articles["spanish"].url in html


@pytest.mark.django_db
def test_editing_or_deleting_a_group_counts_from_the_next_search(editor_client, articles):
    add_in_admin(editor_client, "Elections", "elecciones\nelections")
    group = SearchSynonym.objects.get()
    assert found("elecciones") == {articles["elections"].pk}

    edit_url = f"/admin/snippets/search/searchsynonym/edit/{group.pk}/"
    response = editor_client.post(edit_url, {"name": "Elections", "terms": "elecciones\nvotes"})
    assert response.status_code == 302
    assert found("elecciones") == set()

    editor_client.post(edit_url, {"name": "Elections", "terms": "elecciones\nelections"})
    assert found("elecciones") == {articles["elections"].pk}
    delete_url = f"/admin/snippets/search/searchsynonym/delete/{group.pk}/"
    assert editor_client.post(delete_url).status_code == 302
    assert found("elecciones") == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ("human rights", "Add at least two words or phrases, each on its own line."),
        ("human rights\n\n   \n", "Add at least two words or phrases, each on its own line."),
        ("human rights\n--\nderechos humanos", "“--” has no letters or numbers in it."),
        ("Elecciones\nelections\nelecciónes", "“elecciónes” is listed twice."),
        ("", "This field is required."),
    ],
)
def test_the_admin_explains_what_is_wrong_and_keeps_nothing(editor_client, terms, message):
    response = add_in_admin(editor_client, "Human rights", terms)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SearchSynonym.objects.exists()


@pytest.mark.django_db
def test_the_admin_form_explains_itself(editor_client):
    html = editor_client.get(ADD_URL).content.decode()
    assert "Put each word or phrase on its own line" in html
    assert "Capitals and accents do not matter" in html


@pytest.mark.django_db
def test_blank_lines_and_spaces_are_tidied_away(editor_client):
    add_in_admin(editor_client, "Mining", "\n  minería  \n\nmining\n")
    assert SearchSynonym.objects.get().terms == "minería\nmining"


# --- The query object -------------------------------------------------------------------------


def shape(query):
    """A query object as nested tuples, for comparison."""
    if isinstance(query, (And, Or)):
        return (type(query).__name__, *map(shape, query.subqueries))
    if isinstance(query, PlainText):
        return ("PlainText", query.query_string, query.operator)
    assert isinstance(query, Phrase)
    return ("Phrase", query.query_string)


@pytest.mark.django_db
def test_parse_builds_or_groups_and_leaves_other_words_alone():
    SearchSynonym.objects.create(name="Truth", terms="comisión de la verdad\ntruth commission")
    SearchSynonym.objects.create(name="Mining", terms="minería\nmining")
    assert shape(parse("Peru  Fujimori")) == ("PlainText", "Peru  Fujimori", "and")
    assert shape(parse("Comision de la Verdad")) == (
        "Or",
        ("Phrase", "comision de la verdad"),
        ("Phrase", "truth commission"),
    )
    assert shape(parse("MINERIA en Cajamarca")) == (
        "And",
        ("Or", ("PlainText", "mineria", "and"), ("PlainText", "mining", "and")),
        ("PlainText", "en cajamarca", "and"),
    )


@pytest.mark.django_db
def test_parse_reads_the_groups_once_until_one_changes(django_assert_num_queries):
    SearchSynonym.objects.create(name="Mining", terms="minería\nmining")
    parse("mining")
    with django_assert_num_queries(0):
        parse("minería y elecciones")
    SearchSynonym.objects.create(name="Elections", terms="elecciones\nelections")
    assert "elections" in repr(parse("elecciones"))


@pytest.mark.django_db
def test_a_word_in_two_groups_is_widened_to_each_other_word_once():
    SearchSynonym.objects.create(name="Human rights", terms="derechos humanos\nhuman rights")
    SearchSynonym.objects.create(name="Rights", terms="DDHH\nDerechos Humanos\nhuman rights")
    assert shape(parse("derechos humanos")) == (
        "Or",
        ("Phrase", "derechos humanos"),
        ("Phrase", "human rights"),
        ("PlainText", "DDHH", "and"),
    )


@pytest.mark.django_db
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_a_change_the_cache_was_not_told_of_counts_within_ten_minutes(monkeypatch):
    # A change saved without signals (a bulk update in a shell, say) does not clear the cached
    # groups; they are read again from the database at the latest ten minutes later.
    SearchSynonym.objects.create(name="Mining", terms="minería\nmining")
    assert "mining" in repr(parse("minería"))
    SearchSynonym.objects.update(terms="minería\nextractivism")
    assert "mining" in repr(parse("minería"))
    ten_minutes_on = time.time() + 10 * 60 + 1
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: ten_minutes_on))
    assert shape(parse("minería")) == (
        "Or",
        ("PlainText", "mineria", "and"),
        ("PlainText", "extractivism", "and"),
    )


# --- The importer's starter set -----------------------------------------------------------------

STARTER = json.loads((settings.BASE_DIR / "content" / "search-synonyms.json").read_text())


@pytest.mark.django_db
def test_the_importer_loads_the_starter_set_once_and_keeps_editors_changes(home_page):
    call_command("import_legacy", stdout=StringIO())
    groups = {group.name: group.entries for group in SearchSynonym.objects.all()}
    assert len(groups) == len(STARTER["synonyms"])
    assert {"comisión de la verdad", "truth commission"} <= set(groups["Truth commission"])
    assert {"minería", "mining"} <= set(groups["Mining"])
    assert {"pueblos indígenas", "indigenous peoples"} <= set(groups["Indigenous peoples"])
    for subject in ["Human rights", "Impunity", "Extradition", "Elections", "Congress"]:
        assert subject in groups
    for subject in ["Environment", "Poverty", "Economy", "Armed conflict"]:
        assert subject in groups

    edited = SearchSynonym.objects.get(name="Mining")
    edited.terms = "minería\nmining\nmineras"
    edited.save()
    call_command("import_legacy", stdout=StringIO())
    assert SearchSynonym.objects.count() == len(STARTER["synonyms"])
    assert SearchSynonym.objects.get(name="Mining").terms == "minería\nmining\nmineras"

    # The imported content is then found in either language.
    assert found("comisión de la verdad") and found("comisión de la verdad") == found(
        "truth commission"
    )


@pytest.mark.django_db
def test_a_synonym_is_found_before_or_after_other_words_which_still_all_count(site_tree):
    SearchSynonym.objects.create(name="Truth", terms="comisión de la verdad\ntruth commission")
    SearchSynonym.objects.create(name="Mining", terms="minería\nmining")
    news = site_tree["news"]
    protest = add_article(news, "Cajamarca mining protest", summary="Farmers march.")
    add_article(news, "Minería en Puno", summary="Informe regional.")
    add_article(news, "Cajamarca water report", summary="Rivers and lakes.")

    def shown(query):
        response = get(Client(), q=query)
        assert response.status_code == 200
        return result_ids(response)

    # "minería" finds "mining", wherever it stands; the other words must match as well.
    assert shown("Minería Cajamarca") == [protest.pk]
    assert shown("Cajamarca minería") == [protest.pk]
    assert shown("Cajamarca farmers minería protest") == [protest.pk]
    assert shown("Cajamarca farmers minería lakes") == []
