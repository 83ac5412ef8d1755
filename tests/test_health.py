"""`/healthz/`: what a load balancer or monitor sees when the site can and cannot serve."""

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_a_healthy_site_answers_ok_and_is_never_cached(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.head("/healthz/").status_code == 200


def test_a_database_outage_answers_503_naming_the_database(client):
    with mock.patch("psg.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "failing", "cache": "ok"}
    assert "down" not in response.content.decode()  # details go to the log, not the world


def test_a_cache_outage_answers_503_naming_the_cache(client):
    broken = mock.Mock(spec=["get", "set", "delete"], **{"get.side_effect": ConnectionError("x")})
    with mock.patch("psg.health.cache", broken):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["cache"] == "failing"


def test_only_reads_are_allowed(client):
    assert client.post("/healthz/").status_code == 405
