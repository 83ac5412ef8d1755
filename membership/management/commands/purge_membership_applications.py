"""Apply the retention policy to membership applications (run it daily from a timer).

- Declined applications: personal details removed MEMBERSHIP_DECLINED_RETENTION_DAYS after the
  decision (default 30; --declined-days). The decision date (decided_at) is set when the status
  becomes Declined; later changes to the application do not move it.
- Every other application: personal details removed MEMBERSHIP_RETENTION_DAYS after it arrived
  (default 365; --days). By then an approved member's details live in the membership records.

"Removed" means anonymised by default (name, email, organisation and the sender fingerprint are
wiped; type, country, source, status and dates stay for statistics), or rows deleted with
--delete, which also deletes the applications past the policy that an earlier run anonymised.

Each run, even one that finds nothing to do, is recorded in Wagtail's log (action
"membership.purge"): when, by whom (--user) or else by this command, under which periods, and how
many applications it anonymised or deleted. Only counts are printed, logged and recorded, never
personal details. A dry run changes and records nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from wagtail.models import ModelLogEntry

from membership.models import PURGE_LOG_ACTION, MembershipApplication

logger = logging.getLogger(__name__)

COMMAND = "purge_membership_applications"
# A run concerns the applications as a whole, not one of them: its log entry points at no row
# (ids start at 1), so no application's own history lists it and the site history links nowhere.
RUN_OBJECT_ID = "0"


class Command(BaseCommand):
    help = "Anonymise (or delete) declined and old membership applications."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=getattr(settings, "MEMBERSHIP_RETENTION_DAYS", 365),
            help="Remove the details of applications received more than this many days ago "
            "(default: MEMBERSHIP_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--declined-days",
            type=int,
            default=getattr(settings, "MEMBERSHIP_DECLINED_RETENTION_DAYS", 30),
            help="Remove the details of applications declined more than this many days ago "
            "(default: MEMBERSHIP_DECLINED_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Delete the applications instead of anonymising, including those past the "
            "policy that an earlier run anonymised.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; change nothing."
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="The admin user running the purge by hand, named as its author in the site "
            "history (default: none; the entry names this command).",
        )

    def handle(self, *args, days, declined_days, delete, dry_run, user, **options):
        if days < 0 or declined_days < 0:
            raise CommandError("--days and --declined-days must be zero or more.")
        author = find_user(user) if user else None
        now = timezone.now()
        declined_q = Q(
            status=MembershipApplication.Status.DECLINED,
            decided_at__lt=now - timedelta(days=declined_days),
        )
        stale_q = Q(created_at__lt=now - timedelta(days=days))
        applications = MembershipApplication.objects.all()
        pending = applications.filter(anonymised_at__isnull=True)
        verb = "delete" if delete else "anonymise"

        with transaction.atomic():
            counts = {
                "declined": pending.filter(declined_q).count(),
                "stale": pending.filter(stale_q).exclude(declined_q).count(),
            }
            if delete:
                counts["anonymised_earlier"] = (
                    applications.filter(anonymised_at__isnull=False)
                    .filter(declined_q | stale_q)
                    .count()
                )
            if dry_run:
                self.stdout.write(f"Dry run: would {verb} {describe(counts)}.")
                return

            if delete:
                doomed = applications.filter(declined_q | stale_q)
                forget_names_in_history(doomed)
                doomed.delete()
            else:
                for application in pending.filter(declined_q | stale_q).iterator():
                    application.anonymise(now=now)

            record_run(
                author,
                now,
                {
                    "command": COMMAND,
                    "removal": verb,
                    **counts,
                    "days": days,
                    "declined_days": declined_days,
                },
            )

        message = f"{verb.capitalize()}d {describe(counts, 'membership application(s)')}."
        logger.info(message)
        self.stdout.write(message)


def describe(counts, noun="application(s)"):
    """'1 declined and 2 stale application(s)', with the earlier anonymised ones when deleting."""
    text = f"{counts['declined']} declined and {counts['stale']} stale {noun}"
    if "anonymised_earlier" in counts:
        text += f" and {counts['anonymised_earlier']} anonymised one(s)"
    return text


def find_user(username):
    User = get_user_model()
    try:
        return User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        raise CommandError(
            f"There is no user '{username}'. Give the username you sign in to the admin with, "
            "or leave out --user."
        ) from None


def forget_names_in_history(applications):
    """Deleted applications' entries in Wagtail's log keep their number, not the person's name."""
    ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(MembershipApplication),
        object_id__in=applications.values(number=Cast("pk", CharField())),
    ).update(label=Concat(Value("Deleted application #"), F("object_id"), output_field=CharField()))


def record_run(author, when, data):
    """One entry in Wagtail's log per run: who or what ran it, when, and counts only."""
    ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(MembershipApplication),
        object_id=RUN_OBJECT_ID,
        label="Membership applications",
        action=PURGE_LOG_ACTION,
        user=author,
        timestamp=when,
        data=data,
    )
