"""Telling the membership officers about a new application."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail_modeladmin.helpers import AdminURLHelper

logger = logging.getLogger(__name__)


def application_admin_url(application):
    helper = AdminURLHelper(type(application))
    path = helper.get_action_url("inspect", application.pk)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def notify_staff(application, recipients):
    """Email the officers; True when sent. A failure is logged (no personal data) and swallowed.

    The email carries no personal details, only the membership type and a link to the admin:
    the notification address is set on the page by editors, and only membership officers may
    see applicants' details. The application is already saved, so a mail server that is down
    loses nothing: officers still find it in the admin, and `notified_at` stays empty to show
    that no email went out.
    """
    if not recipients:
        logger.warning(
            "Membership application %s: no notification address is configured.", application.pk
        )
        return False
    context = {"application": application, "admin_url": application_admin_url(application)}
    message = EmailMessage(
        subject=render_to_string("membership/email/new_application_subject.txt", context).strip(),
        body=render_to_string("membership/email/new_application.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    try:
        message.send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any mail failure must leave the applicant unharmed
        logger.error(
            "Membership application %s was saved but the notification email failed (%s).",
            application.pk,
            type(error).__name__,
        )
        return False
    type(application).objects.filter(pk=application.pk).update(notified_at=timezone.now())
    return True
