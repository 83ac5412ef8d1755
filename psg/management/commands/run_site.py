"""Serve the site for local use, and publish scheduled pages on time while it runs.

Links the site makes outside a request (moderation mails, and the feed, sitemap and canonical
links made from the default Site) carry the address this command serves: it sets the admin's
base URL (unless WAGTAILADMIN_BASE_URL is set in the environment) and the default Site's host
name and port (unless an administrator gave the Site a real host name). Production does not use
this command and keeps its documented settings (docs/deployment.md).
"""

import copy
import os
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

SCHEDULE_INTERVAL_SECONDS = 60
# Host names a local Site has until someone names the real one: these follow the served address.
LOCAL_HOSTNAMES = {"", "localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0"}  # noqa: S104


def served_hostname(host):
    """The host name a browser on this machine uses for a server listening on `host`."""
    host = (host or "").strip()
    return "127.0.0.1" if host in {"", "0.0.0.0", "::", "[::]"} else host  # noqa: S104


def use_served_address(host, port):
    """Point the admin's base URL and the default Site at http://host:port/.

    Returns (base_url, site) where site is the default Site, changed or not. The admin base URL
    given in the environment and a Site with a real host name are left alone.
    """
    from wagtail.models import Site

    hostname = served_hostname(host)
    port = int(port)
    base_url = f"http://{hostname}" + ("" if port == 80 else f":{port}")
    if not os.environ.get("WAGTAILADMIN_BASE_URL", "").strip():
        previous = settings.WAGTAILADMIN_BASE_URL
        settings.WAGTAILADMIN_BASE_URL = base_url
        # The public pages' Content-Security-Policy names the admin origin (the userbar).
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        for name in ("script-src", "style-src"):
            sources = policy.get("DIRECTIVES", {}).get(name)
            if sources and previous in sources:
                policy["DIRECTIVES"][name] = [base_url if s == previous else s for s in sources]
        settings.CONTENT_SECURITY_POLICY = policy
    else:
        base_url = settings.WAGTAILADMIN_BASE_URL
    site = Site.objects.filter(is_default_site=True).first()
    if (
        site is not None
        and site.hostname in LOCAL_HOSTNAMES
        and (site.hostname, site.port) != (hostname, port)
    ):
        site.hostname, site.port = hostname, port
        site.save(update_fields=["hostname", "port"])
    return base_url, site


class Command(BaseCommand):
    help = "Run the development server and publish scheduled pages every minute."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        base_url, site = use_served_address(host, port)
        self.stdout.write(f"Links in mails start with {base_url}/")
        if site is not None:
            self.stdout.write(
                f"The default site is {site.hostname}:{site.port} (feed, sitemap and canonical links)"
            )
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
