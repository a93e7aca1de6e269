"""Delete saved assessments older than the retention period (their permalinks then answer 404)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bme_wizard.clinic.services import assessment_prune


class Command(BaseCommand):
    help = (
        "Delete saved assessments older than --older-than-days (default: ASSESSMENT_RETENTION_DAYS). "
        "Their summary links stop working."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days", type=int, default=None, help="Age in days (default: ASSESSMENT_RETENTION_DAYS)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, older_than_days: int | None, dry_run: bool, **options):
        days = older_than_days if older_than_days is not None else settings.ASSESSMENT_RETENTION_DAYS
        if days is None:
            raise CommandError("Give --older-than-days N or set ASSESSMENT_RETENTION_DAYS; nothing was deleted.")
        if days < 1:
            raise CommandError(f"--older-than-days must be at least 1, not {days}; nothing was deleted.")
        count, cutoff = assessment_prune(older_than_days=days, dry_run=dry_run)
        noun = "assessment" if count == 1 else "assessments"
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {count} {noun} saved before {cutoff:%Y-%m-%d %H:%M} UTC ({days} days).")
