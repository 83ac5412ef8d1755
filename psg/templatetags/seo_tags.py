"""Share cards, canonical addresses and structured data for the page being shown."""

from django import template
from wagtail.images.models import SourceImageIOError
from wagtail.models import Site

from psg import seo
from psg.models import SiteSettings

from .psg_images import filter_for
from .psg_tags import as_page, meta_description, site_description

register = template.Library()


def _site_name(request):
    site = Site.find_for_request(request) if request is not None else None
    return (site.site_name if site else "") or "Peru Support Group"


def _share_rendition(image):
    """The share-card rendition, fetched once per image per request (the share tags and the
    structured data both use it).

    `get_renditions` rather than `get_rendition`: it finds the rendition among those prefetched
    with the image without writing it back to the renditions cache on every page view.
    """
    if not image:
        return None
    if not hasattr(image, "_share_rendition"):
        share_filter = filter_for(seo.SHARE_IMAGE_SPEC)
        try:
            image._share_rendition = image.get_renditions(share_filter)[share_filter.spec]
        except (SourceImageIOError, OSError):
            image._share_rendition = None
    return image._share_rendition


@register.inclusion_tag("includes/seo.html", takes_context=True)
def seo_meta(context, page=None):
    page = as_page(page)
    request = context.get("request")
    site_settings = SiteSettings.load(request_or_site=request) if request is not None else None
    canonical = page.get_full_url(request) if page is not None else ""
    listing = context.get("articles_page") or context.get("campaigns_page")
    if canonical and listing is not None and getattr(listing, "number", 1) > 1:
        canonical += f"?page={listing.number}"
    image = seo.share_image(page, site_settings)
    rendition = _share_rendition(image)
    is_article = page is not None and hasattr(page, "date") and hasattr(page, "summary")
    title = (getattr(page, "seo_title", "") or getattr(page, "title", "")) if page else ""
    return {
        "canonical": canonical,
        "site_name": _site_name(request),
        "title": title,
        "description": meta_description(page) or site_description(request),
        "og_type": "article" if is_article else "website",
        "published": page.date.isoformat() if is_article and page.date else "",
        "image_url": seo.absolute_url(request, rendition.url) if rendition else "",
        "image": rendition,
        # The image's own description, never its title (which is the file's name by default).
        "image_alt": (getattr(image, "description", "") or "").strip() if rendition else "",
    }


@register.simple_tag(takes_context=True)
def share_card(context, page=None):
    """The values `seo_meta` writes into the og: and twitter: tags, for the social preview."""
    return seo_meta(context, page)


@register.simple_tag(takes_context=True)
def json_ld_organisation(context):
    request = context.get("request")
    site_settings = SiteSettings.load(request_or_site=request) if request is not None else None
    data = seo.organisation_data(request, site_settings, _site_name(request))
    return seo.json_ld(data)


@register.simple_tag(takes_context=True)
def json_ld_article(context, page):
    request = context.get("request")
    site_settings = SiteSettings.load(request_or_site=request) if request is not None else None
    rendition = _share_rendition(seo.share_image(page, site_settings))
    image_url = seo.absolute_url(request, rendition.url) if rendition else ""
    data = seo.article_data(request, page, image_url, site_settings, _site_name(request))
    return seo.json_ld(data)
