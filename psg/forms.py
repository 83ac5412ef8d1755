"""The page editor's form: dates are never changed behind the editor's back.

Every PSG page type uses `PSGPageForm` (through `psg.pages.PageFacts.base_form_class`):

- A date that does not exist (31 February) is refused with a message naming it. The admin's
  date picker would otherwise turn it into 3 March when the field loses focus, so its
  widgets here keep what the editor typed (`validateOnBlur` off) and the server decides.
- A go-live date that has already passed is not accepted silently: the editor is asked whether
  to publish as soon as the page is published or approved (tick "Yes, publish it now", which
  clears the go-live date) or to choose a later date.
"""

import calendar
import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.dateformat import format as format_date
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.staticfiles import versioned_static
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from psg.streamforms import make_stream_fields_readable

# What the editor typed, read as year-month-day (the admin's format), to name a missing date.
_TYPED_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\b")
PUBLISH_NOW_FIELD = "publish_now"
TITLE_TOO_LONG = (
    "This is %(show_value)d characters long; the limit is %(limit_value)d. Shorten it and "
    "save again: nothing was cut or saved."
)


def impossible_date_message(value):
    """A plain message when `value` names a day its month does not have, else None."""
    match = _TYPED_DATE.match(str(value or ""))
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"There is no month {month}: months go from 01 to 12. Nothing was saved."
    days = calendar.monthrange(year, month)[1]
    if 1 <= day <= days:
        return None
    month_name = calendar.month_name[month]
    return (
        f"There is no {day} {month_name} {year}: {month_name} {year} has {days} days. "
        "Correct the date; nothing was saved."
    )


class KeepTypedDateMixin:
    """Leave the typed text alone when the field loses focus, so nothing rolls over."""

    def get_config(self):
        return {**super().get_config(), "validateOnBlur": False}


class StrictDateTimeInput(KeepTypedDateMixin, AdminDateTimeInput):
    def get_config(self):
        config = super().get_config()
        if self.js_overlay_parent_selector != "body":
            # In a dialog (the publishing schedule): open the picker next to its field, where
            # the dialog's style (psg/static/psg/css/schedule-dialog.css) keeps it in the
            # flow, so that it never covers the dialog's "Save schedule" button. It stays open
            # until a time is chosen (or Tab/Enter): closing it on the button's mousedown would
            # move the button away from under the pointer before the click.
            config["insideParent"] = True
            config["closeOnWithoutClick"] = False
        return config

    @property
    def media(self):
        media = super().media
        if self.js_overlay_parent_selector != "body":
            media += forms.Media(
                css={"all": [versioned_static("psg/css/schedule-dialog.css")]},
                js=[versioned_static("psg/js/schedule-dialog.js")],
            )
        return media


class StrictDateInput(KeepTypedDateMixin, AdminDateInput):
    pass


class StrictDateMixin:
    """A field that names an impossible date ("There is no 31 February…") or shows the format
    it expects, instead of Django's generic message."""

    format_hint = ""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            message = impossible_date_message(value)
            if message:
                raise forms.ValidationError(message, code="impossible_date") from None
            raise forms.ValidationError(self.format_hint, code="invalid") from None


class StrictDateTimeField(StrictDateMixin, forms.DateTimeField):
    format_hint = "Enter a date and time like 2027-03-01 09:30 (year-month-day, 24-hour clock)."


class StrictDateField(StrictDateMixin, forms.DateField):
    format_hint = "Enter a date like 2027-03-01 (year-month-day)."


def _strict(field):
    """The same field, refusing impossible dates and keeping what the editor typed."""
    widget = field.widget
    if isinstance(field, forms.DateTimeField) and isinstance(widget, AdminDateTimeInput):
        new_widget = StrictDateTimeInput(
            attrs=widget.attrs,
            format=widget.format,
            js_overlay_parent_selector=widget.js_overlay_parent_selector,
        )
        field_class = StrictDateTimeField
    elif isinstance(field, forms.DateField) and isinstance(widget, AdminDateInput):
        new_widget = StrictDateInput(attrs=widget.attrs, format=widget.format)
        field_class = StrictDateField
    else:
        return field
    new_widget.is_required = widget.is_required
    strict = field_class(
        required=field.required,
        widget=new_widget,
        label=field.label,
        initial=field.initial,
        help_text=field.help_text,
        localize=field.localize,
        disabled=field.disabled,
        validators=field.validators,
    )
    return strict


class AskedOnlyCheckbox(forms.CheckboxInput):
    """A checkbox drawn only where the question is asked (the schedule dialog's template draws
    it), never among the form's left-over fields at the foot of the editor."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""


class PSGPageForm(WagtailAdminPageForm):
    publish_now = forms.BooleanField(
        required=False,
        widget=AskedOnlyCheckbox,
        label="Yes, publish it now",
        help_text="The go-live date has passed. Tick this to publish the page as soon as it "
        "is published or approved, without a go-live date.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in list(self.fields.items()):
            self.fields[name] = _strict(field)
        # A StreamField whose form data cannot be read is refused, never a server error.
        make_stream_fields_readable(self)
        # A title over the limit is refused whole, never cut (the editor counts as you type).
        for name in ("title", "seo_title"):
            if name in self.fields:
                self.fields[name].error_messages["max_length"] = TITLE_TOO_LONG
        # Asked only once the question arises (see clean()).
        self.asks_publish_now = False

    def _go_live_changed(self, go_live_at):
        """A new go-live date (to the minute the editor sees), not the one the page has."""
        initial = self.initial.get("go_live_at")
        if not initial:
            return True
        minute = datetime.timedelta(minutes=1)
        return abs(go_live_at - initial) >= minute

    def clean(self):
        cleaned_data = super().clean()
        go_live_at = cleaned_data.get("go_live_at")
        if (
            go_live_at
            and self._go_live_changed(go_live_at)
            and go_live_at <= timezone.now()
            and "go_live_at" not in self.errors
        ):
            if cleaned_data.get(PUBLISH_NOW_FIELD):
                cleaned_data["go_live_at"] = None
            else:
                self.asks_publish_now = True
                when = format_date(timezone.localtime(go_live_at), "j F Y H:i")
                self.add_error(
                    "go_live_at",
                    forms.ValidationError(
                        f"The go-live date {when} has already passed. Publish the page now? "
                        "Tick “Yes, publish it now” below, or choose a later date.",
                        code="go_live_in_past",
                    ),
                )
        return cleaned_data
