"""The "Recent membership applications" panel on the admin dashboard, for people allowed to
see applications (registered by this app's wagtail_hooks.py)."""

from django.urls import reverse
from wagtail.admin.ui.components import Component

from .models import MembershipApplication

APPLICATIONS_COUNT = 5


def user_may_see_applications(user):
    return user.has_perm("membership.view_membershipapplication")


class MembershipApplicationsPanel(Component):
    """The latest applications: names, type, status and when they arrived."""

    name = "membership_applications"
    template_name = "membership/admin/dashboard_panel.html"
    order = 240

    def get_context_data(self, parent_context):
        applications = MembershipApplication.objects.order_by("-created_at", "-pk")
        return {
            "applications": list(applications[:APPLICATIONS_COUNT]),
            # The list of applications in the "Membership" admin (wagtail_hooks.py).
            "index_url": reverse("membership_membershipapplication_modeladmin_index"),
            "total": MembershipApplication.objects.count(),
        }
