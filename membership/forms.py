"""The join form: what an applicant fills in, plus the honeypot that catches robots."""

from django import forms

from .models import MembershipApplication

# The honeypot's name: robots fill in anything that looks like a website field.
HONEYPOT_FIELD = "website"
# The hidden field that carries the signed time the form was shown.
STARTED_FIELD = "started"


class JoinForm(forms.ModelForm):
    class Meta:
        model = MembershipApplication
        fields = [
            "name",
            "email",
            "membership_type",
            "organisation",
            "country",
            "heard_about",
            "consent",
        ]
        labels = {
            "name": "Full name",
            "email": "Email address",
            "membership_type": "Type of membership",
            "organisation": "Organisation name",
            "country": "Country you live in (optional)",
            "heard_about": "How did you hear about PSG? (optional)",
            "consent": "I agree that PSG may contact me about my membership and its work",
        }
        help_texts = {
            "email": "We will use this to confirm your membership.",
            "organisation": "Only needed if you are joining as an organisation.",
            "consent": "Leave this unticked if you do not want to hear from us beyond your "
            "application. You can change your mind at any time.",
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "membership_type": forms.RadioSelect,
            "organisation": forms.TextInput(attrs={"autocomplete": "organization"}),
            "country": forms.TextInput(attrs={"autocomplete": "country-name"}),
        }
        error_messages = {
            "name": {"required": "Enter your full name."},
            "email": {
                "required": "Enter your email address.",
                "invalid": "Enter an email address in the right format, like name@example.org.",
            },
            "membership_type": {
                "required": "Choose a type of membership.",
                "invalid_choice": "Choose one of the types of membership listed.",
            },
            "heard_about": {"invalid_choice": "Choose one of the options listed."},
        }

    # Never shown to people: see the template and docs/membership.md.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        heard_about = self.fields["heard_about"]
        heard_about.choices = [("", "Choose an option")] + list(
            MembershipApplication.HeardAbout.choices
        )
        self.fields["consent"].required = False

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean_organisation(self):
        return " ".join(self.cleaned_data.get("organisation", "").split())

    def clean_country(self):
        return " ".join(self.cleaned_data.get("country", "").split())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(
            "membership_type"
        ) == MembershipApplication.MembershipType.ORGANISATION and not cleaned.get("organisation"):
            self.add_error(
                "organisation", "Enter the name of your organisation to join as an organisation."
            )
        return cleaned

    def visible_application_fields(self):
        """The fields people fill in, in order (the honeypot is rendered apart)."""
        return [field for field in self if field.name != HONEYPOT_FIELD]

    def detail_fields(self):
        """The fields above the privacy note: all but the consent box and the honeypot."""
        return [field for field in self.visible_application_fields() if field.name != "consent"]

    @property
    def honeypot(self):
        return self[HONEYPOT_FIELD]

    @property
    def honeypot_filled(self):
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    def submitted_details(self):
        """The cleaned details as a plain dict (for a repeated submission's record)."""
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
