from django import template

from bme_wizard.content.models import label as choice_label

register = template.Library()


@register.filter
def label(value: str, kind: str) -> str:
    """The display label of a stored choice, e.g. ``{{ entry.certainty|label:"certainty" }}`` (models.choices)."""
    return choice_label(value, kind)
