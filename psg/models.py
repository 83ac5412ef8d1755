"""Cross-cutting models: settings that appear on every page, and the counters behind
security limits."""

from django.db import models
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import PreviewableMixin


@register_setting(icon="site")
class SiteSettings(PreviewableMixin, BaseGenericSetting):
    """What the footer and the share cards of every page show."""

    about = models.TextField(
        blank=True,
        default=(
            "The Peru Support Group is a UK charity that campaigns on human rights, poverty "
            "and sustainable development in Peru."
        ),
        help_text="One or two sentences about PSG, shown in the footer of every page.",
    )
    contact_email = models.EmailField(
        blank=True, help_text="The address visitors write to. Shown in the footer."
    )
    postal_address = models.TextField(
        blank=True, help_text="PSG's postal address, one line per line of the address."
    )
    charity_number = models.CharField(
        max_length=40,
        blank=True,
        help_text="The registered charity number, shown in the footer, e.g. '1040439'.",
    )
    company_number = models.CharField(
        max_length=40, blank=True, help_text="Company number, if PSG is a registered company."
    )
    bluesky_url = models.URLField(blank=True, help_text="Link to PSG's Bluesky profile.")
    facebook_url = models.URLField(blank=True, help_text="Link to PSG's Facebook page.")
    instagram_url = models.URLField(blank=True, help_text="Link to PSG's Instagram profile.")
    x_url = models.URLField(blank=True, help_text="Link to PSG's X (Twitter) profile.")
    share_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Image used when a page without its own image is shared on social media.",
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The privacy notice page, linked from the footer and the join form.",
    )

    panels = [
        HelpPanel(
            content="These details appear in the footer of every page. "
            "Changes show on the site as soon as you save; Preview shows them first."
        ),
        FieldPanel("about"),
        MultiFieldPanel(
            [
                FieldPanel("contact_email"),
                FieldPanel("postal_address"),
                FieldPanel("charity_number"),
                FieldPanel("company_number"),
                FieldPanel("privacy_page"),
            ],
            heading="Contact and charity details",
        ),
        MultiFieldPanel(
            [
                FieldPanel("bluesky_url"),
                FieldPanel("facebook_url"),
                FieldPanel("instagram_url"),
                FieldPanel("x_url"),
            ],
            heading="Social media",
        ),
        FieldPanel("share_image"),
    ]

    # Loaded with the settings (Wagtail's `load`, once per request): the footer links to the
    # privacy page and the share card shows the share image on every page.
    select_related = ["privacy_page", "share_image"]
    # What the footer and the join form read of the privacy page: its address, and whether it is live.
    PRIVACY_PAGE_FIELDS = ("privacy_page__url_path", "privacy_page__live")

    class Meta:
        verbose_name = "Site settings"

    @classmethod
    def base_queryset(cls):
        """Wagtail's `load` reads the settings with this. Of the privacy page, only the columns
        the templates read: building a query over all of a page's columns costs about as much
        as the rest of the settings query (bench.profile, every page)."""
        own = [field.attname for field in cls._meta.concrete_fields]
        return super().base_queryset().only(*own, *cls.PRIVACY_PAGE_FIELDS)

    def get_preview_template(self, request, mode_name):
        # The preview request carries this unsaved copy (Wagtail's settings preview), so the
        # footer of the page below shows the edited values.
        return "editorial/preview_site_settings.html"

    def social_links(self):
        links = [
            ("Bluesky", self.bluesky_url),
            ("Facebook", self.facebook_url),
            ("Instagram", self.instagram_url),
            ("X", self.x_url),
        ]
        return [(name, url) for name, url in links if url]


class ThrottleCount(models.Model):
    """How often one thing was tried in the current window (psg/throttle.py).

    Security limits (wrong page passwords, password reset requests, join-form sends) are
    counted here rather than in the cache, which may drop an entry at any moment. `key` is a
    keyed hash of what is limited (an address, an email address), never the value itself.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="psg_throttle_scope_key")
        ]
        indexes = [models.Index(fields=["scope", "window_start"], name="psg_throttle_window")]

    def __str__(self):
        return f"{self.scope}: {self.count} since {self.window_start:%Y-%m-%d %H:%M}"
