"""Sending the join form: one application per send, staff mail through the task queue, and
answers that no cache keeps.

The race tests post real simultaneous requests to a live server (PostgreSQL pass); the mail
tests use the production task queue (django_tasks_db's DatabaseBackend, its worker run here)
and mail servers of their own on free ports: one that accepts connections and never answers,
and a minimal one that accepts every message.
"""

import logging
import re
import socket
import socketserver
import threading
from unittest import mock

import pytest
import requests
from django.core import mail
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from wagtail_modeladmin.helpers import AdminURLHelper

from membership import views
from membership.models import MembershipApplication
from tests.conftest import run_in_pass
from tests.factories import add_join_page, join_form_data, make_user

JOIN_URL = "/join/"
THANK_YOU_URL = "/join/thank-you/"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)

Notification = MembershipApplication.Notification


@pytest.fixture
def join_page(home_page):
    return add_join_page(home_page)


def cache_directives(response):
    return {part.strip() for part in response["Cache-Control"].split(",")}


# Answers with the form are never kept by a cache ------------------------------------------------


@pytest.mark.django_db
def test_every_answer_of_the_form_is_private_and_not_stored(client, join_page):
    answers = {
        "form": client.get(JOIN_URL),
        "errors": client.post(JOIN_URL, join_form_data(name="")),
        "honeypot": client.post(JOIN_URL, join_form_data(website="http://spam.example")),
        "sent": client.post(JOIN_URL, join_form_data()),
    }
    assert [answers[name].status_code for name in answers] == [200, 200, 400, 302]
    for name, response in answers.items():
        assert {"private", "no-store"} <= cache_directives(response), name


# The same form sent twice -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_form_sent_twice_is_one_application_and_one_email(client, join_page):
    data = join_form_data()
    first, second = client.post(JOIN_URL, data), client.post(JOIN_URL, data)
    assert first["Location"] == second["Location"] == THANK_YOU_URL
    application = MembershipApplication.objects.get()
    assert application.submission_count == 1  # a double click is one send
    assert application.later_submissions == []
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_same_form_sent_again_with_a_correction_keeps_it(client, join_page):
    data = join_form_data()
    client.post(JOIN_URL, data)
    client.post(JOIN_URL, {**data, "name": "Ana María Quispe"})
    application = MembershipApplication.objects.get()
    assert application.name == "Ana Quispe"
    assert [item["name"] for item in application.later_submissions] == ["Ana María Quispe"]
    assert application.submission_count == 2
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_anonymising_an_application_wipes_its_submission_key(client, join_page):
    client.post(JOIN_URL, join_form_data())
    application = MembershipApplication.objects.get()
    assert application.submission_key
    application.anonymise()
    application.refresh_from_db()
    assert application.submission_key is None


# Simultaneous sends (a live server, real requests at once) --------------------------------------


def shown_form(base_url):
    """Open /join/ as a browser does: its CSRF cookie, CSRF field and fill-time token."""
    response = requests.get(base_url + JOIN_URL, timeout=30)
    assert response.status_code == 200
    html = response.text
    return {
        "cookies": response.cookies.get_dict(),
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1],
        "started": re.search(r'name="started" value="([^"]+)"', html)[1],
    }


def send_at_once(base_url, sends):
    """POST every (form, data) in `sends` from its own thread, all released together."""
    barrier = threading.Barrier(len(sends))
    answers = [None] * len(sends)

    def send(index, form, data):
        payload = {
            **data,
            "csrfmiddlewaretoken": form["csrfmiddlewaretoken"],
            "started": form["started"],
        }
        barrier.wait()
        answers[index] = requests.post(
            base_url + JOIN_URL,
            data=payload,
            cookies=form["cookies"],
            allow_redirects=False,
            timeout=60,
        )

    threads = [
        threading.Thread(target=send, args=(index, form, data))
        for index, (form, data) in enumerate(sends)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def double_sends(base_url, people):
    """`people` applicants, each sending their form twice at the same moment."""
    sends = []
    for number in range(people):
        form = shown_form(base_url)
        data = join_form_data(name=f"Applicant {number}", email=f"applicant{number}@example.org")
        sends += [(form, data), (form, data)]
    return send_at_once(base_url, sends)


@pytest.fixture
def live_join(live_server, join_page, settings):
    run_in_pass("postgresql", "simultaneous requests need a database with row locks")
    settings.MEMBERSHIP_MIN_FILL_SECONDS = 0  # the form is sent as soon as it is shown
    settings.MEMBERSHIP_RATE_LIMIT = 0  # every request comes from 127.0.0.1
    return live_server.url


def assert_one_application_each(answers, people):
    assert [answer.status_code for answer in answers] == [302] * len(answers)
    assert {answer.headers["Location"] for answer in answers} == {THANK_YOU_URL}
    counts = list(MembershipApplication.objects.values_list("submission_count", flat=True))
    assert counts == [1] * people
    assert len(mail.outbox) == people


@LIVE
def test_simultaneous_double_sends_make_one_application_and_one_email_each(live_join):
    answers = double_sends(live_join, people=10)
    assert_one_application_each(answers, people=10)


@LIVE
def test_the_unique_submission_key_alone_stops_simultaneous_duplicates(live_join):
    # Without the lock on the email address, the database's unique key still refuses the copy.
    with mock.patch.object(views, "lock_sends_from"):
        answers = double_sends(live_join, people=5)
    assert_one_application_each(answers, people=5)


@LIVE
def test_simultaneous_sends_of_separate_forms_from_one_address_make_one_application(live_join):
    # Five people, each with the form open in four tabs, send all four at the same moment.
    sends = []
    for number in range(5):
        data = join_form_data(name=f"Applicant {number}", email=f"applicant{number}@example.org")
        sends += [(shown_form(live_join), data) for _tab in range(4)]
    answers = send_at_once(live_join, sends)
    assert [answer.status_code for answer in answers] == [302] * 20
    counts = list(MembershipApplication.objects.values_list("submission_count", flat=True))
    assert counts == [4] * 5  # four forms, one person: the duplicate window holds
    assert len(mail.outbox) == 5


# Staff mail through the task queue --------------------------------------------------------------


class SilentMailServer:
    """Accepts connections on a free port and never says a word."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: every message is accepted and kept."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test mail server")
        message = None
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if message is not None:
                if line == ".":
                    self.server.messages.append("\n".join(message))
                    message = None
                    self.reply("250 accepted")
                else:
                    message.append(line)
            elif line.upper().startswith("DATA"):
                message = []
                self.reply("354 go on")
            elif line.upper().startswith("QUIT"):
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class WorkingMailServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.port = self.server_address[1]
        self.messages = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self):
        self.shutdown()
        self.server_close()


@pytest.fixture
def silent_server():
    server = SilentMailServer()
    yield server
    server.close()


@pytest.fixture
def working_server():
    server = WorkingMailServer()
    yield server
    server.close()


@pytest.fixture
def queued_mail(settings, silent_server):
    """Production's task queue, and SMTP to a mail server that never answers."""
    settings.TASKS = DATABASE_QUEUE
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = silent_server.port
    settings.EMAIL_TIMEOUT = 0.5  # how long each try waits for the silent server
    settings.MEMBERSHIP_NOTIFY_ATTEMPTS = 3
    return settings


def run_worker():
    """`manage.py db_worker --batch`: run every task that is due, then stop."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def make_retries_due():
    """The retry's wait has passed."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def queued_tasks():
    return DBTaskResult.objects.filter(status="READY")


@LIVE
def test_the_applicant_is_answered_before_the_mail_server_and_staff_are_told_later(
    client, join_page, queued_mail, silent_server, working_server
):
    response = client.post(JOIN_URL, join_form_data())
    # Answered while the mail server has not been asked anything yet: the email waits its turn.
    assert response.status_code == 302 and response["Location"] == THANK_YOU_URL
    assert silent_server.connections == []
    application = MembershipApplication.objects.get()
    assert application.notification == Notification.WAITING
    assert queued_tasks().count() == 1

    run_worker()  # the mail server never answers: the try fails and another is queued for later
    assert len(silent_server.connections) == 1
    application.refresh_from_db()
    assert application.notification == Notification.WAITING
    assert application.notification_attempts == 1
    assert application.notified_at is None
    assert queued_tasks().get().run_after > timezone.now()

    run_worker()  # not due yet: nothing happens
    assert len(silent_server.connections) == 1

    queued_mail.EMAIL_PORT = working_server.port  # the mail server is back
    make_retries_due()
    run_worker()
    application.refresh_from_db()
    assert application.notification == Notification.SENT
    assert application.notification_attempts == 2
    assert application.notified_at is not None
    assert len(working_server.messages) == 1
    assert "officers@psg.example" in working_server.messages[0]
    assert "Ana" not in working_server.messages[0]  # no personal details in the email
    assert not queued_tasks().exists()


@LIVE
def test_a_mail_that_never_goes_out_shows_as_failed_in_the_admin(
    client, join_page, queued_mail, silent_server, caplog
):
    client.post(JOIN_URL, join_form_data())
    officer = make_user("officer", "Membership officers")
    admin_client = type(client)()
    admin_client.force_login(officer)
    index_url = AdminURLHelper(MembershipApplication).index_url

    def staff_told_column(**filters):
        html = admin_client.get(index_url, filters).content.decode()
        return re.findall(r'<td class="field-staff_told[^"]*">([^<]*)</td>', html)

    assert staff_told_column() == ["Waiting"]
    run_worker()
    assert staff_told_column() == ["Waiting (1 try failed so far)"]
    with caplog.at_level(logging.ERROR, logger="membership"):
        for _try in range(2):
            make_retries_due()
            run_worker()
    assert len(silent_server.connections) == 3
    assert not queued_tasks().exists()  # no more tries after MEMBERSHIP_NOTIFY_ATTEMPTS
    assert MembershipApplication.objects.get().notification == Notification.FAILED
    assert staff_told_column() == ["Failed after 3 tries"]
    assert staff_told_column(notification="failed") == ["Failed after 3 tries"]
    assert staff_told_column(notification="sent") == []
    assert "notification email failed (SMTPServerDisconnected) after 3 tries" in caplog.text
    assert "Ana" not in caplog.text


@pytest.mark.django_db
def test_an_application_whose_email_cannot_be_queued_is_kept_and_shows_not_sent(
    client, join_page, settings, caplog
):
    # A queue that takes no task for the default queue: enqueueing raises.
    settings.TASKS = {"default": {**DATABASE_QUEUE["default"], "QUEUES": ["elsewhere"]}}
    with caplog.at_level(logging.ERROR, logger="membership"):
        response = client.post(JOIN_URL, join_form_data())
    assert response.status_code == 302 and response["Location"] == THANK_YOU_URL
    application = MembershipApplication.objects.get()
    assert application.name == "Ana Quispe"
    assert application.notification == Notification.NOT_SENT
    assert application.staff_told() == "Not sent"
    assert "could not be queued (InvalidTaskError)" in caplog.text
    assert not DBTaskResult.objects.exists()
