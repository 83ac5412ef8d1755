"""Template tags for the site's layout: menu, breadcrumbs, meta description, images."""

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.utils import translation
from django.utils.dates import MONTHS
from django.utils.html import strip_tags
from django.utils.text import Truncator
from wagtail.models import Page
from wagtail.templatetags.wagtailcore_tags import pageurl, slugurl

from psg import navigation, sitedata
from psg.pages import PageFacts

register = template.Library()


def as_page(value):
    """The page in the context, or None where there is none (e.g. on the 404 page the
    template engine hands an empty string for a missing `page`)."""
    return value if isinstance(value, Page) else None


@register.simple_tag(takes_context=True)
def main_menu(context, page=None):
    return navigation.main_menu(context.get("request"), as_page(page))


@register.simple_tag(takes_context=True)
def breadcrumbs(context, page=None):
    return navigation.breadcrumbs(as_page(page), context.get("request"))


@register.simple_tag(takes_context=True)
def shared_page_url(context, page):
    """`{% pageurl page %}` for a page that many cards link to (a campaign tag on every article
    of a listing): worked out once per request."""
    request = context.get("request")
    if request is None or not isinstance(page, Page):
        return pageurl(context, page)
    known = request.__dict__.setdefault("_psg_shared_page_urls", {})
    key = (page.pk, page.url_path)
    if key not in known:
        known[key] = page.get_url(request=request)
    return known[key]


@register.simple_tag
@lru_cache(maxsize=64)
def static_url(path):
    """`{% static path %}`, worked out once per process: the address of a static file only
    changes with a new release (a new manifest of hashed names) or new settings."""
    return static(path)


@receiver(setting_changed)
def _forget_static_urls(**kwargs):
    static_url.cache_clear()


@register.simple_tag(takes_context=True)
def section_url(context, slug):
    """The address of the top-level section with this slug (e.g. 'news'), from the cached site
    data; any other page with that slug is looked up as `{% slugurl %}` would."""
    request = context.get("request")
    page = sitedata.section(request, slug) if request is not None else None
    if page is None:
        return slugurl(context, slug)
    return page.get_url(request)


@register.simple_tag
def meta_description(page, length=300):
    """The page's search description, or failing that its summary as search results show it
    (`PageFacts.summary_text()`: its summary, introduction or hero text).

    Worked out once per page object: the layout's <meta name="description"> and the share
    card both show it.
    """
    page = as_page(page)
    if page is None:
        return ""
    known = page.__dict__.setdefault("_psg_meta_descriptions", {})
    if length not in known:
        text = " ".join(strip_tags(page.search_description or "").split())
        if not text and isinstance(page, PageFacts):
            text = page.summary_text()
        known[length] = Truncator(text).chars(length) if text else ""
    return known[length]


@register.simple_tag(takes_context=True)
def page_description(context, page=None):
    """The page's own description (see meta_description), or failing that the organisation's
    "about" text from the site settings, so that every page has a meta description."""
    return meta_description(page) or site_description(context.get("request"))


def site_description(request, length=300):
    """The organisation's "about" text as a description, worked out once per request."""
    if request is None:
        return ""
    from psg.models import SiteSettings

    known = request.__dict__.setdefault("_psg_site_descriptions", {})
    if length not in known:
        # load() answers with Wagtail's copy for this request, or with the copy a settings
        # preview carries.
        about = SiteSettings.load(request_or_site=request).about
        known[length] = Truncator(" ".join(strip_tags(about or "").split())).chars(length)
    return known[length]


@lru_cache(maxsize=16)
def _month_names(language):
    with translation.override(language):
        return {number: str(name) for number, name in MONTHS.items()}


@register.filter(expects_localtime=True)
def long_date(value):
    """A date as `|date:"j F Y"` writes it ("5 December 2026", the month in the active
    language), without parsing the format string and translating the month each time: every
    card and timeline entry shows one."""
    language = translation.get_language()
    try:
        month = _month_names(language)[value.month] if language else str(MONTHS[value.month])
        return f"{value.day} {month} {value.year:04d}"
    except (AttributeError, KeyError, TypeError, ValueError):
        return ""


@register.filter(expects_localtime=True)
def iso_date(value):
    """A date as `|date:"Y-m-d"` writes it ("2026-12-05"), for <time datetime>."""
    try:
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    except (AttributeError, TypeError, ValueError):
        return ""


@register.filter
def in_values(value, values):
    """True when `value` matches one of `values` compared as text (e.g. a year from the URL)."""
    return str(value) in {str(v) for v in values or ()}


@register.simple_tag(takes_context=True)
def pagination_links(context, page_obj):
    """The links of includes/pagination.html for `page_obj`, each address written as
    `{% querystring page=n %}` would write it (every other parameter kept, in its order).

    Returns a dict: `previous` and `next` (addresses, or "" at either end) and `pages`, one
    dict per entry of `page_obj.elided_range` with its `number`, `url`, whether it is the
    `current` page, and `gap` for an ellipsis. The query string is copied once for all links
    rather than once per link.
    """
    params = context.request.GET.copy()

    def address(number):
        params["page"] = number
        return f"?{params.urlencode()}"

    ellipsis = page_obj.paginator.ELLIPSIS
    current = page_obj.number
    pages = []
    for number in getattr(page_obj, "elided_range", ()):
        if number == ellipsis:
            pages.append({"gap": True})
        else:
            pages.append({"number": number, "url": address(number), "current": number == current})
    return {
        "previous": address(page_obj.previous_page_number()) if page_obj.has_previous() else "",
        "next": address(page_obj.next_page_number()) if page_obj.has_next() else "",
        "pages": pages,
    }
