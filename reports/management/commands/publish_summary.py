import json

from django.core.management.base import BaseCommand, CommandError

from camp.logging import logs_to_stderr
from camp.models import Cohort
from reports.github.client import GitHubError, RateLimited
from reports.github.publish import CannotPublish, publish_summary


class Command(BaseCommand):
    help = (
        "Write the overview's summary of a period into its GitHub summary issue, creating "
        "the issue when it is missing and the cohort allows it. Writes only when the text "
        "changed; safe to rerun."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("cohort", metavar="COHORT", help="cohort slug")
        parser.add_argument("period", metavar="PERIOD", type=int, help="period number")
        parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")

    def handle(self, *args, cohort: str, period: int, dry_run: bool, json: bool, **options):
        if json:
            logs_to_stderr()  # stdout carries the JSON alone
        found = Cohort.objects.filter(slug=cohort).first()
        if found is None:
            raise CommandError(f"No cohort with slug {cohort!r}.")
        target = found.periods.filter(number=period).first()
        if target is None:
            raise CommandError(f"Cohort {cohort!r} has no period {period}.")
        try:
            result = publish_summary(found, target, dry_run=dry_run)
        except RateLimited as exc:
            raise CommandError(
                f"GitHub rate limit: retry after {exc.retry_at:%Y-%m-%d %H:%M:%S %Z}."
            ) from exc
        except (CannotPublish, GitHubError) as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(dumps(result.as_dict()))
            return
        where = result.issue_url or "a new issue"
        self.stdout.write(f"{result.action}: {where}")
        if dry_run:
            self.stdout.write(result.body)


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
