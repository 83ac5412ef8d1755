"""Limits on guessing and mail bombing, counted in the database (docs/deployment.md).

- Admin sign-in: django-axes (settings AXES_*) locks a username and client address pair after
  PSG_LOGIN_FAILURE_LIMIT failures for PSG_LOGIN_FAILURE_WINDOW seconds. The functions
  `login_*` below are its hooks: the limit and cool-off from those settings, the address as
  psg.middleware.client_ip reads it, the username without case or spaces, and the refusal: the
  sign-in page with a message to wait, status 429.
- Page passwords (Wagtail's "Private, password"): `authenticate_with_password` stands in front
  of Wagtail's view of the same URL and applies the same limit per client address and
  restriction.
- Password reset: `ThrottledPasswordResetForm` (WAGTAILADMIN_USER_PASSWORD_RESET_FORM) sends no
  mail beyond PSG_PASSWORD_RESET_ACCOUNT_LIMIT requests for one email address or
  PSG_PASSWORD_RESET_CLIENT_LIMIT from one address per PSG_PASSWORD_RESET_WINDOW seconds.
  The visitor sees the same "if the account exists we sent a mail" page either way.
"""

import ipaddress
import logging
import math
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.html import escape
from wagtail import views as wagtail_views
from wagtail.admin.forms.auth import PasswordResetForm
from wagtail.forms import PasswordViewRestrictionForm
from wagtail.models import Page, PageViewRestriction

from psg import throttle
from psg.middleware import client_ip

logger = logging.getLogger(__name__)

PAGE_PASSWORD_SCOPE = "page-password"  # noqa: S105 - a counter name
RESET_ACCOUNT_SCOPE = "password-reset-account"
RESET_CLIENT_SCOPE = "password-reset-client"


def _minutes(seconds):
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# Admin sign-in (django-axes hooks) ------------------------------------------------------------


def login_failure_limit(request=None, credentials=None):
    return settings.PSG_LOGIN_FAILURE_LIMIT


def login_cool_off(request=None):
    return timedelta(seconds=settings.PSG_LOGIN_FAILURE_WINDOW)


def login_client_address(request):
    """The client's address as psg.middleware.client_ip reads it; None if it is not one."""
    try:
        return str(ipaddress.ip_address(client_ip(request).strip()))
    except ValueError:
        return None


def login_username(request, credentials=None):
    """The username tried, without surrounding spaces or case: "Editor" counts as "editor"."""
    field = get_user_model().USERNAME_FIELD
    source = credentials if credentials else getattr(request, "POST", {})
    return str(source.get(field) or "").strip().lower()[:255]


def login_wait_seconds(request, credentials=None):
    """Seconds until the lockout of this username and address ends."""
    from axes.models import AccessAttempt

    cool_off = login_cool_off(request)
    last = AccessAttempt.objects.filter(
        username=login_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None),
    ).aggregate(last=Max("attempt_time"))["last"]
    now = getattr(request, "axes_attempt_time", None)
    if last is None or now is None:
        return int(cool_off.total_seconds())
    return max(1, math.ceil((last + cool_off - now).total_seconds()))


def login_lockout_response(request, original_response=None, credentials=None):
    """The sign-in page with a message to wait, status 429; the password was not checked."""
    wait = login_wait_seconds(request, credentials)
    text = (
        "Too many failed sign-in attempts. For your account's safety, please wait "
        f"{_minutes(wait)} before trying again."
    )
    request.method = "GET"
    try:
        view = resolve(request.path_info).func
        messages.error(request, text)
        response = view(request)
    except (Resolver404, messages.MessageFailure):
        response = HttpResponse(
            "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>"
            f"<title>Too many attempts</title></head><body><p>{escape(text)}</p></body></html>"
        )
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


# Page passwords --------------------------------------------------------------------------------


def authenticate_with_password(request, page_view_restriction_id, page_id):
    """Wagtail's page password check, refused with 429 after too many wrong passwords.

    Counted per client address and restriction (the password belongs to the restriction; the
    page id in the address can be any page). The right password clears the count.
    """
    if request.method != "POST":
        return wagtail_views.authenticate_with_password(request, page_view_restriction_id, page_id)
    limit = settings.PSG_LOGIN_FAILURE_LIMIT
    window = settings.PSG_LOGIN_FAILURE_WINDOW
    who = f"{client_ip(request)}\n{page_view_restriction_id}"
    counted = throttle.current(PAGE_PASSWORD_SCOPE, who, window)
    if counted.count < limit:
        response = wagtail_views.authenticate_with_password(
            request, page_view_restriction_id, page_id
        )
        if response.status_code in (301, 302):
            throttle.clear(PAGE_PASSWORD_SCOPE, who)
            return response
        if response.status_code != 200:
            return response
        counted = throttle.hit(PAGE_PASSWORD_SCOPE, who, window)
        if counted.count < limit:
            return response
    return page_password_refused(request, page_view_restriction_id, page_id, counted)


def page_password_refused(request, page_view_restriction_id, page_id, counted):
    restriction = get_object_or_404(PageViewRestriction, id=page_view_restriction_id)
    page = get_object_or_404(Page, id=page_id).specific
    wait = counted.seconds_left()
    form = PasswordViewRestrictionForm(
        instance=restriction, initial={"return_url": request.POST.get("return_url", "")}
    )
    request.is_preview = getattr(request, "is_preview", False)
    request.preview_mode = getattr(request, "preview_mode", None)
    context = page.get_context(request)
    context.update(
        {
            "form": form,
            "action_url": reverse(
                "wagtailcore_authenticate_with_password", args=[restriction.id, page.id]
            ),
            "message": (
                "Too many wrong passwords for this page. Please wait "
                f"{_minutes(wait)} before trying again."
            ),
        }
    )
    response = TemplateResponse(request, "psg/page_password_refused.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


# Password reset --------------------------------------------------------------------------------


class ThrottledPasswordResetForm(PasswordResetForm):
    """Wagtail's reset form, sending no mail once an address or a client asked too often.

    Every request counts, whether or not an account has the address, and the visitor is
    answered the same way whether or not a mail was sent.
    """

    def save(self, *args, request=None, **kwargs):
        window = settings.PSG_PASSWORD_RESET_WINDOW
        email = self.cleaned_data["email"].strip().lower()
        address = client_ip(request) if request is not None else ""
        per_account = throttle.hit(RESET_ACCOUNT_SCOPE, email, window)
        per_client = throttle.hit(RESET_CLIENT_SCOPE, address, window)
        if per_account.count > settings.PSG_PASSWORD_RESET_ACCOUNT_LIMIT:
            logger.warning("Password reset mail not sent: too many requests for one address.")
            return
        if per_client.count > settings.PSG_PASSWORD_RESET_CLIENT_LIMIT:
            logger.warning("Password reset mail not sent: too many requests from one client.")
            return
        super().save(*args, request=request, **kwargs)
