"""Logs: one JSON object per line with the request id; no tokens, run ids or answers."""

import io
import json
import logging

import pytest
from django.conf import settings
from django.test import Client

from bme_wizard.logs import JsonFormatter, RequestContextFilter, redact
from tests.conftest import answers
from tests.wizard_walk import walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """Everything logged during the test, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def test_production_logs_json_lines_to_stdout():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == "json" and handler["stream"] == "ext://sys.stdout"


def test_one_line_per_request_with_its_id(client, first_edition, log_lines):
    response = client.get("/guideline/", headers={"x-request-id": "proxy-given-id-123"})
    assert response["X-Request-ID"] == "proxy-given-id-123"
    (line,) = [entry for entry in log_lines() if entry["logger"] == "bme_wizard.requests"]
    assert line["request_id"] == "proxy-given-id-123"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/guideline/", 200)
    assert line["level"] == "INFO" and isinstance(line["duration_ms"], float)


def test_a_malformed_request_id_is_replaced(client, log_lines):
    response = client.get("/livez", headers={"x-request-id": "bad id\nwith a line break"})
    assert len(response["X-Request-ID"]) == 32
    assert log_lines()[-1]["request_id"] == response["X-Request-ID"]


def test_a_clinician_flow_logs_no_token_run_id_or_answer(client, first_edition, log_lines):
    patient = answers(context="transient_bme", symptom_weeks=37, treatments_tried=["iloprost"])
    summary = walk(client, patient)
    token = summary.strip("/").split("/")[-1]
    client.get(summary)
    client.get(f"/a/{token}x/")  # a mistyped permalink: a 404 that Django would log with its path
    text = "\n".join(json.dumps(line) for line in log_lines())
    paths = [line["path"] for line in log_lines() if "path" in line]
    assert "/a/…/" in paths and "/assess/…/" in paths
    assert token not in text
    run_ids = {path.split("/")[2] for path in paths if path.startswith("/assess/") and path != "/assess/"}
    assert run_ids == {"…"}
    for secret in ("transient_bme", "iloprost", "symptom_weeks", "mri_done"):
        assert secret not in text, secret


def test_errors_keep_their_traceback_but_mask_paths(log_lines):
    logger = logging.getLogger("django.request")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.error("Internal Server Error: %s", "/a/AbCdEfGhIjKlMnOpQrStUv/", exc_info=True)
    (line,) = log_lines()
    assert line["message"] == "Internal Server Error: /a/…/"
    assert "ValueError: boom" in line["exception"]


def test_redact_masks_permalinks_and_runs_only():
    assert redact("/a/abc_DEF-123/patient/ /assess/xyz/ /guideline/") == "/a/…/patient/ /assess/…/ /guideline/"


def test_server_errors_are_logged_as_json_with_the_request_id(first_edition, log_lines, settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    response = Client(raise_request_exception=False).get("/test-errors/500/")
    assert response.status_code == 500
    errors = [line for line in log_lines() if line["level"] == "ERROR"]
    assert errors and errors[0]["request_id"] == response["X-Request-ID"]
    assert "RuntimeError: a bug, on purpose" in errors[0]["exception"]
