"""How the membership admin shows an application's values to officers: plain words and local
dates ("4 Dec 2026 14:05", in the site's time zone), on the detail page and in the CSV export."""

import codecs
import datetime

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from wagtail_modeladmin.views import InspectView

# A date and time as people in the office read it: "4 Dec 2026 14:05".
DATETIME_FORMAT = "j M Y H:i"
DATE_FORMAT = "j M Y"
# Opens a CSV file as UTF-8 in spreadsheet programs that otherwise guess a legacy encoding.
UTF8_BOM = codecs.BOM_UTF8.decode()

# The detail page's line about the notification mail, in place of its three stored fields.
STAFF_NOTIFIED = "staff_notified"


def local_datetime(value):
    """`value` in the site's time zone as "4 Dec 2026 14:05"; a date as "4 Dec 2026"."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return format_date(value, DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return format_date(value, DATE_FORMAT)
    return value


def staff_notified(application):
    """Whether the membership officers were emailed, in words: "Yes, 4 Dec 2026 14:05"."""
    tries = application.notification_attempts
    plural = "try" if tries == 1 else "tries"
    status = application.notification
    if status == application.Notification.SENT:
        if application.notified_at:
            return f"Yes, {local_datetime(application.notified_at)}"
        return "Yes"
    if status == application.Notification.FAILED:
        return f"No: sending failed after {tries} {plural}"
    if status == application.Notification.WAITING:
        if tries:
            return f"Not yet: {tries} {plural} failed so far, trying again"
        return "Not yet: waiting to be sent"
    return "No"


def later_submissions(application):
    """The details sent again, one line per send."""
    lines = []
    for item in application.later_submissions or []:
        if isinstance(item, dict):
            parts = []
            for key, value in item.items():
                if key == "sent_at":
                    value = local_datetime(parse_datetime(str(value)) or value)
                if value:
                    parts.append(f"{key.replace('_', ' ')}: {value}")
            lines.append("; ".join(parts))
        else:
            lines.append(str(item))
    return "\n".join(lines)


class ApplicationInspectView(InspectView):
    """The application's detail page: yes and no instead of True and False, local dates, and
    one line saying whether and when staff were told."""

    def get_dict_for_field(self, field_name):
        if field_name == STAFF_NOTIFIED:
            return {"label": "Staff notified", "value": staff_notified(self.instance)}
        return super().get_dict_for_field(field_name)

    def get_field_label(self, field_name, field=None):
        return capfirst(super().get_field_label(field_name, field))

    def get_field_display_value(self, field_name, field=None):
        if field_name == "later_submissions":
            return later_submissions(self.instance) or "None"
        value = getattr(self.instance, field_name, None)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, (datetime.date, datetime.datetime)):
            return local_datetime(value)
        return super().get_field_display_value(field_name, field)
