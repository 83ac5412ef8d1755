"""Site search at /search/ and title suggestions at /search/suggest/ (docs/search.md).

Only live, public pages are searched. The view renders what the configured backend finds and
does not know which backend that is; a page states its own label and summary (psg/pages.py).
"""

import datetime
from collections import defaultdict

from django.db.models import F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from modelsearch.backends.base import OrderByFieldError
from wagtail.blocks import StreamValue
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page
from wagtail.search import index
from wagtail.search.backends import get_search_backend
from wagtail.search.query import PlainText
from wagtail.search.utils import normalise_query_string

from campaigns.models import CampaignPage
from news.models import NewsArticlePage, campaign_choices
from psg.pagination import paginate

from . import stats
from .spelling import correct
from .synonyms import parse, words
from .text import MAX_QUERY_LENGTH, clean_query, highlight, search_terms, snippet

RESULTS_PER_PAGE = 10
SUGGESTIONS_COUNT = 8
SUGGEST_MIN_LENGTH = 2
FEW_RESULTS = 3  # fewer results than this: a corrected spelling is tried

# The result-type filter: its choices and the page model each one keeps (None: the others).
TYPE_CHOICES = [("", "Everything"), ("news", "News"), ("campaign", "Campaigns"), ("page", "Pages")]
TYPE_MODELS = {"news": NewsArticlePage, "campaign": CampaignPage, "page": None}
SORT_CHOICES = [("", "Most relevant"), ("newest", "Newest first")]
FORM = dict(max_query_length=MAX_QUERY_LENGTH, type_choices=TYPE_CHOICES, sort_choices=SORT_CHOICES)
# The links from a base page row to the row of each page type built directly on it.
OWN_ROWS = [rel.name for rel in Page._meta.related_objects if rel.parent_link]


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def visible_pages(model=Page):
    """Live pages outside private sections (filters every search backend can apply)."""
    return model.objects.live().public()


def own_row(page):
    """The page as its own type: the row joined by ``select_related(*OWN_ROWS)``, else a query."""
    model = page.specific_class
    if model is None or isinstance(page, model):
        return page
    return getattr(page, model._meta.model_name, None) or page.specific


def filtered_pages(result_type="", campaign=None, exclude_ids=(), visible=None):
    """The pages to search among, after the type and campaign filters."""
    pages = visible_pages() if visible is None else visible
    if TYPE_MODELS.get(result_type):
        pages = pages.type(TYPE_MODELS[result_type])
    elif result_type in TYPE_MODELS:
        pages = pages.not_type(*(m for m in TYPE_MODELS.values() if m is not None))
    if campaign is not None:
        # A campaign's pages: its hub and the news articles filed under it.
        filed = NewsArticlePage.objects.filter(campaigns=campaign).values("pk")
        pages = pages.filter(Q(id=campaign.pk) | Q(id__in=filed))
    if exclude_ids:
        pages = pages.exclude(id__in=list(exclude_ids))
    return pages


def run_search(query, result_type, campaign, sort, exclude_ids, visible):
    """Search results (lazy, sliceable, countable), best first or newest first."""
    backend = get_search_backend()
    pages = filtered_pages(result_type, campaign, exclude_ids, visible)
    if sort != "newest":
        return backend.search(query, pages)
    # Newest first: an article by its own date, any other page by when it was first published.
    by_date = Coalesce("newsarticlepage__date", TruncDate("first_published_at"))
    dated = pages.annotate(sort_date=by_date).order_by(F("sort_date").desc(nulls_last=True), "-id")
    try:
        return backend.search(query, dated, order_by_relevance=False)
    except OrderByFieldError:
        # A backend that sorts on indexed fields only: news by date, the rest by publication.
        if result_type == "news":
            # A filtered search: it shows no promotions, so there are none to leave out.
            pages = filtered_pages(campaign=campaign, visible=visible_pages(NewsArticlePage))
        newest = pages.order_by("-date" if result_type == "news" else "-first_published_at", "-id")
        return backend.search(query, newest, order_by_relevance=False)


def named_hubs(terms, hubs):
    """The hubs whose title words are all in the query, or that hold every word of it."""
    typed = set(words(" ".join(terms)))
    titles = [(hub, set(words(hub.title))) for hub in hubs]
    return [hub for hub, title in titles if title and (title <= typed or typed <= title)]


def promoted_results(text, hubs, visible):
    """Editors' picks for this query in their order, then the hubs it names (not repeated).
    A promoted page that is not live and public is left out."""
    promotions = SearchPromotion.objects.filter(
        query__query_string=normalise_query_string(text)
    ).order_by("sort_order", "pk")
    wanted = [(p.page_id, p) for p in promotions] + [(hub.pk, None) for hub in hubs]
    pages = visible.in_bulk([page_id for page_id, _ in wanted if page_id])
    picks = []
    for page_id, promotion in wanted:
        page = own_row(pages[page_id]) if page_id in pages else None
        description = promotion.description if promotion else ""
        if page and (promotion or page_id not in [pick["page_id"] for pick in picks]):
            summary = page.summary_text() if hasattr(page, "summary_text") else ""
            url, description = page.get_url(), description or summary
            picks.append(dict(page_id=page_id, title=page.title, url=url, description=description))
        elif promotion and not page_id and promotion.external_link_url:
            url = promotion.external_link_url
            title = promotion.external_link_text or url
            picks.append(dict(page_id=None, title=title, url=url, description=description))
    return picks


def read_bodies(pages):
    """The pages' searched stream fields (bodies) converted together: one query per kind of
    chosen picture, document or page, whatever the number of pages that hold them."""
    streams = defaultdict(list)  # a StreamField: its (page, stored value) on each page
    for page in pages:
        searched = [f for f in page.get_search_fields() if isinstance(f, index.SearchField)]
        for name in (field.field_name for field in searched):
            if isinstance(stored := getattr(page, name, None), StreamValue):
                streams[page._meta.get_field(name)].append((page, stored.raw_data))
    for field, values in streams.items():
        converted = field.stream_block.bulk_to_python([list(raw) for _page, raw in values])
        for (page, _raw), value in zip(values, converted, strict=True):
            setattr(page, field.name, value)
    return pages


def page_text(page):
    """The page's indexed text other than its title."""
    fields = [f for f in page.get_search_fields() if isinstance(f, index.SearchField)]
    values = [field.get_value(page) for field in fields if field.field_name != "title"]
    return " ".join(str(value) for value in values if value)


def page_date(page):
    """An article's own date, else the day the page was first published."""
    date = getattr(page, "date", None) or page.first_published_at
    return timezone.localtime(date).date() if isinstance(date, datetime.datetime) else date


def build_results(pages, terms, request):
    """What the template shows for each page, in the same order."""
    return [
        {
            "page": page,
            "url": page.get_url(request),
            "title_html": highlight(page.title, terms),
            "type_label": getattr(page, "search_label", "Page"),
            "date": page_date(page),
            "snippet_html": snippet(page_text(page), terms),
        }
        for page in read_bodies(list(map(own_row, pages)))
    ]


def campaign_hubs():
    """The live, public campaigns, active ones first, then by title (the news filter's list)."""
    return sorted(campaign_choices(), key=lambda hub: (hub.status_order, hub.title))


def find(text, terms, result_type, campaign, sort, hubs, visible):
    """(promoted, results): promotions and named hubs only on an unfiltered search. They are
    worked out on every page, where they are left out of the results and counted, though only
    the first page shows them."""
    filtered = bool(result_type or campaign)
    promoted = [] if filtered else promoted_results(text, named_hubs(terms, hubs), visible)
    exclude = [pick["page_id"] for pick in promoted if pick["page_id"]]
    results = run_search(parse(" ".join(terms)), result_type, campaign, sort, exclude, visible)
    return promoted, results


@require_GET
def search(request):
    text, notes = clean_query(request.GET.get("q", ""))
    terms = search_terms(text)
    exact = request.GET.get("exact") == "1"
    result_type = next((kind for kind in TYPE_MODELS if kind == request.GET.get("type")), "")
    sort = "newest" if request.GET.get("sort") == "newest" else ""
    hubs = campaign_hubs()
    campaign_slug = request.GET.get("campaign", "")
    campaign = next((hub for hub in hubs if campaign_slug and hub.slug == campaign_slug), None)
    unknown_campaign = bool(campaign_slug) and campaign is None

    context = dict(FORM, search_query=text, search_terms=terms, result_type=result_type, sort=sort)
    context.update(campaign=campaign, unknown_campaign=unknown_campaign, campaign_choices=hubs)
    context["query_truncated"] = "truncated" in notes
    if not terms:
        context["popular_searches"] = stats.popular_searches()
        return _no_store(TemplateResponse(request, "search/search.html", context))

    first_page = request.GET.get("page", "1") in ("", "1")
    promoted, results = [], Page.objects.none()
    if not unknown_campaign:
        # One read of the view restrictions; each page comes with its own type's row.
        visible = visible_pages().select_related(*OWN_ROWS)
        search_in = (result_type, campaign, sort, hubs, visible)
        promoted, results = find(text, terms, *search_in)
        few = not exact and results.count() + len(promoted) < FEW_RESULTS
        corrected = correct(text) if few else None
        if corrected and search_terms(corrected):
            context.update(corrected_query=corrected, original_query=text, search_query=corrected)
            text, terms = corrected, search_terms(corrected)
            promoted, results = find(text, terms, *search_in)
    results_page = paginate(request, results, per_page=RESULTS_PER_PAGE)
    total = results_page.paginator.count + len(promoted)
    if first_page and not notes:
        stats.record_search(request, text, found=total > 0)

    context.update(
        promoted=promoted if results_page.number == 1 else [],
        results_page=results_page,
        results=build_results(list(results_page.object_list), terms, request),
        total=total,
        organic_total=results_page.paginator.count,
        capped=bool(getattr(results, "capped", False)),  # "More than N results"
    )
    return _no_store(TemplateResponse(request, "search/search.html", context))


def suggestions_for(terms, request):
    """Up to SUGGESTIONS_COUNT live, public pages whose titles start like ``terms``."""
    if not terms or len(" ".join(terms)) < SUGGEST_MIN_LENGTH:
        return []
    query = PlainText(" ".join(terms))  # every word: PlainText's default operator is "and"
    return [
        {
            "title": page.title,
            "url": page.get_url(request),
            "type": getattr(page.specific_class, "search_label", "Page"),
        }
        for page in get_search_backend().autocomplete(query, visible_pages())[:SUGGESTIONS_COUNT]
    ]


@require_GET
def suggest(request):
    """Titles of live, public pages that start like what is being typed (JSON)."""
    text, _notes = clean_query(request.GET.get("q", ""))
    suggestions = suggestions_for(search_terms(text), request)
    return _no_store(JsonResponse({"query": text, "results": suggestions}))
