"""A Plan as JSON: the API's 200 response and ``manage.py plan --json``, validated as a ``plan_models.Plan``.

The body is checked against the shape the OpenAPI document describes as it is built (a mistake here
is a ``pydantic.ValidationError``, never a body that breaks the document), and comes out in the
models' order.
"""

from __future__ import annotations

from typing import Any

from bme_wizard.pathway.plan import Plan, Planned

from .plan_models import PLAN


def _why(item: Planned) -> list[dict[str, Any]]:
    # Planned.why: each condition in the edition's words, described once per condition and vocabulary.
    return [
        {
            "question": condition.question,
            "operator": condition.operator.value,
            "value": list(condition.value) if isinstance(condition.value, tuple) else condition.value,
            "text": text,
        }
        for condition, text in zip(item.because, item.why, strict=True)
    ]


def _statement(item: Planned) -> dict[str, Any]:
    entry = item.entry
    data = {
        "id": entry.id,
        "key": entry.key,
        "text": entry.text,
        "plain_text": entry.plain_text,
        "review_status": entry.review_status,
        "why": _why(item),
        "citations": list(item.citation_numbers),
        "caution": entry.caution,
        "caution_citations": list(item.caution_numbers),
    }
    if entry.kind == "recommendation":
        data.update(
            {
                "pathway": entry.pathway_key,
                "section": entry.section,
                "strength": entry.strength,
                "certainty": entry.certainty,
                "treatments": list(entry.treatments),
                "tried": bool(item.tried),
                "tried_treatments": list(item.tried),
            }
        )
    return data


def _tried_statement(item: Planned) -> dict[str, Any]:
    """A statement of the already-tried part, with the edition's wording for it having been tried."""
    data = _statement(item)
    data["tried_text"] = getattr(item.entry, "tried_text", "")
    return data


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    edition = plan.edition
    body = {
        "edition": {
            "number": edition.number,
            "label": edition.label,
            "title": edition.title,
            "status": edition.status,
            "current": edition.status == "published",
            "updated_at": edition.updated_at,
            "last_updated": edition.last_updated,
            "source_note": edition.text.source_note if edition.text else "",
            "publication_note": edition.publication_note,
        },
        "pending_review": plan.pending_review,
        "answers": dict(plan.answers),
        "pathways": [
            {
                "id": item.entry.id,
                "key": item.entry.key,
                "title": item.entry.title,
                "summary": item.entry.summary,
                "review_status": item.entry.review_status,
                "why": _why(item),
                "citations": list(item.citation_numbers),
            }
            for item in plan.pathways
        ],
        "sections": [{"key": section.key, "label": section.label} for section in plan.sections],
        "recommendations": [_statement(item) for item in plan.recommendations],
        "already_tried": [_tried_statement(item) for item in plan.tried],
        "pitfalls": [_statement(item) for item in plan.pitfalls],
        "references": [
            {
                "number": reference.number,
                "id": reference.entry.id,
                "key": reference.entry.key,
                "kind": reference.entry.kind,
                "citation": reference.entry.citation,
                "incomplete": reference.entry.is_incomplete,
            }
            for reference in plan.references
        ],
    }
    return PLAN.validate_python(body)
