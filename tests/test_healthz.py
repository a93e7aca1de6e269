"""/healthz (readiness: database and a published edition) and /livez (liveness)."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_ok_names_the_current_edition(client, first_edition):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "edition": 1}
    assert "no-cache" in response["Cache-Control"]


def test_503_without_a_published_edition(client, draft_edition):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "No guideline edition has been published."}


def test_503_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import connection

    def refuse():
        raise OperationalError("connection refused (and a host name that must not leak)")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "The database does not answer."}


def test_livez_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200 and response.content == b"ok\n"
