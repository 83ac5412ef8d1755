"""The editorial app's place in the admin: its screens, the "Share draft" button, the dashboard
panel, the page views with confirming moderation actions and the "Shared draft links" report.

Wagtail calls some of these hooks only once, at start-up (admin URLs, viewsets, menu items).
What they hand over is built at module level below, and the hooks only return it.
"""

from django.urls import include, path, reverse, reverse_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem

from . import (
    admin_urls,
    editor_aids,  # noqa: F401 - its hooks register on import
    getting_started,  # noqa: F401 - its hooks register on import
    guide,  # noqa: F401 - its hooks register on import
)
from .admin_views import user_may_share
from .listings import NewsArticlePageViewSet
from .moderation import (
    ModerationPageViewSet,
    confirm_edit_view_workflow_action,
    show_requested_changes,
)
from .panels import MyDraftsPanel

# The share and revoke screens and the report, below /admin/editorial/.
ADMIN_URLS = [path("editorial/", include(admin_urls, namespace="editorial_admin"))]


@hooks.register("register_admin_urls")
def register_editorial_admin_urls():
    return ADMIN_URLS


class ShareDraftButton(PageMenuItem):
    label = "Share draft"
    icon_name = "link"

    @property
    def url(self):
        return reverse("editorial_admin:share", args=[self.page.pk])

    def is_shown(self, user):
        return not self.page.is_root() and self.page.permissions_for_user(user).can_edit()


@hooks.register("register_page_header_buttons")
def share_draft_header_button(page, user, view_name, next_url=None):
    yield ShareDraftButton(page=page, priority=12)


@hooks.register("register_page_listing_more_buttons")
def share_draft_listing_button(page, user, next_url=None):
    yield ShareDraftButton(page=page, priority=5)


@hooks.register("construct_homepage_panels")
def add_editorial_panels(request, panels):
    panels.append(MyDraftsPanel())


@hooks.register("register_admin_viewset")
def register_moderation_page_views():
    # Every page type without a viewset of its own: moderation actions confirm what they did.
    return ModerationPageViewSet()


# The moderator's comment on the edit view, and a confirmation after acting from the editor.
hooks.register("before_edit_page", show_requested_changes)
hooks.register("after_edit_page", confirm_edit_view_workflow_action)


# The News section of the page explorer: article dates, newest first.
NEWS_ARTICLE_LISTING = NewsArticlePageViewSet("news_article_pages")


@hooks.register("register_admin_viewset")
def register_news_article_listing():
    return NEWS_ARTICLE_LISTING


class SharedLinksMenuItem(MenuItem):
    def is_shown(self, request):
        return user_may_share(request.user)


# In the Reports menu after "Locked pages" (700), before "Workflows" (800).
SHARED_LINKS_REPORT = SharedLinksMenuItem(
    "Shared draft links",
    reverse_lazy("editorial_admin:active_links"),
    name="shared-draft-links",
    icon_name="link",
    order=750,
)


@hooks.register("register_reports_menu_item")
def register_shared_links_report():
    return SHARED_LINKS_REPORT
