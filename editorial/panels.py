"""Dashboard panel: the editor's own drafts. (Other apps register their own panels: the
membership app its "Recent membership applications".)"""

from wagtail.admin.ui.components import Component
from wagtail.models import Page

MY_DRAFTS_COUNT = 8


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
