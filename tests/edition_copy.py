"""A test builder: a draft edition copied row by row from another edition.

A stand-in for the ``edition_clone`` service being written on main: once that lands,
``copy_edition_for_tests`` can call it instead (same arguments, same result: a draft with
the same keys, text, conditions and citations, review status back to draft).
"""

from bme_wizard.content.models import (
    Citation,
    Condition,
    Edition,
    EditionStatus,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewStatus,
    edition_touches_deferred,
)

_NOT_COPIED = {"id", "editionitem_ptr", "edition", "pathway", "review_status", "created_at", "updated_at"}


def _copy_fields(obj) -> dict:
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.name not in _NOT_COPIED and field.attname not in _NOT_COPIED
    }


def copy_edition_for_tests(source: Edition, *, number: int, title: str = "Draft copy for tests") -> Edition:
    """A new draft edition numbered ``number`` with a copy of every item of ``source``."""
    edition = Edition.objects.create(number=number, title=title, status=EditionStatus.DRAFT)
    copies = {}
    with edition_touches_deferred():
        for model in (
            Reference,
            Pathway,
            Recommendation,
            Pitfall,
        ):  # references and pathways first: others point at them
            for obj in model.objects.filter(edition=source).order_by("order", "key"):
                extra = {"pathway": copies[obj.pathway_id]} if model is Recommendation else {}
                copies[obj.pk] = model.objects.create(
                    edition=edition, review_status=ReviewStatus.DRAFT, **_copy_fields(obj), **extra
                )
        Condition.objects.bulk_create(
            Condition(item=copies[row.item_id], **_copy_fields_of_part(row))
            for row in Condition.objects.filter(item__edition=source)
        )
        Citation.objects.bulk_create(
            Citation(item=copies[row.item_id], reference=copies[row.reference_id], order=row.order)
            for row in Citation.objects.filter(item__edition=source)
        )
    edition.refresh_from_db()
    return edition


def _copy_fields_of_part(row: Condition) -> dict:
    return {
        "question": row.question,
        "operator": row.operator,
        "value": row.value,
        "group": row.group,
        "order": row.order,
    }
