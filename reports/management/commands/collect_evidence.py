import json

from django.core.management.base import BaseCommand, CommandError

from camp.models import Cohort
from reports.github.client import GitHubError
from reports.github.evidence import collect_evidence


class Command(BaseCommand):
    help = (
        "Collect the students' GitHub work (pull requests opened and merged, reviews, "
        "issues) in the cohort's tracked repositories, and check the references in their "
        "reports. Four searches per student and period, paced within GitHub's search "
        "limit (this command waits for it); final periods are kept, not fetched again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cohort", metavar="SLUG", required=True)
        parser.add_argument("--period", metavar="N", type=int, help="only this period")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(
        self, *args, cohort: str, period: int | None = None, json: bool = False, **options
    ) -> None:
        found = Cohort.objects.filter(slug=cohort).first()
        if found is None:
            raise CommandError(f"No cohort with slug {cohort!r}.")
        periods = None
        if period is not None:
            periods = list(found.periods.filter(number=period))
            if not periods:
                raise CommandError(f"Cohort {cohort!r} has no period {period}.")
        try:
            result = collect_evidence(found, periods=periods, wait=True)
        except GitHubError as exc:
            raise CommandError(f"{cohort}: {exc}") from exc
        outcome = result.as_dict()
        if json:
            self.stdout.write(json_dumps(outcome))
            return
        self.stdout.write(
            "{cohort}: {fetched} fetched, {kept} kept; {search_requests} search requests, "
            "{reference_requests} other requests, {waits} waits for the search limit".format(
                **outcome
            )
        )
        for row in outcome["students"]:
            self.stdout.write(
                "  {login} #{period}: {prs_opened} PRs opened, {prs_merged} merged, "
                "{reviews_given} reviewed, {issues_opened} issues".format(**row)
            )


def json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
