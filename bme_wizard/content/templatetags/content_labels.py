from django import template

from bme_wizard.content.models import Certainty, ReferenceKind, ReviewStatus, Strength
from bme_wizard.pathway.vocabulary import TREATMENTS

register = template.Library()

_LABELS = {
    "strength": dict(Strength.choices),
    "certainty": dict(Certainty.choices),
    "review_status": dict(ReviewStatus.choices),
    "reference_kind": dict(ReferenceKind.choices),
    "treatment": {choice.value: choice.label for choice in TREATMENTS},
}


@register.filter
def label(value: str, kind: str) -> str:
    """The display label of a stored choice, e.g. ``{{ entry.certainty|label:"certainty" }}``."""
    return _LABELS[kind].get(value, value)
