"""Server-error reports reach ADMINS through the task queue, never inside the request
(psg/errormail.py): a mail server that does not answer cannot hold a failing request."""

import pytest
from django.core import mail
from django.test import Client
from django_tasks_db.models import DBTaskResult

from news.models import NewsIndexPage

ADMINS = [("Web team", "web@example.org")]


@pytest.fixture
def failing_news_index(monkeypatch, site_tree):
    def broken(self, request, *args, **kwargs):
        raise RuntimeError("the listing broke")

    monkeypatch.setattr(NewsIndexPage, "get_context", broken)


def test_a_server_error_is_reported_to_admins(settings, failing_news_index):
    settings.ADMINS = ADMINS
    response = Client(raise_request_exception=False).get("/news/")
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    assert report.to == ["web@example.org"]
    assert "Internal Server Error: /news/" in report.subject
    assert "the listing broke" in report.body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_report_waits_in_the_queue_while_the_request_is_answered(settings, failing_news_index):
    settings.ADMINS = ADMINS
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # A mail server nobody listens on: sending inside the request would fail or wait.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    response = Client(raise_request_exception=False).get("/news/")
    assert response.status_code == 500
    queued = DBTaskResult.objects.get(status="READY")
    assert queued.task_path == "psg.errormail.send_error_report"
    assert "Internal Server Error: /news/" in queued.args_kwargs["args"][0]


def test_requests_for_unknown_hosts_are_logged_not_mailed(settings, site_tree, caplog):
    settings.ADMINS = ADMINS
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="scanner.invalid")
    assert response.status_code == 400
    assert mail.outbox == []
    assert "Invalid HTTP_HOST header" in caplog.text
