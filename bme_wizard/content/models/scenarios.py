"""Content scenarios: named patients with what their plan must and must not show.

Scenarios belong to the guideline, not to one edition: items keep their ``key`` from
edition to edition, so the same scenario checks every edition. They are reviewed like
content: a new or changed scenario (switching it off included) gates publication only
once a reviewer other than those who changed it approves it; until then the version last
approved (``approved_content``) is the one that counts. A published edition keeps the
approved scenarios it passed (``Edition.publication_scenarios``), so a later change to a
scenario never makes a published edition "fail".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from .guard import DirectWriteError, VersionedModel, check_editable_review_state, direct_write_message
from .history import content_history
from .review import Reviewed

# What a scenario's review covers (its order on the list is presentation only).
SCENARIO_CONTENT = ("title", "description", "answers", "must_show", "must_not_show", "is_active")


def _key_list_errors(value, label: str) -> str | None:
    if not isinstance(value, list) or not all(isinstance(key, str) and key.strip() for key in value):
        return f"{label} must be a list of item keys."
    return None


class ScenarioQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise DirectWriteError(direct_write_message(self.model, "queryset update"), code="direct")

    def delete(self):
        raise DirectWriteError(
            "Scenarios gate publication: switch one off (a reviewed change) instead of deleting it.", code="direct"
        )

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            check_editable_review_state(obj, content_changed=True)
        return super().bulk_create(objs, *args, **kwargs)


class Scenario(VersionedModel, Reviewed):
    """A named patient (answers only) with what the plan must and must not show."""

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="What the case is about and why it matters (plain text).")
    answers = models.JSONField(help_text="The patient's answers, keyed by question.")
    must_show = models.JSONField(
        default=list, blank=True, help_text="Keys of pathways, statements and pitfalls the plan must show."
    )
    must_not_show = models.JSONField(
        default=list, blank=True, help_text="Keys of pathways, statements and pitfalls the plan must not show."
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive scenarios are not run and do not gate publishing."
    )
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScenarioQuerySet.as_manager()
    history = content_history(excluded_fields=["approved_content"])

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.title

    def review_content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SCENARIO_CONTENT}

    @property
    def approved_spec(self) -> dict[str, Any] | None:
        """The scenario as last approved, which is what gates publication; None if never approved."""
        return self.approved_content

    def clean(self) -> None:
        from bme_wizard.pathway.answers import AnswersError, clean_answers

        super().clean()
        errors: dict[str, str] = {}
        try:
            clean_answers(self.answers, vocabulary=self.answers_vocabulary())
        except AnswersError as error:
            errors["answers"] = str(error)
        for name, label in (("must_show", "Must show"), ("must_not_show", "Must not show")):
            problem = _key_list_errors(getattr(self, name), label)
            if problem:
                errors[name] = problem
        if not {"must_show", "must_not_show"} & set(errors):
            both = set(self.must_show) & set(self.must_not_show)
            if both:
                errors["must_not_show"] = f"Both must and must not show: {', '.join(sorted(both))}."
            else:
                errors.update(self.unknown_keys(self.keys_checked_against()))
        if errors:
            raise ValidationError(errors)

    # The keys of the content the scenario is checked against: by default every edition's items;
    # the edition loader sets the file's own (``known_keys``).
    known_keys: set[str] | None = None
    # The questions its answers answer: by default the newest edition's (the one being prepared);
    # the edition loader sets the file's own.
    vocabulary = None

    def answers_vocabulary(self):
        if self.vocabulary is not None:
            return self.vocabulary
        from .editions import Edition
        from .items import edition_vocabulary

        return edition_vocabulary(Edition.objects.order_by("-number").values_list("pk", flat=True).first())

    def keys_checked_against(self) -> set[str]:
        if self.known_keys is not None:
            return self.known_keys
        from .items import EditionItem

        return set(EditionItem.objects.exclude(reference__isnull=False).values_list("key", flat=True).distinct())

    def unknown_keys(self, known: set[str]) -> dict[str, str]:
        """Field errors for keys that name no item in ``known`` (the keys of the content checked)."""
        errors = {}
        for name in ("must_show", "must_not_show"):
            unknown = [key for key in getattr(self, name) or () if key not in known]
            if unknown:
                errors[name] = f"No pathway, statement or pitfall has the key {', '.join(unknown)}."
        return errors

    def save(self, *args, **kwargs):
        self.check_approval_record()
        bookkeeping = kwargs.get("update_fields") is not None and set(kwargs["update_fields"]) <= {
            "review_status",
            "updated_at",
            "approved_content",
            "changed_by",
            "version",
        }
        if not bookkeeping:
            self.full_clean(validate_unique=False, validate_constraints=False)
            stored = type(self)._base_manager.filter(pk=self.pk).values(*SCENARIO_CONTENT).first() if self.pk else None
            changed = stored is None or any(stored[name] != getattr(self, name) for name in SCENARIO_CONTENT)
            check_editable_review_state(self, content_changed=changed)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.approved_content is not None:
            raise DirectWriteError(
                f"“{self.title}” has been approved and gates publication: switch it off (a reviewed change) "
                "instead of deleting it.",
                code="direct",
            )
        return super().delete(*args, **kwargs)
