"""Create the local administrator account once, with a random password kept under var/."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a local superuser 'admin' with a random password written to var/ (once)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--password-file",
            default=str(Path(settings.VAR_DIR) / "admin-password.txt"),
            help="Where the generated password is written (readable by you only).",
        )

    def handle(self, *args, username, password_file, **options):
        User = get_user_model()
        path = Path(password_file)
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Admin login: user '{username}', password in {path} "
                "(delete the user to make a new one)."
            )
            return
        password = secrets.token_urlsafe(18)
        User.objects.create_superuser(username, email="", password=password)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{password}\n")
        path.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the local admin account.\n"
                f"  Log in at /admin/ as '{username}' with password: {password}\n"
                f"  (kept in {path})"
            )
        )
