from django import template

from bme_wizard.content.models import Certainty, ReferenceKind, ReviewStatus, Strength

register = template.Library()

_LABELS = {
    "strength": dict(Strength.choices),
    "certainty": dict(Certainty.choices),
    "review_status": dict(ReviewStatus.choices),
    "reference_kind": dict(ReferenceKind.choices),
}


@register.filter
def label(value: str, kind: str) -> str:
    """The display label of a stored choice, e.g. ``{{ entry.certainty|label:"certainty" }}``."""
    return _LABELS[kind].get(value, value)
