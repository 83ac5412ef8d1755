"""The fault drill's own parts (scripts/fault_drill.py): its SMTP server and its counting.

The drill itself starts the whole production stack and takes minutes (`make drill`), so it is
not run here; these tests check that what it reports is counted right.
"""

import importlib.util
import smtplib
import socket
from email.message import EmailMessage
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "fault_drill.py"

# No database: the SQLite pass of `make test` runs them (docs/testing.md).
pytestmark = pytest.mark.engine_agnostic


def load_drill():
    spec = importlib.util.spec_from_file_location("fault_drill", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


drill = load_drill()


@pytest.fixture
def sink():
    server = drill.SmtpSink().start()
    yield server
    server.stop()


def staff_email(application_id):
    message = EmailMessage()
    message["From"] = "noreply@psg.example"
    message["To"] = "officers@psg.example"
    message["Subject"] = "New membership application"
    message.set_content(
        f"Read it here:\n\nhttp://127.0.0.1:8000/admin/membership/inspect/{application_id}/\n"
    )
    return message


def test_the_smtp_server_counts_each_delivered_message_and_its_application(sink):
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        client.send_message(staff_email(41))
        client.send_message(staff_email(42))
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        message = staff_email(43)
        del message["Subject"]
        message.set_content("No link in this one.")
        client.send_message(message)

    assert sink.delivered == 3
    assert sink.linked_ids() == [41, 42, None]


def test_a_hanging_smtp_server_accepts_the_connection_and_never_answers(sink):
    sink.hanging = True
    with pytest.raises((smtplib.SMTPServerDisconnected, TimeoutError, socket.timeout)):
        smtplib.SMTP("127.0.0.1", sink.port, timeout=0.5)

    sink.hanging = False
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
        client.send_message(staff_email(7))
    assert sink.delivered == 1


def test_the_tally_separates_served_from_failed_requests_and_counts_cache_hits():
    tally = drill.Tally()
    for seconds in (0.010, 0.020, 0.030, 0.040):
        tally.record(seconds, cache="HIT")
    tally.record(0.050, cache="MISS")
    tally.record(0.500, "500", cache="MISS")
    tally.record(15.0, "timeout")
    tally.record(0.100, "join 200")
    tally.join(True)
    tally.join(False)

    summary = tally.summary()

    assert (summary["served"], summary["failed"]) == (5, 3)
    assert summary["failures"] == "500 x1, timeout x1, join 200 x1"
    assert summary["hits"] == "67%"  # 4 hits among the 6 page reads
    assert summary["joins"] == 1
    assert summary["median_ms"] == pytest.approx(45)
    assert summary["p95_ms"] == pytest.approx(15000)


def test_failures_are_labelled_by_what_the_client_saw():
    assert drill.failure_label(TimeoutError()) == "timeout"
    assert drill.failure_label(ConnectionRefusedError()) == "refused"
    assert drill.failure_label(ConnectionResetError()) == "reset"
    assert drill.failure_label(OSError()) == "OSError"
