"""Links that let someone outside the admin read a page's latest draft."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

LINK_LIFETIME = datetime.timedelta(days=7)
# 32 random bytes: 43 URL-safe characters, far beyond guessing.
TOKEN_BYTES = 32


def new_token():
    return secrets.token_urlsafe(TOKEN_BYTES)


def default_expiry():
    return timezone.now() + LINK_LIFETIME


class SharedDraftLinkQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class SharedDraftLink(models.Model):
    """A secret address showing the latest draft of one page to whoever holds it."""

    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="shared_draft_links",
        help_text="The page whose latest draft the link shows.",
    )
    token = models.CharField(
        max_length=100,
        unique=True,
        default=new_token,
        editable=False,
        help_text="The secret part of the link. Anyone who has it can read the draft.",
    )
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional: who the link is for, e.g. 'Trustees' or 'Amnesty press office'. "
        "Only editors see this.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        default=default_expiry,
        help_text="After this moment the link shows nothing. Seven days unless you choose "
        "otherwise.",
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = SharedDraftLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "shared draft link"

    def __str__(self):
        return f"Draft link for “{self.page.get_admin_display_title()}”"

    def get_absolute_url(self):
        return reverse("editorial:shared_draft", args=[self.token])

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_active(self):
        return not self.is_revoked and not self.is_expired

    def revoke(self, user=None):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.revoked_by = user
            self.save(update_fields=["revoked_at", "revoked_by"])
