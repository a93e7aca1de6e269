"""What every FHIR resource of this product shares: its ids and canonical URLs, the edition it is
built from, and the OperationOutcome that reports a problem.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from bme_wizard.pathway.plan import EditionSnapshot

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"
# The media type of every FHIR response, with the version parameter R4 defines for it.
FHIR_CONTENT_TYPE = "application/fhir+json; fhirVersion=4.0"

QUESTIONNAIRE = "bme-pathway"
CODE_SYSTEM = "bme-vocabulary"
PLAN_DEFINITION = "bme-pathway"
APPLY_OPERATION = "bme-pathway-apply"


class IssueType(enum.StrEnum):
    """The OperationOutcome issue types this product reports (R4 value set issue-type)."""

    INVALID = "invalid"
    STRUCTURE = "structure"
    REQUIRED = "required"
    VALUE = "value"
    INVARIANT = "invariant"
    CODE_INVALID = "code-invalid"
    NOT_FOUND = "not-found"
    NOT_SUPPORTED = "not-supported"
    TOO_LONG = "too-long"
    TRANSIENT = "transient"


@dataclass(frozen=True)
class Issue:
    """One problem, in plain words; ``expression`` names where (FHIRPath, e.g. the item by its linkId)."""

    code: IssueType
    diagnostics: str
    expression: tuple[str, ...] = ()

    def as_fhir(self) -> dict[str, Any]:
        issue: dict[str, Any] = {"severity": "error", "code": self.code.value, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


class FhirError(Exception):
    """A request refused with an OperationOutcome: ``status`` (4xx) and its ``issues``."""

    def __init__(self, status: int, issues: Sequence[Issue]):
        super().__init__("; ".join(issue.diagnostics for issue in issues))
        self.status = status
        self.issues = tuple(issues)

    @classmethod
    def one(cls, status: int, code: IssueType, diagnostics: str, *expression: str) -> FhirError:
        return cls(status, [Issue(code, diagnostics, expression)])

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues)


def operation_outcome(issues: Sequence[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [issue.as_fhir() for issue in issues]}


def fhir_datetime(moment: datetime) -> str:
    """A FHIR dateTime/instant, to the second, in UTC."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def canonical_url(base: str, resource_type: str, resource_id: str) -> str:
    """A resource's canonical URL, which is also where this server serves it (``base``: the FHIR base URL)."""
    return f"{base}/{resource_type}/{resource_id}"


@dataclass(frozen=True)
class ServedEdition:
    """An edition as a FHIR server serves it: its snapshot, when it was published, and the server's FHIR
    base URL (``http://host/fhir``), under which every canonical URL of the product lies."""

    snapshot: EditionSnapshot
    published_at: datetime | None
    base: str

    def url(self, resource_type: str, resource_id: str) -> str:
        return canonical_url(self.base, resource_type, resource_id)

    @property
    def version(self) -> str:
        """The business version of every resource built from the edition: its number."""
        return str(self.snapshot.number)

    @property
    def status(self) -> str:
        """active for the current edition, retired for one a newer edition superseded."""
        return "active" if self.snapshot.status == "published" else "retired"

    def header(self, resource_type: str, resource_id: str, *, name: str, title: str, **meta: Any) -> dict[str, Any]:
        """What opens every resource built from the edition: ids, version, names, status and date."""
        resource: dict[str, Any] = {
            "resourceType": resource_type,
            "id": resource_id,
            "meta": {"versionId": self.version, **meta},
            "url": self.url(resource_type, resource_id),
            "version": self.version,
            "name": name,
            "title": title,
            "status": self.status,
        }
        if self.published_at is not None:
            resource["date"] = fhir_datetime(self.published_at)
        return resource


def computable_name(title: str, fallback: str) -> str:
    """A FHIR ``name`` (a capital letter, then letters, digits and _) from a title: its words, capitalised."""
    name = "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))[:255]
    return name if re.fullmatch(r"[A-Z][A-Za-z0-9_]*", name) else fallback


def same_canonical(given: str, ours: str) -> bool:
    """Whether ``given`` names the resource at canonical URL ``ours``: the same path, over http(s).

    The host is not compared: one server is often reached by several names (a public one, an internal
    one), and the canonical URL it builds follows the name it was asked by."""
    try:
        parts, expected = urlsplit(given), urlsplit(ours)
    except ValueError:  # not a URL at all (e.g. an unclosed IPv6 bracket)
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and parts.path == expected.path
        and not parts.query
        and not parts.fragment
    )
