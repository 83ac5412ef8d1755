"""The "Become a member" page and the applications it collects."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import ModelLogEntry, Page
from wagtail.search import index

from psg.pages import PageFacts
from psg.previews import SocialPreviewMixin
from psg.routing import RoutedPageMixin
from psg.structure import StructuralPageMixin

from .blocks import ReasonBlock

logger = logging.getLogger(__name__)

# The action under which each run of the retention policy is recorded in Wagtail's log.
PURGE_LOG_ACTION = "membership.purge"


def validate_email_list(value):
    """Every comma-separated item must be an email address."""
    for address in split_addresses(value):
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError(
                "'%(address)s' is not an email address. Separate several addresses with commas.",
                params={"address": address},
                code="invalid_email_list",
            ) from error


def split_addresses(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class JoinPage(
    PageFacts,
    StructuralPageMixin,
    SocialPreviewMixin,
    RoutablePageMixin,
    RoutedPageMixin,
    Page,
):
    """The membership form at /join/ and its thank-you page at /join/thank-you/."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text="The text above the form: who can join, what membership costs and what "
        "members receive.",
    )
    reasons = StreamField(
        [("reason", ReasonBlock())],
        blank=True,
        verbose_name="Reasons to join",
        help_text="A short list of reasons to become a member, shown beside the form. "
        "Add, remove and reorder them here.",
    )
    thank_you_heading = models.CharField(
        max_length=120,
        default="Thank you for joining",
        help_text="The heading of the page people see after sending the form.",
    )
    thank_you_text = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text="What happens next, shown after someone sends the form: e.g. how to pay "
        "the membership fee and when PSG will be in touch.",
    )
    notification_emails = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_email_list],
        verbose_name="Send new applications to",
        help_text="The email address(es) told about each new application. Separate several "
        "addresses with commas. If empty, the site's managers are told.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("reasons"),
        MultiFieldPanel(
            [
                HelpPanel(
                    content="The form itself (name, email, membership type and so on) is "
                    "fixed. Applications are listed under Membership in the menu, visible "
                    "only to membership officers."
                ),
                FieldPanel("thank_you_heading"),
                FieldPanel("thank_you_text"),
            ],
            heading="After sending the form",
        ),
    ]
    settings_panels = Page.settings_panels + [
        FieldPanel("notification_emails"),
    ]

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count = 1

    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = "Join page"

    # What this page type says about itself (psg/pages.py).
    cache_shows = ()
    cache_changes = ()
    summary_fields = ("intro", "search_description")

    def notification_recipients(self):
        """The page's addresses; otherwise the site's MANAGERS; otherwise DEFAULT_FROM_EMAIL."""
        recipients = split_addresses(self.notification_emails)
        if not recipients:
            recipients = [address for _name, address in getattr(settings, "MANAGERS", [])]
        if not recipients and settings.DEFAULT_FROM_EMAIL:
            recipients = [settings.DEFAULT_FROM_EMAIL]
        return recipients

    @path("")
    def join(self, request):
        from .views import join_view

        return join_view(self, request)

    @path("thank-you/", name="thank_you")
    def thank_you(self, request):
        return TemplateResponse(
            request,
            "membership/join_page_thank_you.html",
            self.get_context(request),
        )

    def thank_you_url(self, request=None):
        return self.url + self.reverse_subpage("thank_you")

    def redirect_to_thank_you(self, request):
        return HttpResponseRedirect(self.thank_you_url(request))


class MembershipApplication(models.Model):
    """One person's or organisation's request to become a member, as sent through the form."""

    class MembershipType(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        CONCESSION = "concession", "Concession (student, unwaged or retired)"
        ORGANISATION = "organisation", "Organisation"

    class HeardAbout(models.TextChoices):
        FRIEND = "friend", "A friend or colleague"
        EVENT = "event", "An event or talk"
        SOCIAL = "social", "Social media"
        SEARCH = "search", "A search engine"
        PRESS = "press", "News or press coverage"
        ORGANISATION = "organisation", "Another organisation"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        NEW = "new", "New"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    class Notification(models.TextChoices):
        NOT_SENT = "not_sent", "Not sent"
        WAITING = "waiting", "Waiting"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, db_index=True)
    membership_type = models.CharField(
        max_length=20, choices=MembershipType.choices, default=MembershipType.INDIVIDUAL
    )
    organisation = models.CharField("organisation name", max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    heard_about = models.CharField(
        "heard about PSG through", max_length=20, choices=HeardAbout.choices, blank=True
    )
    consent = models.BooleanField(
        "agreed to be contacted",
        default=False,
        help_text="Whether the applicant ticked the box agreeing to be contacted by PSG.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.NEW,
        db_index=True,
        help_text="New: not yet reviewed. Approved: welcomed as a member. Declined: not "
        "accepted; declined applications are anonymised after a short period.",
    )
    created_at = models.DateTimeField("received", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("last changed", auto_now=True)
    decided_at = models.DateTimeField(
        "decided",
        null=True,
        blank=True,
        editable=False,
        help_text="When the status was last set to Approved or Declined. The details of a "
        "declined application are removed a set number of days after this date.",
    )

    # Audit and spam control. The address the form was sent from is kept only as a keyed hash.
    ip_hash = models.CharField(
        "sender fingerprint",
        max_length=64,
        blank=True,
        editable=False,
        help_text="A one-way hash of the address the form was sent from, for spotting abuse.",
    )
    submission_count = models.PositiveIntegerField(
        "times sent",
        default=1,
        editable=False,
        help_text="How often the same email address sent the form within the duplicate window.",
    )
    later_submissions = models.JSONField(
        "details sent again",
        default=list,
        blank=True,
        editable=False,
        help_text="Details from repeated sends of the form, kept so that corrections are not lost.",
    )
    # One send of the form: the same form sent twice (a double click, a resend after a timeout)
    # carries the same signed time stamp and is stored once.
    submission_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="A keyed digest of the form's time stamp and the email address it was sent "
        "with, so that the same form sent twice makes one application.",
    )
    notification = models.CharField(
        "staff told",
        max_length=10,
        choices=Notification.choices,
        default=Notification.NOT_SENT,
        editable=False,
        db_index=True,
        help_text="Whether the membership officers were emailed about this application.",
    )
    notification_attempts = models.PositiveSmallIntegerField(
        "tries to tell staff",
        default=0,
        editable=False,
        help_text="How often sending the notification email was tried.",
    )
    notified_at = models.DateTimeField(
        "staff told at",
        null=True,
        blank=True,
        editable=False,
        help_text="When the notification email went out. Empty until it has been sent.",
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the personal details were removed under the retention policy.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "membership application"
        verbose_name_plural = "membership applications"

    def __str__(self):
        if self.anonymised_at:
            return f"Anonymised application #{self.pk}"
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "status" in update_fields:
            if "status" not in self.get_deferred_fields():
                self.date_decision()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "decided_at"}
        super().save(*args, **kwargs)

    def date_decision(self):
        """Keep decided_at in step with the status, whoever saves it (admin, shell, command).

        It is set when the status becomes Approved or Declined (or changes between them) and
        cleared when it goes back to New; a save that leaves the status as it was leaves the date
        alone. A new application saved with a decision date keeps that date.
        """
        if self.status == self.Status.NEW:
            self.decided_at = None
            return
        if self._state.adding:
            stored_status = None
            if self.decided_at is not None:
                return
        else:
            stored_status = (
                type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            )
        if self.status != stored_status:
            self.decided_at = timezone.now()

    def staff_told(self):
        """The notification's state as officers read it in the list: "Failed after 6 tries"."""
        tries = self.notification_attempts
        plural = "try" if tries == 1 else "tries"
        if self.notification == self.Notification.FAILED:
            return f"Failed after {tries} {plural}"
        if self.notification == self.Notification.WAITING and tries:
            return f"Waiting ({tries} {plural} failed so far)"
        return self.get_notification_display()

    staff_told.short_description = "Staff notified"

    def anonymise(self, now=None):
        """Remove every personal detail; keep type, country, source, status and dates."""
        self.name = ""
        self.email = ""
        self.organisation = ""
        self.ip_hash = ""
        self.submission_key = None
        self.later_submissions = []
        self.anonymised_at = now or timezone.now()
        self.save(
            update_fields=[
                "name",
                "email",
                "organisation",
                "ip_hash",
                "submission_key",
                "later_submissions",
                "anonymised_at",
                "updated_at",
            ]
        )
        # Wagtail's history names the object as it was when each entry was written.
        ModelLogEntry.objects.for_instance(self).update(label=str(self))
