"""The editors' guide inside the admin: docs/editors-guide.md rendered for signed-in staff, its
screenshots from docs/img, a link in the admin's Help menu.

The guide is the project's own Markdown, but it is still rendered without raw HTML (any HTML in
the file shows as text), so that nothing in a document can run in an editor's admin session.
Every URL here sits under /admin/, so Wagtail's admin sign-in protects it: an anonymous visitor
is sent to the sign-in page.
"""

import re
from pathlib import Path

import markdown
from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import include, path, reverse
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

# The documents the admin serves, by the name their links use (the guide links to membership.md).
GUIDES = {
    "editors-guide.md": "Editors' guide",
    "membership.md": "Membership applications",
}
MAIN_GUIDE = "editors-guide.md"
IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.png$")


def docs_dir():
    return Path(settings.BASE_DIR) / "docs"


def guide_url():
    return reverse("psg_guide:guide")


def render_markdown(text):
    """HTML from the guide's Markdown, with raw HTML shown as text rather than passed through."""
    md = markdown.Markdown(extensions=["tables", "toc", "sane_lists"])
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return mark_safe(md.convert(text))  # noqa: S308 - raw HTML is disabled above


class GuideView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "editorial/admin/guide.html"
    header_icon = "help"

    def dispatch(self, request, name=MAIN_GUIDE):
        if name not in GUIDES:
            raise Http404("No such guide")
        self.name = name
        return super().dispatch(request)

    def get_page_title(self):
        return GUIDES[self.name]

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items]
        if self.name != MAIN_GUIDE:
            items.append({"url": guide_url(), "label": GUIDES[MAIN_GUIDE]})
        items.append({"url": "", "label": GUIDES[self.name]})
        return items

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            text = (docs_dir() / self.name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        context["guide_html"] = render_markdown(text) if text is not None else None
        return context


def guide_image(request, name):
    """One screenshot from docs/img, by its plain file name only."""
    if not IMAGE_NAME.match(name):
        raise Http404("No such image")
    image = docs_dir() / "img" / name
    if not image.is_file():
        raise Http404("No such image")
    response = FileResponse(image.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path("", GuideView.as_view(), name="guide"),
    path("<str:name>", GuideView.as_view(), name="document"),
    path("img/<str:name>", guide_image, name="image"),
]


@hooks.register("register_admin_urls")
def register_guide_urls():
    return [path("guide/", include((urlpatterns, "psg_guide")))]


@hooks.register("register_help_menu_item")
def register_guide_help_item():
    return MenuItem(
        "PSG editors' guide",
        guide_url(),
        name="psg-editors-guide",
        icon_name="doc-full",
        order=100,
    )
