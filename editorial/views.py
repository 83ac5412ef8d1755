"""The public side of shared draft links: /preview/<token>/."""

import re
import secrets

from django.http import Http404
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from .models import SharedDraftLink

# What new_token() produces: URL-safe base64, at least 43 characters.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43,100}")
ROBOTS_META = '<meta name="robots" content="noindex, nofollow">'
_HEAD_OPEN = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
_BODY_OPEN = re.compile(r"<body(\s[^>]*)?>", re.IGNORECASE)
_ROBOTS_TAG = re.compile(r"<meta\s[^>]*name=[\"']robots[\"'][^>]*>", re.IGNORECASE)
# Sent with every draft: search engines keep out, and the secret address is never passed on.
READER_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


def find_active_link(token):
    """The active link for `token`, or None. Malformed tokens never reach the database."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    link = SharedDraftLink.objects.active().select_related("page").filter(token=token).first()
    if link is None or not secrets.compare_digest(link.token.encode(), token.encode()):
        return None
    return link


def add_robots_meta(html):
    """Make sure the document tells search engines not to index or follow it."""
    if _ROBOTS_TAG.search(html):
        return _ROBOTS_TAG.sub(ROBOTS_META, html)
    match = _HEAD_OPEN.search(html)
    if match is None:
        return ROBOTS_META + html
    return html[: match.end()] + ROBOTS_META + html[match.end() :]


def add_draft_banner(html, link):
    """Put the "Draft shared for review — not published" banner, with the link's expiry, at
    the top of the page's body, so that the draft cannot pass for the live page."""
    banner = render_to_string(
        "editorial/shared_draft_banner.html",
        {
            "expires_at": timezone.localtime(link.expires_at),
            "stylesheet": static("editorial/shared-draft.css"),
        },
    )
    match = _BODY_OPEN.search(html)
    if match is None:
        return banner + html
    return html[: match.end()] + banner + html[match.end() :]


@require_safe
def shared_draft(request, token):
    """Show the page's latest revision, rendered with its own template, to a link holder.

    A link that does not exist, has expired or was revoked gets the site's "Page not found"."""
    link = find_active_link(token)
    if link is None:
        raise Http404

    page = link.page.specific.get_latest_revision_as_object()
    mode = page.default_preview_mode
    request.is_preview = True
    request.preview_mode = mode
    response = page.serve_preview(request, mode)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()

    # Every response Django builds has a Content-Type (only a 304 has none, and a preview
    # never answers with one).
    if response["Content-Type"].startswith("text/html") and not response.streaming:
        # Django's charset falls back to DEFAULT_CHARSET: it is never empty.
        html = add_robots_meta(response.content.decode(response.charset))
        # The banner's dash and quotes as character references where the page's own
        # charset has no room for them.
        html = add_draft_banner(html, link)
        response.content = html.encode(response.charset, "xmlcharrefreplace")

    for name, value in READER_HEADERS.items():
        response[name] = value
    patch_cache_control(response, no_store=True, private=True, max_age=0)
    return response
