"""Server-error reports to ADMINS, sent by the task queue rather than inside the request.

Django's AdminEmailHandler sends its mail while the failing request waits: with a mail server
that does not answer, every failing request (and every request answered "bad host") would
hold a web worker for EMAIL_TIMEOUT. This handler builds the same report and queues it; the
task worker (`manage.py db_worker`) sends it. If the report cannot even be queued (the
database is down), it is written to the log instead, and the request is answered as usual.
"""

import logging

from django.core.mail import mail_admins
from django.utils.log import AdminEmailHandler
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_error_report(subject, message, html_message=None):
    mail_admins(subject, message, fail_silently=False, html_message=html_message)


class QueuedAdminEmailHandler(AdminEmailHandler):
    def send_mail(self, subject, message, *args, **kwargs):
        try:
            send_error_report.enqueue(subject, message, html_message=kwargs.get("html_message"))
        except Exception as error:  # noqa: BLE001 - a lost report must not fail the request
            logger.warning(
                "The error report %r could not be queued for ADMINS (%s).",
                subject,
                type(error).__name__,
            )
