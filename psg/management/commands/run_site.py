"""Serve the site for local use, and publish scheduled pages on time while it runs."""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

SCHEDULE_INTERVAL_SECONDS = 60


class Command(BaseCommand):
    help = "Run the development server and publish scheduled pages every minute."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        stop = threading.Event()

        def publish_scheduled():
            while not stop.wait(SCHEDULE_INTERVAL_SECONDS):
                try:
                    call_command("publish_scheduled", verbosity=0)
                except Exception as exc:  # noqa: BLE001 - keep the site running, report it
                    self.stderr.write(f"publish_scheduled failed: {exc}")
                finally:
                    close_old_connections()

        threading.Thread(target=publish_scheduled, daemon=True, name="publish-scheduled").start()
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            stop.set()
