"""The default Site's address, checked where production is checked.

Canonical links, feeds, the sitemap and social cards are made from the default Site's host name
and port. A Site still saying "localhost" (what a fresh database has), or naming a host that
ALLOWED_HOSTS refuses, would carry that address to search engines and readers.

- `manage.py check --deploy` warns (psg.W001: a local host name; psg.W002: a host name not in
  ALLOWED_HOSTS).
- `/healthz/` adds the same sentences under "warnings" when PSG_SITE_ADDRESS_WARNINGS is on
  (production.py), still answering 200: the site serves, it only links wrongly.

The database is read only when it can be: a SQLite file that does not exist is not created, an
unreachable or unmigrated database gives no warning (`make lint` checks the production settings
against a fresh database).
"""

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections
from django.http.request import validate_host

LOCAL_HOSTNAMES = {"", "localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}  # noqa: S104
SITE_SETTING = "Settings → Sites in the admin"


def is_local(hostname):
    hostname = (hostname or "").strip().lower()
    return (
        hostname in LOCAL_HOSTNAMES
        or hostname.endswith(".localhost")
        or hostname.startswith("127.")
    )


def _database_can_be_read(connection):
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict.get("NAME") or "")
        in_memory = name in {"", ":memory:"} or "mode=memory" in name
        if not in_memory and not Path(name).exists():
            return False
    return True


def default_site():
    """The default Site, or None when there is none or the database cannot say."""
    connection = connections["default"]
    if not _database_can_be_read(connection):
        return None
    try:
        if "wagtailcore_site" not in connection.introspection.table_names():
            return None
        from wagtail.models import Site

        return Site.objects.filter(is_default_site=True).only("hostname", "port").first()
    except DatabaseError:
        return None


def site_address_problems(site=None):
    """(id, sentence) for each problem with the default Site's address; [] when it is fine."""
    site = site if site is not None else default_site()
    if site is None:
        return []
    hostname = site.hostname
    allowed = [host for host in settings.ALLOWED_HOSTS if host not in {"*", ""}]
    suggestion = f" (for example {allowed[0].lstrip('.')})" if allowed else ""
    if is_local(hostname):
        return [
            (
                "psg.W001",
                f"The default site's host name is “{hostname}”: canonical links, feeds, the "
                f"sitemap and social cards would point there. Set the public host name"
                f"{suggestion} and port 443 in {SITE_SETTING}.",
            )
        ]
    if not validate_host(hostname.lower(), settings.ALLOWED_HOSTS):
        return [
            (
                "psg.W002",
                f"The default site's host name “{hostname}” is not in ALLOWED_HOSTS, so links "
                f"made from it lead to a host this site refuses. Correct it in {SITE_SETTING}, "
                "or add it to ALLOWED_HOSTS.",
            )
        ]
    return []


@checks.register(checks.Tags.sites, deploy=True)
def check_default_site_address(app_configs=None, **kwargs):
    return [checks.Warning(message, id=check_id) for check_id, message in site_address_problems()]


def site_address_warnings():
    """The sentences /healthz/ lists under "warnings" (none unless production asks for them)."""
    if not getattr(settings, "PSG_SITE_ADDRESS_WARNINGS", False):
        return []
    return [message for _check_id, message in site_address_problems()]
