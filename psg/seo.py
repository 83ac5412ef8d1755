"""What search engines, feed readers and social networks read: robots.txt, share cards and
structured data (the error pages are in psg/errors.py).

This module belongs to the ground floor (`psg/`): it imports no app. Page types are
recognised by the fields they have (an article has a `date` and a `summary`).
"""

import datetime
import json

from django.http import HttpResponse
from django.templatetags.static import static
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail.models import Site

# The share card size Facebook, LinkedIn, Bluesky and X all accept.
SHARE_IMAGE_SPEC = "fill-1200x630|format-jpeg|jpegquality-80"


def site_root_url(request):
    """The site's address without a trailing slash, e.g. 'https://www.perusupportgroup.org.uk'."""
    site = Site.find_for_request(request) if request is not None else None
    if site is not None:
        return site.root_url
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def absolute_url(request, url):
    if not url or url.startswith(("http://", "https://")):
        return url or ""
    return site_root_url(request) + url


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "",
        f"Sitemap: {absolute_url(request, '/sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def share_image(page, site_settings):
    """The image a share card shows: the page's own, else the site's default."""
    for field in ("image", "hero_image"):
        image = getattr(page, field, None) if page is not None else None
        if image:
            return image
    return getattr(site_settings, "share_image", None)


def plain(text, limit=None):
    text = " ".join(strip_tags(str(text or "")).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def organisation_data(request, site_settings, site_name):
    root = site_root_url(request)
    data = {
        "@type": "NGO",
        "@id": f"{root}/#organisation",
        "name": site_name,
        "url": f"{root}/",
        "logo": absolute_url(request, static("images/logo-mark.svg")),
    }
    if site_settings is not None:
        if site_settings.about:
            data["description"] = plain(site_settings.about)
        if site_settings.contact_email:
            data["email"] = site_settings.contact_email
        if site_settings.postal_address:
            data["address"] = ", ".join(
                line.strip() for line in site_settings.postal_address.splitlines() if line.strip()
            )
        if site_settings.charity_number:
            data["identifier"] = {
                "@type": "PropertyValue",
                "propertyID": "Charity Commission for England and Wales",
                "value": site_settings.charity_number,
            }
        same_as = [url for _name, url in site_settings.social_links()]
        if same_as:
            data["sameAs"] = same_as
    return data


def article_data(request, page, image_url, site_settings, site_name):
    url = page.get_full_url(request)
    published = page.date.isoformat() if isinstance(page.date, datetime.date) else None
    modified = page.last_published_at.isoformat() if page.last_published_at else published
    organisation = organisation_data(request, site_settings, site_name)
    data = {
        "@type": "NewsArticle",
        "headline": plain(page.title, 110),
        "description": plain(getattr(page, "summary", "")),
        "datePublished": published,
        "dateModified": modified,
        "mainEntityOfPage": url,
        "url": url,
        "inLanguage": "en-GB",
        "author": {"@id": organisation["@id"], "@type": "NGO", "name": site_name},
        "publisher": organisation,
    }
    if image_url:
        data["image"] = [image_url]
    return data


def json_ld(data):
    """A <script type="application/ld+json"> element; <, > and & are escaped as in json_script."""
    payload = {"@context": "https://schema.org", **data}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
