import json

from django.core.management.base import BaseCommand, CommandError

from camp.models import Cohort
from reports.github.client import GitHubError
from reports.github.evidence import Method, collect_evidence


class Command(BaseCommand):
    help = (
        "Collect the students' GitHub work (pull requests opened and merged, reviews, "
        "issues) in the cohort's tracked repositories, and check the references in their "
        "reports. Each repository is listed once for everyone or searched per student, "
        "whichever costs less of GitHub's rate limits (this command waits for the search "
        "limit); final periods are kept, not fetched again. A repository GitHub refuses is "
        "reported and recorded for the TA, and the rest is collected."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cohort", metavar="SLUG", required=True)
        parser.add_argument("--period", metavar="N", type=int, help="only this period")
        parser.add_argument(
            "--method",
            choices=[method.value for method in Method],
            default=Method.AUTO.value,
            help="how to read the repositories: the cheaper way (auto, the default), "
            "GraphQL listings, or searches",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(
        self,
        *args,
        cohort: str,
        period: int | None = None,
        method: str = Method.AUTO.value,
        json: bool = False,
        **options,
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
            result = collect_evidence(found, periods=periods, wait=True, method=Method(method))
        except GitHubError as exc:
            raise CommandError(f"{cohort}: {exc}") from exc
        outcome = result.as_dict()
        for problem in outcome["problems"]:
            where = f"project {problem['project']}" if problem["project"] else "the cohort"
            self.stderr.write(
                f"{problem['repository']} (tracked by {where}) was not read: {problem['message']}"
            )
        if json:
            self.stdout.write(json_dumps(outcome))
            return
        self.stdout.write(
            "{cohort}: {fetched} fetched, {kept} kept; {search_requests} search requests, "
            "{graphql_requests} GraphQL requests ({graphql_points} points), "
            "{rest_requests} other requests, {waits} waits for a rate limit".format(**outcome)
        )
        for repository, how in outcome["methods"].items():
            self.stdout.write(f"  {repository}: {how}")
        for row in outcome["students"]:
            self.stdout.write(
                "  {login} #{period}: {prs_opened} PRs opened, {prs_merged} merged, "
                "{reviews_given} reviewed, {issues_opened} issues".format(**row)
            )
        for row in outcome["skipped"]:
            self.stdout.write(
                "  {login} #{period}: not collected, no tracked repository could be read".format(
                    **row
                )
            )


def json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
