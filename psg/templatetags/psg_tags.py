"""Template tags for the site's layout: menu, breadcrumbs, meta description, images."""

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator
from wagtail.models import Page
from wagtail.templatetags.wagtailcore_tags import slugurl

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
    (`PageFacts.summary_text()`: its summary, introduction or hero text)."""
    page = as_page(page)
    if page is None:
        return ""
    text = " ".join(strip_tags(page.search_description or "").split())
    if not text and isinstance(page, PageFacts):
        text = page.summary_text()
    return Truncator(text).chars(length) if text else ""


@register.simple_tag(takes_context=True)
def page_description(context, page=None):
    """The page's own description (see meta_description), or failing that the organisation's
    "about" text from the site settings, so that every page has a meta description."""
    return meta_description(page) or site_description(context.get("request"))


def site_description(request, length=300):
    if request is None:
        return ""
    from psg.models import SiteSettings

    # load() answers from the cached site data, or with the copy a settings preview carries.
    about = SiteSettings.load(request_or_site=request).about
    return Truncator(" ".join(strip_tags(about or "").split())).chars(length)


@register.filter
def in_values(value, values):
    """True when `value` matches one of `values` compared as text (e.g. a year from the URL)."""
    return str(value) in {str(v) for v in values or ()}
