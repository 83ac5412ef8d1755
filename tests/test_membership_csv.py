"""The membership officers' CSV export read as a spreadsheet program reads it, and the
application's detail page in plain words.

A spreadsheet program opening a CSV file without a byte order mark guesses a legacy encoding,
which garbles "Perú". The export starts with the UTF-8 byte order mark, writes dates as
"4 Dec 2026 14:05" in the site's time zone (Europe/London) and keeps every cell that would run
as a formula as text.
"""

import codecs
import csv
import datetime
import io
import re

import pytest
from wagtail_modeladmin.helpers import AdminURLHelper

from membership.models import MembershipApplication
from tests.factories import make_user

pytestmark = pytest.mark.django_db

URLS = AdminURLHelper(MembershipApplication)
WINTER = datetime.datetime(2026, 12, 4, 14, 5, tzinfo=datetime.UTC)
# British Summer Time: one hour ahead of UTC.
SUMMER = datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC)


@pytest.fixture
def officer(client):
    client.force_login(make_user("olivia", "Membership officers"))
    return client


def apply(**fields):
    values = {
        "name": "José Ñúñez",
        "email": "jose@example.org",
        "membership_type": MembershipApplication.MembershipType.INDIVIDUAL,
        "country": "Perú",
        "created_at": WINTER,
    }
    values.update(fields)
    return MembershipApplication.objects.create(**values)


def spreadsheet_rows(client):
    """The export as a spreadsheet program reads it: bytes, a byte order mark naming the
    encoding, then CSV with quoted cells that may hold line breaks."""
    response = client.get(URLS.index_url, {"export": "csv"})
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert raw.startswith(codecs.BOM_UTF8), "no UTF-8 byte order mark: accents come out garbled"
    text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][0] == "Received"
    return rows


def test_accents_survive_and_dates_are_local_and_readable(officer):
    apply()
    apply(name="Zoë Ortiz", email="zoe@example.org", created_at=SUMMER, organisation="Asociación")
    rows = spreadsheet_rows(officer)
    by_email = {row[2]: row for row in rows[1:]}
    assert by_email["jose@example.org"][1] == "José Ñúñez"
    assert by_email["jose@example.org"][5] == "Perú"
    assert by_email["jose@example.org"][0] == "4 Dec 2026 14:05"
    # 12:30 UTC in July is 13:30 in London.
    assert by_email["zoe@example.org"][0] == "1 Jul 2026 13:30"
    assert by_email["zoe@example.org"][1] == "Zoë Ortiz"
    assert by_email["zoe@example.org"][4] == "Asociación"
    # Exactly one byte order mark: none slips into a later line.
    assert all("\ufeff" not in cell for row in rows for cell in row)


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_would_run_as_formulas_stay_text(officer, prefix):
    typed = prefix + "SUM(1+1)é"
    apply(name=typed, country=typed)
    row = spreadsheet_rows(officer)[1]
    assert row[1] == "'" + typed
    assert row[5] == "'" + typed


def test_application_detail_page_speaks_plain_words(officer):
    application = apply(consent=True)
    MembershipApplication.objects.filter(pk=application.pk).update(
        notification=MembershipApplication.Notification.SENT,
        notification_attempts=1,
        notified_at=WINTER + datetime.timedelta(minutes=2),
    )
    html = officer.get(URLS.get_action_url("inspect", application.pk)).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Staff notified Yes, 4 Dec 2026 14:07" in text
    assert "Agreed to be contacted Yes" in text
    assert "Received 4 Dec 2026 14:05" in text
    assert "staff told at" not in text.lower()
    assert "True" not in text and "False" not in text


@pytest.mark.parametrize(
    ("notification", "attempts", "expected"),
    [
        ("not_sent", 0, "Staff notified No"),
        ("waiting", 2, "Staff notified Not yet: 2 tries failed so far, trying again"),
        ("failed", 6, "Staff notified No: sending failed after 6 tries"),
    ],
)
def test_detail_page_says_when_staff_were_not_told(officer, notification, attempts, expected):
    application = apply()
    MembershipApplication.objects.filter(pk=application.pk).update(
        notification=notification, notification_attempts=attempts
    )
    html = officer.get(URLS.get_action_url("inspect", application.pk)).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert expected in text
    assert "Agreed to be contacted No" in text
