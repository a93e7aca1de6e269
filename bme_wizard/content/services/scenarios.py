"""Operations on content scenarios: write one (new or changed, switched on or off).

A change is reviewed like content: the scenario goes back to draft, its editor may not
approve it, and until a reviewer approves it the version last approved is the one that
gates publication (``selectors.approved_scenario_specs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import can_proceed

from ..models import SCENARIO_CONTENT, Scenario
from .common import WorkflowError, quiet_history, record_history, refusal, require

SCENARIO_FIELDS = ("key", *SCENARIO_CONTENT, "order")


@transaction.atomic
def scenario_save(
    *, user, fields: Mapping[str, Any], scenario: Scenario | None = None, version: int | None = None
) -> Scenario:
    """Create a scenario (``scenario`` None) or change one; the change is a draft until approved."""
    creating = scenario is None
    if user is not None:
        require(user, f"content.{'add' if creating else 'change'}_scenario", "write content scenarios")
    if creating:
        stored = Scenario()
        before = None
    else:
        stored = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if version is not None and version != stored.version:
            stored.version = version
            stored.check_version()
        before = stored.review_content()
    unknown = [name for name in fields if name not in SCENARIO_FIELDS]
    if unknown:
        raise WorkflowError(f"Scenario: {', '.join(unknown)} cannot be set; editable: {', '.join(SCENARIO_FIELDS)}.")
    if not creating and "key" in fields and fields["key"] != stored.key:
        raise WorkflowError(f"Scenario {stored.key}: its key cannot be renamed.")
    for name, value in fields.items():
        setattr(stored, name, value)
    subject = f"Scenario {stored.key or '(new)'}"
    try:
        stored.full_clean(exclude={"review_status", "version"}, validate_unique=True)
    except ValidationError as error:
        raise refusal(error, subject=subject, model=Scenario) from None
    if not creating and stored.review_content() == before and set(fields) <= set(SCENARIO_CONTENT) | {"key"}:
        return stored
    if can_proceed(stored.return_to_draft):
        stored.return_to_draft()
    stored.changed_by = user
    with quiet_history(stored):
        stored.save()
    if user is not None:
        stored.contributors.add(user)
    record_history([stored], user=user, reason="Added" if creating else "Changed", created=creating)
    return stored
