"""Saved assessments: one patient's answers and the edition they were evaluated against.

Nothing here identifies a patient: the answers are the vocabulary's coded values only
(no free text), the token is random, and no account or IP address is recorded.
"""

import secrets

from django.db import models

from bme_wizard.content.models import Edition


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits: unguessable


class Assessment(models.Model):
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="assessments")
    answers = models.JSONField(help_text="Coded answers in the question vocabulary; never free text.")
    run = models.CharField(
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The wizard run's random id, so a double submit saves once. Identifies no one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Assessment {self.token[:6]}… ({self.edition.label})"
