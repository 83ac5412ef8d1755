"""The join form's request handling: GET shows it, POST checks, stores, notifies, redirects.

Order of checks on POST (docs/membership.md explains each):
1. sender's address over the rate limit            -> 429, form kept
2. honeypot filled in                               -> 400, clear message, form kept
3. fill-time token missing, forged or expired       -> 400, clear message, form kept
4. sent faster than MEMBERSHIP_MIN_FILL_SECONDS     -> 400, clear message, form kept
5. invalid details                                  -> 200, accessible errors, form kept
6. email address over the rate limit                -> 429, form kept
7. same email within the duplicate window           -> no new application, no email, 302
8. otherwise: save, then notify staff, then 302 to /join/thank-you/
"""

from datetime import timedelta

from django.conf import settings
from django.template.response import TemplateResponse
from django.utils import timezone

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

    existing = find_recent_application(form.cleaned_data["email"])
    if existing is not None:
        record_repeat(existing, form)
        return page.redirect_to_thank_you(request)

    application = form.save(commit=False)
    application.ip_hash = ip_hash
    application.save()
    notify_staff(application, page.notification_recipients())
    return page.redirect_to_thank_you(request)


def find_recent_application(email):
    since = timezone.now() - duplicate_window()
    return (
        MembershipApplication.objects.filter(
            email__iexact=email, created_at__gte=since, anonymised_at__isnull=True
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def record_repeat(application, form):
    """Count a repeated send; keep its details when they differ, so a correction is not lost."""
    details = form.submitted_details()

    def comparable(values):
        return {name: str(values.get(name) or "").casefold() for name in details}

    known = [comparable({name: getattr(application, name) for name in details})]
    known += [comparable(item) for item in application.later_submissions]
    if (
        comparable(details) not in known
        and len(application.later_submissions) < MAX_LATER_SUBMISSIONS
    ):
        application.later_submissions = application.later_submissions + [
            {**details, "sent_at": timezone.now().isoformat(timespec="seconds")}
        ]
    application.submission_count += 1
    application.save(update_fields=["submission_count", "later_submissions", "updated_at"])
