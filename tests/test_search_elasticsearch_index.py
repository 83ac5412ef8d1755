"""What ``update_index`` sends to Elasticsearch: the index settings and every page type's mapping.

The site's pages are indexed through the real backend and client into the faked server
(tests/es_fake.py). The tests read what was sent: the analysis declared when the index is
created (accents folded, English stemming) and the mapping of every page model, found through
Wagtail's list of page models, so a new page type is checked without changing this file.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import strip_tags
from wagtail.models import Page, get_page_models
from wagtail.search import index as search_index
from wagtail.search.backends import get_search_backend

from home.models import StandardPage
from membership.models import JoinPage
from tests.factories import add_article, publish

PAGE_INDEX = "psgtest_wagtailcore_page"
FOLDING = {"asciifolding", "icu_folding"}
ENGLISH_STEMMERS = {"english", "light_english", "minimal_english", "porter2", "lovins"}


@pytest.fixture
def indexed(es_default, site_tree):
    """A page of every type the site has, indexed by ``update_index``."""
    home = site_tree["home"]
    add_article(
        site_tree["news"], "Perú asks Chile for Fujimori's extradition", [site_tree["fujimori"]]
    )
    publish(home.add_child(instance=StandardPage(title="About us", slug="about", intro="Who.")))
    publish(home.add_child(instance=JoinPage(title="Join", slug="join", intro="Become a member.")))
    call_command("update_index", stdout=StringIO())
    return es_default


def created_index(es_default):
    """The settings sent when the page index was created."""
    [create] = [
        r for r in es_default.of("PUT") if r.path.count("/") == 1 and r.index.startswith(PAGE_INDEX)
    ]
    return create.body["settings"]


def filters_of(analysis, analyzer_name):
    """The token filters an analyser applies, in order, each as {"type": …, …}."""
    analyzer = analysis["analyzer"][analyzer_name]
    assert analyzer.get("type", "custom") == "custom", analyzer
    declared = analysis.get("filter", {})
    return [declared.get(name, {"type": name}) for name in analyzer.get("filter", [])]


def position(filters, test):
    return next((i for i, f in enumerate(filters) if test(f)), None)


def folds(f):
    return f["type"] in FOLDING


def lowercases(f):
    return f["type"] == "lowercase"


def stems_english(f):
    return (f["type"] in ("stemmer", "snowball") and f.get("language") in ENGLISH_STEMMERS) or f[
        "type"
    ] in ("porter_stem", "kstem")


def assert_folds_and_stems(analysis, analyzer_name):
    filters = filters_of(analysis, analyzer_name)
    stem = position(filters, stems_english)
    assert stem is not None, f"{analyzer_name} does not stem English words: {filters}"
    for need, test in (("fold accents", folds), ("lowercase", lowercases)):
        where = position(filters, test)
        assert where is not None, f"{analyzer_name} does not {need}: {filters}"
        # Stemmers expect lower-case, unaccented words: "Perú's" → "peru", "Killings" → "kill".
        assert where < stem, f"{analyzer_name} must {need} before stemming: {filters}"


def assert_folds_only(analysis, analyzer_name):
    filters = filters_of(analysis, analyzer_name)
    assert position(filters, folds) is not None, f"{analyzer_name} keeps accents: {filters}"
    assert position(filters, lowercases) is not None, f"{analyzer_name} keeps case: {filters}"
    # Edge n-grams are cut from whole words: a stemmed word ("inquiri") is not a prefix of one.
    assert position(filters, stems_english) is None, f"{analyzer_name} stems: {filters}"


# --- The analysis declared when the index is created ------------------------------------------


@pytest.mark.django_db
def test_index_creation_declares_folding_and_english_stemming(indexed):
    analysis = created_index(indexed)["analysis"]
    # Text fields without an analyser of their own are analysed by the index's default one.
    assert_folds_and_stems(analysis, "default")
    possessive = position(
        filters_of(analysis, "default"),
        lambda f: f == {"type": "stemmer", "language": "possessive_english"},
    )
    assert possessive is not None, "'Fujimori's' must be found by 'Fujimori'"
    # Elasticsearch refuses a custom analyser without a tokenizer; the standard one splits words
    # on Unicode's word boundaries and keeps "Fujimori's" whole for the possessive filter.
    for name in ("default", "folding"):
        analyzer = analysis["analyzer"][name]
        assert (analyzer["type"], analyzer["tokenizer"]) == ("custom", "standard"), analyzer


@pytest.mark.django_db
def test_autocomplete_is_folded_but_not_stemmed(indexed):
    analysis = created_index(indexed)["analysis"]
    properties = indexed.index_named(PAGE_INDEX).properties
    for name in ("_edgengrams", "title_edgengrams"):
        assert_folds_only(analysis, properties[name]["analyzer"])
        assert_folds_only(analysis, properties[name]["search_analyzer"])


# --- The mapping of every page type ----------------------------------------------------------


def searched_fields(es_default):
    """{field: weight} of the words query the site search sends."""
    es_default.clear()
    Client().get("/search/", {"q": "peru"})
    [request] = es_default.of("POST", "/_count")
    [(kind, clause)] = request.body["query"]["bool"]["must"].items()
    weights = {}
    for name in clause["fields"] if kind == "multi_match" else clause:
        field, _, weight = name.partition("^")
        weights[field] = float(weight or 1)
    return weights


def check_field(field, model, properties, analysis, mapping, boosts, where):
    name = mapping.get_field_column_name(field)
    assert name in properties, f"{where}: {name} is not in the mapping sent"
    spec = properties[name]
    if isinstance(field, search_index.RelatedFields):
        assert spec["type"] == "nested", f"{where}.{name}: {spec}"
        related = field.get_field(model).related_model
        related_mapping = type(mapping)(related)
        for sub in field.fields:
            check_field(
                sub, related, spec["properties"], analysis, related_mapping, boosts, where + name
            )
    elif isinstance(field, search_index.AutocompleteField):
        assert spec["type"] == "text", f"{where}.{name}: {spec}"
        assert_folds_only(analysis, spec["analyzer"])
        assert_folds_only(analysis, spec["search_analyzer"])
    elif isinstance(field, search_index.SearchField):
        assert spec["type"] == "text", f"{where}.{name}: {spec}"
        assert_folds_and_stems(analysis, spec.get("analyzer", "default"))
        copied = spec["copy_to"] if isinstance(spec["copy_to"], list) else [spec["copy_to"]]
        assert "_all_text" in copied, f"{where}.{name} is not searched: {spec}"
        if field.boost and field.boost != 1:
            # Its words are copied to a field that the query searches with the same weight.
            [boosted] = [c for c in copied if c != "_all_text"]
            assert boosts.get(boosted) == float(field.boost), (where, name, boosted, boosts)
    else:
        assert spec["type"] != "text", f"{where}.{name} filters on analysed text: {spec}"


@pytest.mark.django_db
def test_every_page_type_is_mapped_with_its_search_fields_analysed_and_weighted(indexed):
    analysis = created_index(indexed)["analysis"]
    properties = indexed.index_named(PAGE_INDEX).properties
    boosts = searched_fields(indexed)
    for name in ["_all_text", *boosts]:
        assert_folds_and_stems(analysis, properties[name].get("analyzer", "default"))
    backend = get_search_backend()
    models = get_page_models()
    assert len(models) > 5
    for model in models:
        mapping = backend.mapping_class(model)
        for field in model.get_search_fields():
            check_field(field, model, properties, analysis, mapping, boosts, model.__name__)


@pytest.mark.django_db
def test_every_page_is_indexed_with_its_own_types_text(indexed):
    documents = indexed.index_named(PAGE_INDEX).documents
    backend = get_search_backend()
    pages = Page.objects.specific()
    kinds = {type(page) for page in pages}
    missing = set(get_page_models()) - kinds
    assert not missing, f"add a page of each of these types to the `indexed` fixture: {missing}"
    for page in pages:
        mapping = backend.mapping_class(type(page))
        document = documents[str(page.pk)]
        assert mapping.get_content_type() in document["_django_content_type"]
        for field in type(page).get_searchable_search_fields():
            name = mapping.get_field_column_name(field)
            assert name in document, f"{type(page).__name__} {page.title!r}: no {name}"
            values = document[name] if isinstance(document[name], list) else [document[name]]
            for value in values:
                # Rich text and StreamFields are indexed as words, not markup.
                assert strip_tags(str(value or "")) == str(value or ""), (page.title, name)
