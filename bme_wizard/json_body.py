"""Reading a small JSON request body, for the JSON API and the FHIR server alike: its media type,
charset and size checked before it is parsed, every refusal a ``BodyError`` in plain words."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from django.http import HttpRequest

from bme_wizard.interop.fhir import FHIR_JSON

JSON = "application/json"
# A plan request, or a QuestionnaireResponse, is a few kilobytes at most.
MAX_BODY_BYTES = 64 * 1024
FHIR_R4 = frozenset({"4.0", "4.0.1"})


class BodyError(Exception):
    """A body refused with ``status`` (400, 413 or 415) and why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def read_json_body(
    request: HttpRequest, *, media_types: Collection[str], wanted: str, max_bytes: int = MAX_BODY_BYTES
) -> Any:
    """The parsed body, or raise BodyError for anything that is not a small UTF-8 JSON document sent as one
    of ``media_types`` (``wanted`` says what to send instead). FHIR JSON must be R4."""
    if (request.content_type or "") not in media_types:
        raise BodyError(wanted, status=415)
    if request.content_type == FHIR_JSON and request.content_params.get("fhirversion", "4.0") not in FHIR_R4:
        raise BodyError("Send FHIR R4 (fhirVersion=4.0).", status=415)
    # The declared charset as sent (request.encoding silently drops unknown ones).
    if request.content_params.get("charset", "utf-8").lower().replace("_", "-") not in {"utf-8", "utf8"}:
        raise BodyError("Send JSON encoded as UTF-8.", status=415)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    too_large = BodyError(f"The body must be at most {max_bytes} bytes.", status=413)
    if length > max_bytes:
        raise too_large
    body = request.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise too_large
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyError("The body is not valid UTF-8.") from None
    except json.JSONDecodeError as error:
        raise BodyError(f"Malformed JSON: {error.msg} (line {error.lineno}, column {error.colno}).") from None
    except RecursionError:
        raise BodyError("The JSON is nested too deeply.") from None
    except ValueError as error:  # e.g. an integer too long to convert
        raise BodyError(f"Unreadable JSON: {error}.") from None
