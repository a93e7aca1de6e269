"""What clinicians touch: the wizard, the pathway summary, saved assessments and the JSON API."""
