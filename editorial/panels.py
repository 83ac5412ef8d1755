"""Dashboard panels: the editor's own drafts and the latest membership applications."""

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from wagtail.admin.ui.components import Component
from wagtail.models import Page

MY_DRAFTS_COUNT = 8
APPLICATIONS_COUNT = 5
# Where the membership app's admin lists applications, in the order we look for it.
APPLICATION_INDEX_URL_NAMES = (
    "membership_membershipapplication_modeladmin_index",
    "membership_applications:index",
    "membershipapplication:index",
    "wagtailsnippets_membership_membershipapplication:list",
)


class MyDraftsPanel(Component):
    """Pages whose latest change is the user's own and is not published yet."""

    name = "my_drafts"
    template_name = "editorial/panels/my_drafts.html"
    order = 230

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        drafts = (
            Page.objects.filter(has_unpublished_changes=True, latest_revision__user=request.user)
            .select_related("content_type", "latest_revision")
            # What the status tag needs ("draft", "in moderation", "scheduled"), in bulk.
            .annotate_approved_schedule()
            .prefetch_workflow_states()
            .order_by("-latest_revision_created_at", "-pk")[:MY_DRAFTS_COUNT]
        )
        drafts = list(drafts)
        for page in drafts:
            model = page.specific_class
            page.type_label = model.get_verbose_name() if model else ""
        return {"drafts": drafts, "request": request}


def membership_application_model():
    """The membership application model, or None while that app does not provide it."""
    try:
        return apps.get_model("membership", "MembershipApplication")
    except LookupError:
        return None


def applications_index_url():
    for name in APPLICATION_INDEX_URL_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


class MembershipApplicationsPanel(Component):
    """The latest applications, for people allowed to see them."""

    name = "membership_applications"
    template_name = "editorial/panels/membership_applications.html"
    order = 240

    def __init__(self, model):
        self.model = model

    def get_context_data(self, parent_context):
        applications = self.model.objects.order_by("-created_at", "-pk")[:APPLICATIONS_COUNT]
        return {
            "applications": list(applications),
            "index_url": applications_index_url(),
            "total": self.model.objects.count(),
        }


def user_may_see_applications(user):
    return user.has_perm("membership.view_membershipapplication")
