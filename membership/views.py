"""The join form's request handling: GET shows it, POST checks, stores, notifies, redirects.

Order of checks on POST (docs/membership.md explains each):
1. sender's address over the rate limit            -> 429, form kept
2. honeypot filled in                               -> 400, clear message, form kept
3. fill-time token missing, forged or expired       -> 400, clear message, form kept
4. sent faster than MEMBERSHIP_MIN_FILL_SECONDS     -> 400, clear message, form kept
5. invalid details                                  -> 200, accessible errors, form kept
6. email address over the rate limit                -> 429, form kept
7. the same form sent again (same time stamp and    -> no new application, no email, 302
   email address: a double click, a resend)
8. same email within the duplicate window           -> no new application, no email, 302
9. otherwise: save, then queue the staff email, then 302 to /join/thank-you/

Steps 7 to 9 run in one transaction that holds a lock on the email address (PostgreSQL; SQLite
lets one writer in at a time already), so simultaneous sends cannot both find "no application
yet"; the submission key's unique constraint backs that up. Every answer (form, errors,
redirect) is marked `private, no-store`: the form carries a CSRF token and a time stamp.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac

from . import spam
from .forms import STARTED_FIELD, JoinForm
from .models import MembershipApplication
from .notifications import notify_staff

MAX_LATER_SUBMISSIONS = 10

RATE_LIMITED = (
    "You have sent this form several times in a short while, so we cannot accept another "
    "just now. Please try again in an hour, or email us instead. Your details are still below."
)
HONEYPOT = (
    "We could not accept the form because a field meant to stay empty was filled in. "
    "Please check your details below and send the form again."
)
EXPIRED_FORM = (
    "This form had expired or could not be checked. Please check your details below and send "
    "the form again."
)
TOO_FAST = (
    "The form was sent more quickly than we expected, which is how we spot automated spam. "
    "Please check your details below and send the form again."
)


def duplicate_window():
    return timedelta(hours=float(getattr(settings, "MEMBERSHIP_DUPLICATE_WINDOW_HOURS", 24)))


def render_form(page, request, form, token, status=200):
    context = page.get_context(request)
    context.update({"form": form, "started_token": token, "started_field": STARTED_FIELD})
    return TemplateResponse(request, page.get_template(request), context, status=status)


def join_view(page, request):
    response = answer(page, request)
    patch_cache_control(response, private=True, no_store=True)
    return response


def answer(page, request):
    if request.method != "POST":
        return render_form(page, request, JoinForm(), spam.issue_started_token())

    form = JoinForm(request.POST)
    token = request.POST.get(STARTED_FIELD, "")
    started = spam.read_started_token(token)
    # Keep the original time on a re-shown form, so a quick correction is not "too fast".
    next_token = token if started is not None else spam.issue_started_token()
    is_valid = form.is_valid()
    ip_hash = spam.ip_fingerprint(request)

    def refuse(message, status):
        form.add_error(None, message)
        return render_form(page, request, form, next_token, status=status)

    if spam.is_limited("ip", ip_hash):
        return refuse(RATE_LIMITED, 429)
    if form.honeypot_filled:
        spam.record_hit("ip", ip_hash)
        return refuse(HONEYPOT, 400)
    if started is None:
        spam.record_hit("ip", ip_hash)
        return refuse(EXPIRED_FORM, 400)
    if spam.seconds_since(started) < spam.min_fill_seconds():
        spam.record_hit("ip", ip_hash)
        return refuse(TOO_FAST, 400)
    if not is_valid:
        return render_form(page, request, form, next_token)

    email_hash = spam.email_fingerprint(form.cleaned_data["email"])
    if spam.is_limited("email", email_hash):
        return refuse(RATE_LIMITED, 429)
    spam.record_hit("ip", ip_hash)
    spam.record_hit("email", email_hash)

    key = submission_key(token, form.cleaned_data["email"])
    application = store(form, key, ip_hash)
    if application is not None:
        notify_staff(application, page.notification_recipients())
    return page.redirect_to_thank_you(request)


def submission_key(token, email):
    """One send of the form: its signed time stamp and the email address, as a keyed digest."""
    value = f"{token}\n{email.strip().casefold()}"
    return salted_hmac("membership.submission", value, algorithm="sha256").hexdigest()


def store(form, key, ip_hash):
    """Save the application and return it, or None when the send belongs to one already stored.

    A second try is made only if the unique submission key refused a row that a simultaneous
    send stored (which the lock on the email address should already prevent).
    """
    email = form.cleaned_data["email"]
    for last_try in (False, True):
        try:
            with transaction.atomic():
                lock_sends_from(email)
                same = (
                    MembershipApplication.objects.select_for_update()
                    .filter(submission_key=key)
                    .first()
                )
                if same is not None:
                    record_repeat(same, form, same_send=True)
                    return None
                existing = find_recent_application(email, lock=True)
                if existing is not None:
                    # The same send, stored by a simultaneous request that committed meanwhile.
                    record_repeat(existing, form, same_send=existing.submission_key == key)
                    return None
                application = form.save(commit=False)
                application.ip_hash = ip_hash
                application.submission_key = key
                application.save()
                return application
        except IntegrityError:
            if last_try:
                raise
    return None  # not reached: the second try returns or raises


def lock_sends_from(email):
    """Hold sends from this email address back until the current transaction ends.

    PostgreSQL: a transaction-level advisory lock on a hash of the address. SQLite needs none:
    its transactions start IMMEDIATE (psg/settings), so one writer at a time runs them.
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"membership.join:{email.strip().casefold()}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


def find_recent_application(email, lock=False):
    since = timezone.now() - duplicate_window()
    applications = MembershipApplication.objects.filter(
        email__iexact=email, created_at__gte=since, anonymised_at__isnull=True
    ).order_by("-created_at", "-pk")
    if lock:
        applications = applications.select_for_update()
    return applications.first()


def record_repeat(application, form, same_send=False):
    """Count a repeated send; keep its details when they differ, so a correction is not lost.

    The same form sent again unchanged (`same_send`: a double click) is the same submission and
    changes nothing.
    """
    details = form.submitted_details()

    def comparable(values):
        return {name: str(values.get(name) or "").casefold() for name in details}

    known = [comparable({name: getattr(application, name) for name in details})]
    known += [comparable(item) for item in application.later_submissions]
    is_new = comparable(details) not in known
    if same_send and not is_new:
        return
    if is_new and len(application.later_submissions) < MAX_LATER_SUBMISSIONS:
        application.later_submissions = application.later_submissions + [
            {**details, "sent_at": timezone.now().isoformat(timespec="seconds")}
        ]
    application.submission_count += 1
    application.save(update_fields=["submission_count", "later_submissions", "updated_at"])
