"""Small aids in the page editor: a live character count on titles (editorial/static/editorial/
title-count.js), so a long title is never cut mid-word without notice."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_editor_js")
def title_character_count():
    return format_html('<script src="{}"></script>', static("editorial/title-count.js"))
