"""Site search at /search/ and title suggestions at /search/suggest/.

Pages are found through Wagtail's page index (the backend configured in
WAGTAILSEARCH_BACKENDS): only live pages outside private sections, so drafts, unpublished
changes, private and deleted pages never appear. See docs/search.md.
"""

import datetime
import re

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.query import PlainText
from wagtail.search.utils import normalise_query_string

from campaigns.models import CampaignIndexPage, CampaignPage
from news.models import NewsArticlePage, campaign_choices
from psg import generations, sitedata
from psg.pagination import paginate

from . import stats
from .backends import bounded
from .backends.bounded import (
    bounded_autocomplete,
    bounded_search,
    is_capped,
    supports_bounding,
)
from .text import MAX_QUERY_LENGTH, clean_query, highlight, search_terms, snippet

RESULTS_PER_PAGE = 10
# What a campaign slug can be (anything else is an unknown campaign, not a database query).
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,255}")
SUGGESTIONS_COUNT = 8
SUGGEST_MIN_LENGTH = 2

TYPE_CHOICES = [("", "Everything"), ("news", "News"), ("campaign", "Campaigns"), ("page", "Pages")]
TYPE_LABELS = {"news": "News", "campaign": "Campaign", "page": "Page"}
SORT_CHOICES = [("", "Most relevant"), ("newest", "Newest first")]


def _no_store(response):
    """Search responses are personal to the query and never cached or indexed."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def page_type(page):
    """'news', 'campaign' or 'page' for a specific page (or its class)."""
    cls = page if isinstance(page, type) else type(page)
    if issubclass(cls, NewsArticlePage):
        return "news"
    if issubclass(cls, CampaignPage):
        return "campaign"
    return "page"


def _content_type_ids(*models):
    return [ct.pk for ct in ContentType.objects.get_for_models(*models).values()]


def visible_pages():
    """Every page a visitor may see: live and outside private sections (their paths come
    from the cached site data, psg/sitedata.py: no query for the list of restrictions)."""
    return sitedata.public(Page.objects.live())


def filtered_pages(result_type="", campaign=None, database=False):
    """The pages to search among, after the type and campaign filters.

    ``database``: the search runs in the database, which can test an article's campaign page by
    page (one index probe each) rather than listing every article of the campaign first.
    """
    pages = visible_pages()
    if result_type == "news":
        pages = pages.filter(content_type__in=_content_type_ids(NewsArticlePage))
    elif result_type == "campaign":
        pages = pages.filter(content_type__in=_content_type_ids(CampaignPage))
    elif result_type == "page":
        pages = pages.exclude(content_type__in=_content_type_ids(NewsArticlePage, CampaignPage))
    if campaign is not None:
        # A campaign's pages: its hub and the news articles filed under it.
        if database:
            # One probe of the (article, campaign) index for each page tested: a subquery with
            # a limit, which PostgreSQL cannot turn into a hash of all the campaign's articles
            # (tens of thousands, built before the first page is tested, where a search that
            # stops after 501 matches tests a few hundred or thousand pages).
            filed = NewsArticlePage.campaigns.through.objects.filter(
                newsarticlepage_id=OuterRef("pk"), campaignpage_id=campaign.pk
            ).values(_filed=Value(True, output_field=BooleanField()))[:1]
            pages = pages.annotate(
                _filed=Coalesce(Subquery(filed), Value(False), output_field=BooleanField())
            ).filter(Q(id=campaign.pk) | Q(_filed=True))
        else:
            article_ids = NewsArticlePage.objects.filter(campaigns=campaign).values("pk")
            pages = pages.filter(Q(id=campaign.pk) | Q(id__in=article_ids))
    return pages


def run_search(terms, result_type="", campaign=None, sort="", exclude_ids=()):
    """Search results (lazy, sliceable, countable) for a list of cleaned search terms.

    On the database backends a query that matches more than CANDIDATE_LIMIT pages is bounded
    (search/backends/bounded.py): ``is_capped(results)`` is then true and the count is not
    the number of matches.
    """
    backend = get_search_backend()
    pages = filtered_pages(result_type, campaign, database=supports_bounding(backend))
    if exclude_ids:
        pages = pages.exclude(id__in=list(exclude_ids))
    query = PlainText(" ".join(terms), operator="and")
    if sort != "newest":
        return bounded_search(backend, pages, query)
    if backend.query_compiler_class.HANDLES_ORDER_BY_EXPRESSIONS:
        # The database backends order by an expression: an article's own date, else the
        # date the page was first published.
        pages = pages.annotate(
            sort_date=Coalesce(
                "newsarticlepage__date",
                TruncDate("first_published_at"),
                output_field=DateField(),
            )
        ).order_by(F("sort_date").desc(nulls_last=True), "-id")
    else:
        # Elasticsearch sorts on indexed fields only: articles by their date when only news is
        # asked for, otherwise every page by when it was first published.
        if result_type == "news":
            pages = _news_queryset(campaign, exclude_ids).order_by("-date", "-id")
        else:
            pages = pages.order_by("-first_published_at", "-id")
    return bounded_search(backend, pages, query, order_by_relevance=False)


def _news_queryset(campaign, exclude_ids):
    articles = sitedata.public(NewsArticlePage.objects.live())
    if campaign is not None:
        articles = articles.filter(
            id__in=NewsArticlePage.objects.filter(campaigns=campaign).values("pk")
        )
    if exclude_ids:
        articles = articles.exclude(id__in=list(exclude_ids))
    return articles


def promoted_results(text):
    """Editors' picks for this query (search promotions), in their order.

    A promoted page that is not live and public is left out, like any other result.
    """
    promotions = list(
        SearchPromotion.objects.filter(query__query_string=normalise_query_string(text))
        .select_related("page")
        .order_by("sort_order", "pk")
    )
    if not promotions:
        return []
    page_ids = [p.page_id for p in promotions if p.page_id]
    pages = {page.pk: page for page in visible_pages().filter(pk__in=page_ids).specific(defer=True)}
    picks = []
    for promotion in promotions:
        if promotion.page_id:
            page = pages.get(promotion.page_id)
            if page is None:
                continue
            picks.append(
                {
                    "page_id": page.pk,
                    "title": page.title,
                    "url": page.get_url(),
                    "description": promotion.description or _summary(page),
                }
            )
        elif promotion.external_link_url:
            picks.append(
                {
                    "page_id": None,
                    "title": promotion.external_link_text or promotion.external_link_url,
                    "url": promotion.external_link_url,
                    "description": promotion.description,
                }
            )
    return picks


def _summary(page):
    for name in ("summary", "intro", "hero_intro", "search_description"):
        value = getattr(page, name, "")
        if isinstance(value, str) and value.strip():
            return value
    return ""


def page_text(page):
    """The page's searchable text other than its title, as indexed (summaries, bodies...)."""
    from wagtail.search import index

    parts = []
    for field in page.get_search_fields():
        if isinstance(field, index.SearchField) and field.field_name != "title":
            value = field.get_value(page)
            if isinstance(value, (list, tuple)):
                parts.extend(str(v) for v in value if v)
            elif value:
                parts.append(str(value))
    return " ".join(parts)


def page_date(page):
    date = getattr(page, "date", None)
    if isinstance(date, datetime.date):
        return date
    if page.first_published_at:
        return timezone.localtime(page.first_published_at).date()
    return None


def indexed_texts(pages):
    """({page id: its text other than the title}, {article id: its date}) as the database
    search backends indexed them (the text a search matched), read from the index in one
    query with the articles' dates; ({}, {}) elsewhere."""
    if not pages or not supports_bounding(get_search_backend()):
        return {}, {}
    from django.db import connection
    from wagtail.search.models import IndexEntry

    column = "body_text" if connection.vendor == "postgresql" else "body"
    article_date = NewsArticlePage.objects.filter(
        pk=Cast(OuterRef("object_id"), IntegerField())
    ).values("date")[:1]
    rows = (
        IndexEntry.objects.filter(
            content_type_id__in={page.content_type_id for page in pages},
            object_id__in=[str(page.pk) for page in pages],
        )
        .annotate(article_date=Subquery(article_date, output_field=DateField()))
        .values_list("content_type_id", "object_id", column, "article_date")
    )
    found = {
        (content_type_id, object_id): (text, date)
        for content_type_id, object_id, text, date in rows
    }
    texts, dates = {}, {}
    for page in pages:
        entry = found.get((page.content_type_id, str(page.pk)))
        if entry is not None:
            texts[page.pk] = entry[0]
            if entry[1] is not None:
                dates[page.pk] = entry[1]
    return texts, dates


def build_results(pages, terms, request):
    """Turn a list of (base) pages into what the template shows, in the same order.

    Snippets come from the indexed text where the backend keeps it, so the pages' StreamFields
    are neither loaded nor rendered again.
    """
    pages = list(pages)
    texts, dates = indexed_texts(pages)
    ids = [page.pk for page in pages]
    if texts and len(texts) == len(ids):
        # Everything a result shows is on the base page, or read with the indexed text (an
        # article's date): no query per page type to load every result as its own type.
        specific = {page.pk: page for page in pages}
        kinds = {page.pk: page_type(page.specific_class or Page) for page in pages}
    else:
        specific = {page.pk: page for page in Page.objects.filter(pk__in=ids).specific()}
        kinds = {pk: page_type(page) for pk, page in specific.items()}
    items = []
    for pk in ids:
        page = specific.get(pk)
        if page is None:
            continue
        kind = kinds[pk]
        text = texts[pk] if pk in texts else page_text(page)
        items.append(
            {
                "page": page,
                "url": page.get_url(request),
                "title_html": highlight(page.title, terms),
                "type": kind,
                "type_label": TYPE_LABELS[kind],
                "date": dates[pk] if pk in dates else page_date(page),
                "snippet_html": snippet(text, terms),
            }
        )
    return items


def campaign_hubs():
    """The live, public campaigns (the campaign filter and the hubs suggested when nothing is
    found), active ones first, then by title: the news filter's cached list, sorted."""
    return sorted(campaign_choices(), key=lambda hub: (hub.status_order, hub.title))


def campaign_index():
    """The campaign index ("All campaigns"), kept in the cache with the site's structure."""
    return generations.cached(
        "psg:search:campaign-index",
        [generations.GLOBAL],
        lambda: (
            sitedata.public(CampaignIndexPage.objects.live())
            .only("id", "title", "slug", "url_path", "path", "depth")
            .first()
        ),
    )


@require_GET
def search(request):
    text, notes = clean_query(request.GET.get("q", ""))
    terms = search_terms(text)

    result_type = request.GET.get("type", "")
    if result_type not in TYPE_LABELS:
        result_type = ""
    sort = "newest" if request.GET.get("sort") == "newest" else ""

    hubs = campaign_hubs()
    campaign_slug = request.GET.get("campaign", "")
    campaign = None
    unknown_campaign = False
    if campaign_slug:
        if SLUG.fullmatch(campaign_slug):
            campaign = next((hub for hub in hubs if hub.slug == campaign_slug), None)
        unknown_campaign = campaign is None

    filters_applied = bool(result_type or campaign)
    context = {
        "search_query": text,
        "search_terms": terms,
        "query_truncated": "truncated" in notes,
        "max_query_length": MAX_QUERY_LENGTH,
        "result_type": result_type,
        "sort": sort,
        "campaign": campaign,
        "unknown_campaign": unknown_campaign,
        "filters_applied": filters_applied,
        "type_choices": TYPE_CHOICES,
        "sort_choices": SORT_CHOICES,
        "campaign_choices": hubs,
        "campaign_index": campaign_index(),
        "promoted": [],
        "results_page": None,
        "results": [],
        "total": 0,
    }

    if not terms:
        context["popular_searches"] = stats.popular_searches()
        return _no_store(TemplateResponse(request, "search/search.html", context))

    first_page = request.GET.get("page", "1") in ("", "1")
    promoted = []
    if not filters_applied and not unknown_campaign:
        promoted = promoted_results(text)
    exclude_ids = [p["page_id"] for p in promoted if p["page_id"]]

    if unknown_campaign:
        results = visible_pages().none()
    else:
        results = run_search(terms, result_type, campaign, sort, exclude_ids)
    results_page = paginate(request, results, per_page=RESULTS_PER_PAGE)
    items = build_results(list(results_page.object_list), terms, request)
    capped = not unknown_campaign and is_capped(results)
    total = results_page.paginator.count + len(promoted)

    if first_page and not notes:
        stats.record_search(request, text, found=total > 0)

    context.update(
        promoted=promoted if results_page.number == 1 else [],
        results_page=results_page,
        results=items,
        total=total,
        organic_total=results_page.paginator.count,
        # More matches than are ranked: the page says "more than N results".
        capped=capped,
        candidate_limit=bounded.CANDIDATE_LIMIT,
        querystring=_querystring(text, result_type, campaign, sort),
    )
    return _no_store(TemplateResponse(request, "search/search.html", context))


def _querystring(text, result_type, campaign, sort):
    from django.http import QueryDict

    params = QueryDict(mutable=True)
    params["q"] = text
    if result_type:
        params["type"] = result_type
    if campaign is not None:
        params["campaign"] = campaign.slug
    if sort:
        params["sort"] = sort
    return params.urlencode()


def suggestions_for(terms, request):
    """Up to SUGGESTIONS_COUNT live, public pages whose titles start like ``terms``."""
    if not terms or len(" ".join(terms)) < SUGGEST_MIN_LENGTH:
        return []
    pages = bounded_autocomplete(
        get_search_backend(), visible_pages(), PlainText(" ".join(terms), operator="and")
    )
    return [
        {
            "title": page.title,
            "url": page.get_url(request),
            "type": TYPE_LABELS[page_type(page.specific_class or Page)],
        }
        for page in pages[:SUGGESTIONS_COUNT]
    ]


@require_GET
def suggest(request):
    """Titles of live, public pages that start like what is being typed (JSON)."""
    text, _notes = clean_query(request.GET.get("q", ""))
    suggestions = suggestions_for(search_terms(text), request)
    return _no_store(JsonResponse({"query": text, "results": suggestions}))
