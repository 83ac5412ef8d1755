"""The membership officers' export: what an applicant typed never runs as a spreadsheet formula.

A spreadsheet program runs a CSV cell that starts with "=", "+", "-", "@", a tab or a carriage
return as a formula. The CSV export writes such a cell with a leading apostrophe, which makes
it text; the XLSX export marks the cell as text and keeps the value as it was typed. Each
prefix is tested on its own, through the admin's export URL, as a membership officer.
"""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from wagtail_modeladmin.helpers import AdminURLHelper

from membership.models import MembershipApplication

pytestmark = pytest.mark.django_db

INDEX_URL = AdminURLHelper(MembershipApplication).index_url
# One value an applicant could type for each prefix that starts a formula.
FORMULAS = {
    "=": '=HYPERLINK("http://evil.example","Details")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
PREFIX_NAMES = ["equals", "plus", "minus", "at", "tab", "carriage return"]
# The free-text columns an applicant fills in: Name, Organisation, Country.
TYPED_COLUMNS = [1, 4, 5]


def apply(email, text):
    return MembershipApplication.objects.create(
        name=text,
        email=email,
        membership_type=MembershipApplication.MembershipType.ORGANISATION,
        organisation=text,
        country=text,
    )


def csv_rows(client, **params):
    response = client.get(INDEX_URL, {"export": "csv", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    # newline="": a carriage return inside a quoted cell is part of the cell, as a spreadsheet
    # program reads it.
    return list(csv.reader(io.StringIO(body, newline="")))


def xlsx_rows(client):
    response = client.get(INDEX_URL, {"export": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows()]


@pytest.mark.parametrize("prefix", FORMULAS, ids=PREFIX_NAMES)
def test_csv_cells_that_would_run_as_formulas_are_written_as_text(officer_client, prefix):
    typed = FORMULAS[prefix]
    assert typed.startswith(prefix)
    apply("formula@example.org", typed)
    apply("plain@example.org", "Ana-María O'Neill, Lima - Cusco")

    rows = csv_rows(officer_client)
    assert len(rows) == 3
    by_email = {row[2]: row for row in rows[1:]}
    formula = by_email["formula@example.org"]
    assert [formula[column] for column in TYPED_COLUMNS] == ["'" + typed] * 3
    # A value that does not start a formula is written as it was typed.
    plain = by_email["plain@example.org"]
    assert [plain[column] for column in TYPED_COLUMNS] == ["Ana-María O'Neill, Lima - Cusco"] * 3
    # No cell of the file starts a formula.
    starts = [cell for row in rows for cell in row if cell[:1] in FORMULAS]
    assert starts == []


@pytest.mark.parametrize("prefix", FORMULAS, ids=PREFIX_NAMES)
def test_xlsx_keeps_what_was_typed_as_text(officer_client, prefix):
    typed = FORMULAS[prefix]
    apply("formula@example.org", typed)

    [_headings, row] = xlsx_rows(officer_client)
    cells = [row[column] for column in TYPED_COLUMNS]
    # The file is XML, which stores a carriage return as a line break ("\n").
    assert [cell.value for cell in cells] == [typed.replace("\r", "\n")] * 3
    assert [cell.data_type for cell in cells] == ["s"] * 3


def test_the_list_links_to_the_record_of_the_retention_policys_runs(officer_client):
    """Beside the export buttons: the site history, filtered to the retention policy's runs."""
    html = officer_client.get(INDEX_URL).content.decode()
    link = re.search(r'<a [^>]*href="([^"]*)"[^>]*>(?:(?!</a>).)*Retention history', html, re.S)
    assert link is not None
    assert link.group(1) == "/admin/reports/site-history/?action=membership.purge"
    assert officer_client.get(link.group(1)).status_code == 200
