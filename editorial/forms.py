from django import forms

LIFETIME_CHOICES = [
    (1, "1 day"),
    (3, "3 days"),
    (7, "7 days"),
    (14, "14 days"),
    (30, "30 days"),
]


class ShareDraftForm(forms.Form):
    note = forms.CharField(
        label="Who is it for?",
        max_length=200,
        required=False,
        help_text="Optional, e.g. 'Trustees' or 'Amnesty press office'. Only editors see this.",
    )
    lifetime = forms.TypedChoiceField(
        label="Link works for",
        choices=LIFETIME_CHOICES,
        coerce=int,
        initial=7,
        help_text="After this the link stops working. You can also revoke it at any time.",
    )
