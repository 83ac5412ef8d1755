"""The "Getting started" dashboard panel: the first steps for an editor with nothing in progress.

The rule: the panel shows while the person has no work in progress, that is no page whose latest
change is theirs and unpublished (a draft) and no submission of theirs still in moderation
(in progress, or sent back with changes requested). Once they have either, the "My drafts" and
workflow panels take its place.
"""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import Page, WorkflowState

from campaigns.models import CampaignIndexPage
from news.models import NewsArticlePage, NewsIndexPage

from .guide import guide_url


def has_work_in_progress(user):
    drafts = Page.objects.filter(has_unpublished_changes=True, latest_revision__user=user)
    in_moderation = WorkflowState.objects.active().filter(requested_by=user)
    return drafts.exists() or in_moderation.exists()


def _add_article_url(user):
    news_index = NewsIndexPage.objects.order_by("path").first()
    if news_index is None:
        return None
    if not news_index.permissions_for_user(user).can_add_subpage():
        return None
    return reverse(
        "wagtailadmin_pages:add",
        args=[
            NewsArticlePage._meta.app_label,
            NewsArticlePage._meta.model_name,
            news_index.pk,
        ],
    )


def _campaigns_url():
    campaigns = CampaignIndexPage.objects.order_by("path").first()
    if campaigns is None:
        return None
    return reverse("wagtailadmin_explore", args=[campaigns.pk])


class GettingStartedPanel(Component):
    name = "getting_started"
    template_name = "editorial/panels/getting_started.html"
    order = 50

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        return {
            "add_article_url": _add_article_url(self.user),
            "campaigns_url": _campaigns_url(),
            "guide_url": guide_url(),
        }


@hooks.register("construct_homepage_panels")
def add_getting_started_panel(request, panels):
    if not has_work_in_progress(request.user):
        panels.append(GettingStartedPanel(request.user))
