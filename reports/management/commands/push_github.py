import json

from django.core.management.base import BaseCommand, CommandError

from camp.logging import logs_to_stderr
from camp.models import Cohort
from reports.github.client import RateLimited
from reports.github.writeback import push_writes


class Command(BaseCommand):
    help = (
        "Perform every pending GitHub write of a cohort (reviews written back, web reports "
        "published; see reports.github.writeback) and print what was done. Safe to rerun: "
        "nothing is posted twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cohort", metavar="SLUG", required=True, help="cohort slug")
        parser.add_argument(
            "--json", action="store_true", help="print a list of {kind, state, url, ...}"
        )

    def handle(self, *args, cohort: str, json: bool, **options) -> None:
        if json:
            logs_to_stderr()  # stdout carries the JSON alone
        found = Cohort.objects.filter(slug=cohort).first()
        if found is None:
            raise CommandError(f"No cohort with slug {cohort!r}.")
        if not found.github_write_back or not found.github_repo:
            raise CommandError(
                f"Cohort {cohort!r} does not write back to GitHub (github_write_back is off "
                "or it has no repository)."
            )
        try:
            outcomes = push_writes(found)
        except RateLimited as exc:
            raise CommandError(
                f"GitHub rate limit: retry after {exc.retry_at:%Y-%m-%d %H:%M:%S %Z}; the "
                "remaining writes wait."
            ) from exc
        if json:
            self.stdout.write(dumps([outcome.as_dict() for outcome in outcomes]))
            return
        if not outcomes:
            self.stdout.write("nothing to write")
        for outcome in outcomes:
            line = f"{outcome.action}: {outcome.kind} {outcome.key} {outcome.url}".rstrip()
            self.stdout.write(line + (f" ({outcome.error})" if outcome.error else ""))


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
