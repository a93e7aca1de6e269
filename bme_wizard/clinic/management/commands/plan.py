"""Print the pathway plan for one patient's answers, read from a JSON file or stdin."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bme_wizard.clinic.plan_json import plan_to_dict
from bme_wizard.clinic.plan_text import plan_to_text
from bme_wizard.clinic.selectors import PlanRequestError, plan_request


class Command(BaseCommand):
    help = (
        "Print the plan for answers in a JSON file (or - for stdin): either the answers object itself "
        'or an API request body {"answers": {...}, "edition": N}.'
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON file with the answers, or - to read stdin.")
        parser.add_argument("--edition", type=int, help="Evaluate this published edition instead of the current one.")
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print the plan as the API's JSON.")

    def handle(self, *args, path: str, edition: int | None, as_json: bool, **options):
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: cannot read ({error}).") from None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:
            raise CommandError(f"body: Malformed JSON ({error}).") from None
        if not (isinstance(data, dict) and "answers" in data):
            data = {"answers": data}
        if edition is not None:
            data["edition"] = edition
        try:
            plan = plan_request(data)
        except PlanRequestError as error:
            lines = [f"{field}: {message}" for field, messages in error.errors.items() for message in messages]
            raise CommandError(
                "The answers cannot be evaluated:\n" + "\n".join(f"  {line}" for line in lines)
            ) from None
        if as_json:
            self.stdout.write(json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(plan_to_text(plan))
