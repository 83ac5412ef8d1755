"""Apply the retention policy to membership applications (run it daily from a timer).

- Declined applications: personal details removed MEMBERSHIP_DECLINED_RETENTION_DAYS after the
  decision (default 30; --declined-days).
- Every other application: personal details removed MEMBERSHIP_RETENTION_DAYS after it arrived
  (default 365; --days). By then an approved member's details live in the membership records.

"Removed" means anonymised by default (name, email, organisation and the sender fingerprint are
wiped; type, country, source, status and dates stay for statistics), or rows deleted with
--delete. Only counts are printed and logged, never personal details.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from membership.models import MembershipApplication

logger = logging.getLogger(__name__)


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
            help="Remove the details of declined applications last changed more than this many "
            "days ago (default: MEMBERSHIP_DECLINED_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--delete", action="store_true", help="Delete the applications instead of anonymising."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; change nothing."
        )

    def handle(self, *args, days, declined_days, delete, dry_run, **options):
        if days < 0 or declined_days < 0:
            raise CommandError("--days and --declined-days must be zero or more.")
        now = timezone.now()
        pending = MembershipApplication.objects.filter(anonymised_at__isnull=True)
        declined_q = Q(
            status=MembershipApplication.Status.DECLINED,
            updated_at__lt=now - timedelta(days=declined_days),
        )
        stale_q = Q(created_at__lt=now - timedelta(days=days))
        declined = pending.filter(declined_q)
        stale = pending.filter(stale_q).exclude(declined_q)
        counts = {"declined": declined.count(), "stale": stale.count()}
        if delete:
            # Anonymised rows are past the policy too: --delete removes them as well.
            counts["anonymised"] = (
                MembershipApplication.objects.filter(anonymised_at__isnull=False)
                .filter(declined_q | stale_q)
                .count()
            )

        verb = "delete" if delete else "anonymise"
        if dry_run:
            self.stdout.write(
                f"Dry run: would {verb} {counts['declined']} declined and {counts['stale']} "
                f"stale application(s)"
                + (f" and {counts['anonymised']} anonymised one(s)" if delete else "")
                + "."
            )
            return

        with transaction.atomic():
            if delete:
                MembershipApplication.objects.filter(declined_q | stale_q).delete()
            else:
                for application in pending.filter(declined_q | stale_q).iterator():
                    application.anonymise(now=now)

        message = (
            f"{verb.capitalize()}d {counts['declined']} declined and {counts['stale']} stale "
            f"membership application(s)"
            + (f" and {counts['anonymised']} anonymised one(s)" if delete else "")
            + "."
        )
        logger.info(message)
        self.stdout.write(message)
