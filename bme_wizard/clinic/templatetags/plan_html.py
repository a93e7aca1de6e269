"""One statement of a plan or guideline as HTML, rendered in Python.

A summary of a large edition shows hundreds of statements; as a template include each
cost about 0.5 ms, most of a summary's time (docs/benchmarks.md). This tag produces the
same markup from escaped parts: every value goes through ``html.escape``, and the
statement's own HTML was rendered from Markdown and sanitized when the snapshot was
built. What does not depend on the patient is built once per snapshot entry.
"""

from datetime import date
from functools import lru_cache
from html import escape

from django import template
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe

from bme_wizard.content.models import label
from bme_wizard.pathway.plan import Planned, StatementEntry
from bme_wizard.pathway.vocabulary import Vocabulary

register = template.Library()


@register.filter
def iso_date(value: str) -> str:
    """An ISO 8601 date (as snapshots carry them) as clinicians read it: "4 November 2025"."""
    if not value:
        return ""
    return dateformat.format(date.fromisoformat(value[:10]), "j F Y")


def _citation_links(numbers) -> str:
    if not numbers:
        return ""
    links = "".join(f'<a href="#ref-{n}" aria-label="reference {n}">[{n}]</a>' for n in numbers)  # ints only
    return f'<span class="cites">Sources: {links}</span>'


@register.simple_tag(name="citations")
def citation_links(numbers) -> SafeString:
    """Citation markers linking to the numbered reference list."""
    return mark_safe(_citation_links(numbers))  # noqa: S308 - built from integers only


@lru_cache(maxsize=20_000)
def _fixed_parts(entry: StatementEntry, applies_when: bool, vocabulary: Vocabulary) -> tuple[str, str]:
    """(text and when-it-applies, grading and review) for an entry: the same for every patient.

    Keyed by the frozen entry itself, review status included, and by its edition's questions (whose
    words say when it applies), so a new snapshot never finds an old entry's markup."""
    text = f'<div class="statement-text">{entry.text_html}</div>'  # sanitized when the snapshot was built
    if applies_when and entry.rule.conditions:
        text += f'<p class="applies-when">Applies when {escape(entry.rule.describe(vocabulary))}.</p>'
    meta = []
    if entry.kind == "recommendation":
        meta.append(f"<span>Strength: {escape(label(entry.strength, 'strength'))}</span>")
        meta.append(f"<span>Certainty: {escape(label(entry.certainty, 'certainty'))}</span>")
    status = escape(entry.review_status)
    meta.append(
        f'<span class="review review-{status}">Review: {escape(label(entry.review_status, "review_status"))}</span>'
    )
    return text, " ".join(meta)


@register.simple_tag
def statements(items, applies_when: bool = False) -> SafeString:
    """Every statement of a list, in one call (one template tag per statement costs more than the markup)."""
    return mark_safe("".join(_statement(item, applies_when) for item in items))  # noqa: S308 - escaped in _statement


@register.simple_tag
def tried_statements(items) -> SafeString:
    """The already-tried part of a plan: each statement read as tried, never as an instruction."""
    return mark_safe("".join(_tried_statement(item) for item in items))  # noqa: S308 - escaped in _tried_statement


@lru_cache(maxsize=20_000)
def _tried_text(entry: StatementEntry) -> str:
    """What a tried statement says: the edition's wording for it having been tried, or else the
    original statement, quoted as what was advised before (secondary, never the main instruction)."""
    if entry.tried_html:
        return f'<div class="statement-text tried-text">{entry.tried_html}</div>'  # sanitized in the snapshot
    return (
        '<blockquote class="previously-advised"><p class="previously-advised-label">Previously advised:</p>'
        f"{entry.text_html}</blockquote>"
    )


def _tried_statement(item: Planned) -> str:
    """The ``<li>`` of a statement all of whose treatments were tried: the treatments as tried first,
    then the edition's tried wording (or the statement as previously advised), grading, sources, why."""
    _, meta = _fixed_parts(item.entry, False, item.vocabulary)
    tried = escape(item.tried_labels)
    parts = [
        f'<p class="tried"><strong>Already tried:</strong> {tried}</p>',
        _tried_text(item.entry),
        f'<p class="statement-meta">{meta} {_citation_links(item.citation_numbers)}</p>',
        _caution(item),
        _why(item),
    ]
    return f'<li class="statement statement-tried">{"".join(parts)}</li>'  # every value escaped above


def _caution(item: Planned) -> str:
    """The statement's caution, where the board has its evidence in doubt, with its own sources."""
    html = getattr(item.entry, "caution_html", "")
    if not html:
        return ""
    return (
        '<div class="statement-caution" role="note"><p class="statement-caution-label"><strong>Caution:</strong></p>'
        f"{html}{_citation_links(item.caution_numbers)}</div>"  # sanitized in the snapshot; numbers are ints
    )


def _why(item: Planned) -> str:
    if item.why:
        reasons = "<ul>" + "".join(f"<li>{escape(reason)}</li>" for reason in item.why) + "</ul>"
    else:
        reasons = "<p>It applies to every patient.</p>"
    return f'<details class="why"><summary>Why this applies</summary>{reasons}</details>'


def _statement(item: Planned, applies_when: bool) -> str:
    """The ``<li>`` of one statement: text, grading, review, sources; then, on a guideline, when it
    applies, or on a summary, why it applies to this patient and what was already tried."""
    text, meta = _fixed_parts(item.entry, applies_when, item.vocabulary)
    parts = []
    if item.tried:
        tried = escape(item.tried_labels)
        parts.append(f'<p class="tried"><strong>Already tried:</strong> {tried}</p>')
    parts.append(text)
    parts.append(f'<p class="statement-meta">{meta} {_citation_links(item.citation_numbers)}</p>')
    parts.append(_caution(item))
    if not applies_when:
        parts.append(_why(item))
    return f'<li class="statement">{"".join(parts)}</li>'  # every value escaped above
