"""StreamField form data that cannot be read is refused with a message, never a server error.

The page editor always sends a StreamField's item count with its items. A request without it,
or with a count that is not a number (a form cut short by a dropped connection, an autosave
sent while the page was still drawing, a hand-made request), made Wagtail's StreamField raise
an error while reading the form: the preview, the autosave and the save itself answered 500.
Here such a field reads as "unreadable": the form is invalid with a message on that field, the
preview says the page cannot be previewed yet, an autosave answers with its errors, and the
form shown again keeps the content that was stored (nothing is lost or emptied).
"""

from django import forms
from wagtail.blocks.base import BlockField, BlockWidget

UNREADABLE_MESSAGE = (
    "This part of the form arrived incomplete and could not be read. Nothing was saved: "
    "reload the page and make your change again."
)


class _Unreadable:
    def __repr__(self):
        return "<unreadable StreamField data>"


UNREADABLE = _Unreadable()
# What reading a StreamField's form data raises when a count or an item is missing or wrong.
READ_ERRORS = (KeyError, ValueError, TypeError, IndexError, AttributeError)


class ReadableBlockWidget(BlockWidget):
    def value_from_datadict(self, data, files, name):
        try:
            return super().value_from_datadict(data, files, name)
        except READ_ERRORS:
            return UNREADABLE


class ReadableBlockField(BlockField):
    def clean(self, value):
        if value is UNREADABLE:
            raise forms.ValidationError(UNREADABLE_MESSAGE, code="unreadable")
        return super().clean(value)

    def bound_data(self, data, initial):
        # Shown again with the stored content, not emptied.
        return initial if data is UNREADABLE else super().bound_data(data, initial)

    def has_changed(self, initial_value, data_value):
        if data_value is UNREADABLE:
            return False
        return super().has_changed(initial_value, data_value)


def make_stream_fields_readable(form):
    """Give every StreamField of `form` the reading above (Wagtail's own field otherwise)."""
    for field in form.fields.values():
        if type(field) is BlockField:
            field.__class__ = ReadableBlockField
        if type(getattr(field, "widget", None)) is BlockWidget:
            field.widget.__class__ = ReadableBlockWidget
