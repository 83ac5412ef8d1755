"""The "Membership" admin menu: review applications, change their status, export them.

Only membership officers (the group the app's data migration creates) and superusers may see
applications. Everyone else gets 403 on every URL below /admin/membership/membershipapplication/.

Each run of the retention policy is recorded in Wagtail's log as "membership.purge", against the
application model: the site history shows it to whoever may view applications and to nobody else.
"""

from urllib.parse import urlencode

from django.contrib.admin.utils import lookup_field
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.log_actions import LogFormatter
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, modeladmin_register
from wagtail_modeladmin.views import HistoryView, IndexView

from .admin_display import (
    STAFF_NOTIFIED,
    UTF8_BOM,
    ApplicationInspectView,
    local_datetime,
)
from .models import PURGE_LOG_ACTION, MembershipApplication
from .panels import MembershipApplicationsPanel, user_may_see_applications


class RetentionPolicyApplied(LogFormatter):
    """How a run of purge_membership_applications reads in the site history: counts only."""

    label = "Apply the retention policy"

    def format_message(self, log_entry):
        data = log_entry.data
        verb = "deleted" if data.get("removal") == "delete" else "anonymised"
        counts = f"{data.get('declined', 0)} declined and {data.get('stale', 0)} stale"
        if "anonymised_earlier" in data:
            counts += f" and {data['anonymised_earlier']} earlier anonymised"
        return (
            f"Retention policy applied: {counts} application(s) {verb} (declined "
            f"{data.get('declined_days')} days after the decision, others "
            f"{data.get('days')} days after arrival), run by {data.get('command')}"
        )


@hooks.register("register_log_actions")
def register_retention_action(actions):
    actions.register_action(PURGE_LOG_ACTION)(RetentionPolicyApplied)


class ApplicationPermissionHelper(PermissionHelper):
    """Applications come only from the public form: nobody creates them in the admin."""

    def user_can_create(self, user):
        return False


class ApplicationHistoryView(HistoryView):
    """modeladmin's history view checks no permission of its own; it names the applicant."""

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_inspect_obj(user, self.instance)


# A spreadsheet cell that starts with one of these is run as a formula when a CSV file is opened.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ApplicationIndexView(IndexView):
    """The list, with readable export headings, cells safe to open in a spreadsheet, and a link
    to the record of the retention policy's runs."""

    @property
    def export_headings(self):
        return self.model_admin.export_headings

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The runs of the retention policy: the site history, filtered to that action.
        context["retention_history_url"] = (
            reverse("wagtailadmin_reports:site_history")
            + "?"
            + urlencode({"action": PURGE_LOG_ACTION})
        )
        return context

    def to_row_dict(self, item):
        """Like modeladmin's, but an empty value stays an empty cell rather than a dash."""
        row = {}
        for field in self.list_export:
            _field, _attr, value = lookup_field(field, item, self.model_admin)
            row[field] = "" if value is None else value
        return row

    def stream_csv(self, queryset):
        """The CSV file, opening with a UTF-8 byte order mark so that spreadsheet programs
        read accents as they were typed."""
        yield UTF8_BOM
        yield from super().stream_csv(queryset)

    def preprocess_field_value(self, field, value, export_format):
        if export_format == self.FORMAT_CSV:
            # "4 Dec 2026 14:05" in the site's time zone, not a raw UTC timestamp.
            value = local_datetime(value)
        value = super().preprocess_field_value(field, value, export_format)
        if (
            export_format == self.FORMAT_CSV
            and isinstance(value, str)
            and value.startswith(FORMULA_PREFIXES)
        ):
            return "'" + value
        return value


@modeladmin_register
class MembershipApplicationAdmin(ModelAdmin):
    model = MembershipApplication
    menu_label = "Membership"
    menu_icon = "group"
    menu_order = 250
    add_to_settings_menu = False
    exclude_from_explorer = True

    permission_helper_class = ApplicationPermissionHelper
    history_view_class = ApplicationHistoryView
    inspect_view_class = ApplicationInspectView
    index_view_class = ApplicationIndexView
    inspect_view_enabled = True
    index_template_name = "membership/admin/index.html"

    list_display = ("name", "email", "membership_type", "status", "created_at", "staff_told")
    list_filter = ("status", "membership_type", "notification", "created_at")
    search_fields = ("name", "email")
    ordering = ("-created_at", "-pk")
    list_per_page = 50

    inspect_view_fields = [
        "name",
        "email",
        "membership_type",
        "organisation",
        "country",
        "heard_about",
        "consent",
        "status",
        "created_at",
        "updated_at",
        "decided_at",
        "submission_count",
        "later_submissions",
        STAFF_NOTIFIED,
        "anonymised_at",
    ]

    # The edit view changes the status only: what the applicant sent stays as they sent it.
    panels = [
        HelpPanel(
            content="Set the status once you have reviewed the application. The applicant's "
            "details cannot be changed here; see them with 'Inspect'."
        ),
        FieldPanel("status"),
    ]

    list_export = (
        "created_at",
        "name",
        "email",
        "get_membership_type_display",
        "organisation",
        "country",
        "get_heard_about_display",
        "consent_label",
        "get_status_display",
        "submission_count",
    )
    export_headings = {
        "created_at": "Received",
        "name": "Name",
        "email": "Email",
        "get_membership_type_display": "Membership type",
        "organisation": "Organisation",
        "country": "Country",
        "get_heard_about_display": "Heard about PSG through",
        "consent_label": "Agreed to be contacted",
        "get_status_display": "Status",
        "submission_count": "Times sent",
    }
    export_filename = "membership-applications"

    def consent_label(self, obj):
        return "Yes" if obj.consent else "No"


@hooks.register("construct_homepage_panels")
def add_applications_panel(request, panels):
    if user_may_see_applications(request.user):
        panels.append(MembershipApplicationsPanel())
