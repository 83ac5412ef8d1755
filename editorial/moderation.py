"""The moderation loop, told plainly.

- A moderator who approves a page, or asks for changes, is told what happened (a confirmation
  message), whether they act from the dashboard's "Awaiting your review" panel or from the page
  editor.
- After "Request changes", whoever opens the page's edit view sees the moderator's comment, with
  the moderator's name and the time, at the top of the page until it is submitted again.
  (The mail to the editor says the same: templates/wagtailadmin/notifications/.)
"""

from django.contrib import messages
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from wagtail.admin.views.pages.workflow import WorkflowActionView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Page, TaskState, WorkflowState


def person(user):
    """The name people know someone by: full name, else username; "A moderator" if gone."""
    if user is None:
        return "A moderator"
    return user.get_full_name().strip() or user.get_username()


def when(moment):
    return format_date(timezone.localtime(moment), "j F Y \\a\\t H:i")


def latest_workflow_state(page):
    return (
        WorkflowState.objects.for_instance(page)
        .select_related("current_task_state__finished_by", "requested_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def requested_changes(page):
    """The rejected step of `page`'s workflow while it waits for changes, else None."""
    state = latest_workflow_state(page)
    if state is None or state.status != WorkflowState.STATUS_NEEDS_CHANGES:
        return None
    task_state = state.current_task_state
    if task_state is None or task_state.status != TaskState.STATUS_REJECTED:
        return None
    return task_state


def changes_requested_notice(page):
    """The notice shown on the edit view after "Request changes", or None."""
    task_state = requested_changes(page)
    if task_state is None:
        return None
    comment = (task_state.get_comment() or "").strip()
    moderator = person(task_state.finished_by)
    finished = task_state.finished_at or task_state.started_at
    if comment:
        return format_html(
            "Changes requested by {} on {}: “{}” Make the changes, then submit the page "
            "for moderation again.",
            moderator,
            when(finished),
            comment,
        )
    return format_html(
        "Changes requested by {} on {} (no comment left). Make the changes, then submit the "
        "page for moderation again.",
        moderator,
        when(finished),
    )


def confirm_workflow_action(request, page):
    """A confirmation message for what the moderator just did to `page`, if anything."""
    page = Page.objects.get(pk=page.pk).specific
    state = latest_workflow_state(page)
    if state is None:
        return
    task_state = state.current_task_state
    if task_state is None or task_state.finished_by_id != request.user.pk:
        return
    title = page.get_admin_display_title()
    if task_state.status == TaskState.STATUS_REJECTED:
        messages.success(
            request,
            format_html(
                "Changes requested on “{}”. {} has been sent your comment by email and will "
                "see it when they open the page.",
                title,
                person(state.requested_by),
            ),
        )
    elif task_state.status == TaskState.STATUS_APPROVED:
        if state.status == WorkflowState.STATUS_IN_PROGRESS:
            message = format_html(
                "“{}” approved at this step. It now waits for “{}”.",
                title,
                state.current_task_state.task.name,
            )
        elif page.live and not page.has_unpublished_changes:
            message = format_html("“{}” approved and published.", title)
        elif page.scheduled_revision is not None:
            go_live = page.scheduled_revision.approved_go_live_at
            message = format_html("“{}” approved. It will go live on {}.", title, when(go_live))
        else:
            message = format_html("“{}” approved.", title)
        messages.success(request, message)


class ConfirmingWorkflowActionView(WorkflowActionView):
    """Wagtail's workflow action (dashboard and moderation modal), then a confirmation."""

    def post(self, request, *args, **kwargs):
        before = self.task_state.status
        response = super().post(request, *args, **kwargs)
        self.task_state.refresh_from_db()
        if self.task_state.status != before:
            confirm_workflow_action(request, self.object)
        return response


class ModerationPageViewSet(PageViewSet):
    """Every page type's admin views, with moderation actions that confirm what they did."""

    workflow_action_view_class = ConfirmingWorkflowActionView


def show_requested_changes(request, page):
    """`before_edit_page`: the moderator's comment at the top of the edit view."""
    if request.method != "GET":
        return
    notice = changes_requested_notice(page)
    if notice:
        messages.warning(request, notice, extra_tags="psg-changes-requested")


def confirm_edit_view_workflow_action(request, page):
    """`after_edit_page`: approving or requesting changes from the page editor confirms it."""
    if request.POST.get("workflow-action-name") in {"approve", "reject"}:
        confirm_workflow_action(request, page)
