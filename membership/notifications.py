"""Telling the membership officers about a new application.

The view stores the application and hands the email to the background task queue
(`membership/tasks.py`), which sends it, tries again later when the mail server fails, and
records the outcome on the application for the admin list's "Staff told" column.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from wagtail_modeladmin.helpers import AdminURLHelper

logger = logging.getLogger(__name__)


def application_admin_url(application):
    helper = AdminURLHelper(type(application))
    path = helper.get_action_url("inspect", application.pk)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def staff_email(application, recipients):
    """The email to the officers.

    It carries no personal details, only the membership type and a link to the admin: the
    notification address is set on the page by editors, and only membership officers may see
    applicants' details.
    """
    context = {"application": application, "admin_url": application_admin_url(application)}
    return EmailMessage(
        subject=render_to_string("membership/email/new_application_subject.txt", context).strip(),
        body=render_to_string("membership/email/new_application.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )


def notify_staff(application, recipients):
    """Queue the officers' email for an application that is already stored; True when queued.

    Nothing here can lose the application or keep the applicant waiting: the email is sent by
    the task queue's worker, and if the queue cannot take the task the application stays
    "Not sent" in the admin and the error is logged (no personal data).
    """
    from .tasks import send_staff_notification

    Notification = type(application).Notification
    if not recipients:
        logger.warning(
            "Membership application %s: no notification address is configured.", application.pk
        )
        return False
    try:
        with transaction.atomic():
            send_staff_notification.enqueue(application.pk, list(recipients))
    except Exception as error:  # noqa: BLE001 - a queue failure must leave the applicant unharmed
        logger.error(
            "Membership application %s was saved but its notification email could not be "
            "queued (%s).",
            application.pk,
            type(error).__name__,
        )
        return False
    # A worker (or a queue that runs tasks at once) may already have recorded an outcome.
    type(application).objects.filter(
        pk=application.pk, notification=Notification.NOT_SENT, notification_attempts=0
    ).update(notification=Notification.WAITING)
    return True
