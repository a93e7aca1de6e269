"""Word diffs as HTML: removed words in ``<del>``, added words in ``<ins>``, every word escaped.

Each mark also says what it is in words for screen readers (and in print without colour),
so a change is never shown by colour alone.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from bme_wizard.pathway.compare import DELETE, INSERT

register = template.Library()

_MARKS = {
    INSERT: ('<ins><span class="visually-hidden">[added: </span>', '<span class="visually-hidden">]</span></ins>'),
    DELETE: ('<del><span class="visually-hidden">[removed: </span>', '<span class="visually-hidden">]</span></del>'),
}


@register.simple_tag
def diff_chunks(chunks) -> SafeString:
    """``{% diff_chunks field.chunks %}``: the text with its changes marked."""
    parts = []
    for chunk in chunks:
        text = escape(chunk.text)
        if chunk.op in _MARKS:
            before, after = _MARKS[chunk.op]
            parts.append(f"{before}{text}{after}")
        else:
            parts.append(text)
    return mark_safe("".join(parts))  # noqa: S308 - every chunk escaped above
