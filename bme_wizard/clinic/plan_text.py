"""A Plan as readable plain text (the ``plan`` command; later the clinical note)."""

from __future__ import annotations

import re
import textwrap

from bme_wizard.content.models import label
from bme_wizard.pathway.plan import Plan, Planned
from bme_wizard.pathway.vocabulary import QUESTIONS, Vocabulary

WIDTH = 88


def answers_to_text(answers, width: int | None = WIDTH, vocabulary: Vocabulary = QUESTIONS) -> list[str]:
    """The coded answers as "question: answer" lines, in the order and words of the edition's questions."""
    lines = []
    for key, question in vocabulary.items():
        if key not in answers:
            continue
        lines += _wrap(f"{question.label.rstrip('?')}: {question.describe_answer(answers[key])}", "  ", width)
    return lines


def _wrap(text: str, indent: str, width: int | None = WIDTH) -> list[str]:
    """Text on lines of ``width`` characters; with width None, one line (the reader's box wraps it)."""
    text = " ".join(text.split())
    if width is None:
        return [indent + text]
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  ")


def _item(item: Planned, text: str, width: int | None) -> list[str]:
    marks = "".join(f"[{n}]" for n in item.citation_numbers)
    lines = _wrap(f"- {text} {marks}", "  ", width)
    if item.tried:
        lines += _wrap(f"Already tried: {item.tried_labels}.", "    ", width)
    return lines + _details(item, width)


def _tried_item(item: Planned, width: int | None) -> list[str]:
    """A statement all of whose treatments were tried: the edition's wording for that, or the
    treatments as tried with the original statement only as what was previously advised."""
    marks = "".join(f"[{n}]" for n in item.citation_numbers)
    tried = f"Already tried: {item.tried_labels}."
    tried_text = getattr(item.entry, "tried_text", "")
    if tried_text:
        lines = _wrap(f"- {tried_text} {marks}", "  ", width) + _wrap(tried, "    ", width)
    else:
        lines = _wrap(f"- {tried} {marks}", "  ", width)
        lines += _wrap(f"Previously advised: “{item.entry.text}”", "    ", width)
    return lines + _details(item, width)


def _details(item: Planned, width: int | None) -> list[str]:
    lines = []
    caution = getattr(item.entry, "caution", "")
    if caution:
        marks = "".join(f"[{n}]" for n in item.caution_numbers)
        lines += _wrap(f"CAUTION: {caution} {marks}", "    ", width)
    if getattr(item.entry, "strength", None):
        lines.append(
            f"    Strength: {label(item.entry.strength, 'strength')}; "
            f"certainty of evidence: {label(item.entry.certainty, 'certainty')}"
        )
    lines += _wrap("Why: " + ("; ".join(item.why) if item.why else "applies to every patient") + ".", "    ", width)
    lines.append(f"    Review status: {item.entry.review_status.replace('_', ' ')}")
    return lines


def plan_to_text(plan: Plan, *, width: int | None = WIDTH) -> str:
    edition = plan.edition
    lines = [f"{edition.label}: {edition.title} ({edition.status})"]
    if edition.last_updated:
        lines.append(f"Content last updated {edition.last_updated}.")
    if plan.pending_review:
        lines += _wrap(
            "CAUTION: some of this content has not yet been approved by the medical advisory board.", "", width
        )
    lines.append("")
    lines.append("Pathways that apply")
    for item in plan.pathways:
        marks = "".join(f"[{n}]" for n in item.citation_numbers)
        lines += _wrap(
            f"- {item.entry.title}: {item.entry.summary} {marks}" if item.entry.summary else f"- {item.entry.title}",
            "  ",
            width,
        )
    if plan.tried:
        lines += ["", "What the pathway offers now"]
        lines += _wrap(
            f"Already tried: {plan.tried_labels}. The plan below is what comes next; the "
            "statements about the treatments already tried follow it, under “Already tried”.",
            "  ",
            width,
        )
    for section in plan.sections:
        lines += ["", section.label]
        for item in section.items:
            lines += _item(item, item.entry.text, width)
    if plan.tried:
        lines += ["", "Already tried"]
        for item in plan.tried:
            lines += _tried_item(item, width)
    if plan.pitfalls:
        lines += ["", "Pitfalls to avoid"]
        for item in plan.pitfalls:
            lines += _item(item, item.entry.text, width)
    if plan.references:
        lines += ["", "References"]
        for reference in plan.references:
            lines += _wrap(f"[{reference.number}] {reference.entry.citation}", "  ", width)
    return "\n".join(lines)


# "<" before a letter, "/", "!" or "?" starts a tag in HTML; nothing else does.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def inert_text(text: str) -> str:
    """Plain text that stays text if pasted into an HTML page: no "<" ever starts a tag ("< b>")."""
    return _TAG_START.sub("< ", text)


def plan_to_note(plan: Plan, *, permalink: str, created) -> str:
    """The plan as a clinical note for an EHR: plain text with the edition and the permalink."""
    header = [
        f"Bone marrow edema pathway, {plan.edition.label} ({plan.edition.title}), assessed {created:%Y-%m-%d}.",
        f"Permalink: {permalink}",
        "",
        "Answers",
        *answers_to_text(plan.answers, width=None, vocabulary=plan.edition.vocabulary),
        "",
    ]
    # Editors' text is Markdown, never HTML; should someone type a tag anyway, the note is pasted into
    # records systems that may treat it as HTML.
    return inert_text("\n".join(header) + plan_to_text(plan, width=None))
