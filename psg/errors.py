"""The error pages: handler404 and handler500 in psg/urls.py.

Both must answer whatever else is broken.

- 500: rendered from a standalone template (templates/500.html) with an empty context: no
  database query, no context processor and no static files. Under the manifest storage every
  `{% static %}` tag raises until `collectstatic` has run, so a 500 page that used one would
  itself fail and leave the visitor a bare "Server Error". Its styles are inline. If even
  that template cannot be rendered, a fixed HTML string is sent.
- 404: the site's own page (templates/404.html, in the site's layout: menu, footer, the
  stylesheet). When that cannot be rendered (the database is down, static files were never
  collected) a standalone "not found" page is sent instead, still with status 404.

The public Content-Security-Policy allows no inline style, so each of these responses allows
its own <style> elements by their SHA-256 hashes (django-csp's per-response update), and
nothing else.
"""

import base64
import hashlib
import logging
import re

from django.http import HttpResponseNotFound, HttpResponseServerError
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

STYLE_ELEMENT = re.compile(r"<style>(.*?)</style>", re.S)

# The 500 page when templates/500.html cannot be rendered (a broken template, a missing file).
FALLBACK_500 = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Something went wrong | Peru Support Group</title>
<style>body { margin: 3rem auto; max-width: 46rem; padding: 0 1.25rem; font-family: system-ui,
sans-serif; line-height: 1.6; color: #1c1b1a; } a { color: #8f1d21; }</style>
</head>
<body>
<main>
<p>Peru Support Group</p>
<h1>Sorry, something went wrong on our side</h1>
<p>The problem is on our side, not yours. Please try again in a few minutes.</p>
<p><a href="/">Go to the home page</a></p>
</main>
</body>
</html>
"""


def style_hashes(html):
    """CSP sources ('sha256-…') for each <style> element of `html`."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"
        for css in STYLE_ELEMENT.findall(html)
    ]


def allow_own_styles(response):
    hashes = style_hashes(response.content.decode())
    if hashes:
        response._csp_update = {"style-src": hashes}
    return response


def server_error(request, template_name="500.html"):
    try:
        html = loader.get_template(template_name).render({})
    except Exception:
        logger.exception(
            "The error page %s could not be rendered: sent the built-in one", template_name
        )
        html = FALLBACK_500
    return allow_own_styles(HttpResponseServerError(html))


def page_not_found(request, exception, template_name="404.html"):
    try:
        return defaults.page_not_found(request, exception, template_name=template_name)
    except Exception:
        logger.exception(
            "The page %s could not be rendered: sent the standalone one", template_name
        )
    html = loader.get_template("errors/not_found.html").render({})
    return allow_own_styles(HttpResponseNotFound(html))
