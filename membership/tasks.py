"""Background work for the join form: emailing the membership officers.

The task runs in the task queue's worker (`manage.py db_worker` in production), never in the
visitor's request, so a slow or unreachable mail server cannot keep the applicant waiting.
django-tasks does not retry a task by itself: when sending fails, the task queues itself again
to run later (after MEMBERSHIP_NOTIFY_RETRY_SECONDS, doubling each time) until
MEMBERSHIP_NOTIFY_ATTEMPTS tries have failed. Every try is counted on the application, and the
outcome (sent, waiting, failed after N tries) shows in the admin list's "Staff told" column.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .models import MembershipApplication
from .notifications import staff_email

logger = logging.getLogger(__name__)

Notification = MembershipApplication.Notification


def max_attempts():
    return max(1, int(getattr(settings, "MEMBERSHIP_NOTIFY_ATTEMPTS", 6)))


def retry_delay(failed_attempts):
    """How long to wait after the n-th failed try: the base delay, doubled after each failure."""
    base = float(getattr(settings, "MEMBERSHIP_NOTIFY_RETRY_SECONDS", 300))
    return timedelta(seconds=base * 2 ** (failed_attempts - 1))


@task()
def send_staff_notification(application_id, recipients):
    """Email the officers about one application; on failure, queue another try or give up."""
    applications = MembershipApplication.objects.filter(pk=application_id)
    if not applications.filter(notified_at__isnull=True).exists():
        return "nothing to send"  # deleted, or already sent by an earlier run
    applications.update(notification_attempts=F("notification_attempts") + 1)
    application = applications.get()
    attempt = application.notification_attempts
    try:
        staff_email(application, recipients).send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any mail failure is retried or recorded
        return failed(application, attempt, recipients, error)
    applications.update(notification=Notification.SENT, notified_at=timezone.now())
    return "sent"


def failed(application, attempt, recipients, error):
    """Queue the next try (if tries are left and the queue can run a task later) or give up."""
    applications = MembershipApplication.objects.filter(pk=application.pk)
    backend = send_staff_notification.get_backend()
    if attempt < max_attempts() and backend.supports_defer:
        delay = retry_delay(attempt)
        try:
            with transaction.atomic():
                send_staff_notification.using(run_after=timezone.now() + delay).enqueue(
                    application.pk, recipients
                )
        except Exception as queue_error:  # noqa: BLE001 - recorded as failed below
            error = queue_error
        else:
            applications.update(notification=Notification.WAITING)
            logger.warning(
                "Membership application %s was saved but the notification email failed (%s) "
                "on try %s of %s; trying again in %s seconds.",
                application.pk,
                type(error).__name__,
                attempt,
                max_attempts(),
                int(delay.total_seconds()),
            )
            return "waiting"
    applications.update(notification=Notification.FAILED)
    logger.error(
        "Membership application %s was saved but the notification email failed (%s) after "
        "%s; officers see it as failed in the admin.",
        application.pk,
        type(error).__name__,
        "1 try" if attempt == 1 else f"{attempt} tries",
    )
    return "failed"
