import json

from django.core.management.base import BaseCommand, CommandError

from camp.logging import logs_to_stderr
from camp.models import Cohort
from reports.github.client import GitHubError, RateLimited
from reports.github.poll import run_sync


class Command(BaseCommand):
    help = (
        "Poll GitHub for the cohorts' summary-issue comments and merged report files. "
        "Unchanged URLs cost one conditional request each (answered 304). Safe to rerun."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cohort", metavar="SLUG", help="only this cohort")
        parser.add_argument("--json", action="store_true", help="print what changed as JSON")

    def handle(self, *args, cohort: str | None = None, json: bool = False, **options) -> None:
        if json:
            logs_to_stderr()  # stdout carries the JSON alone
        cohorts = Cohort.objects.exclude(github_repo="").order_by("slug")
        if cohort:
            cohorts = Cohort.objects.filter(slug=cohort)
            found = cohorts.first()
            if found is None:
                raise CommandError(f"No cohort with slug {cohort!r}.")
            if not found.github_repo:
                raise CommandError(f"Cohort {cohort!r} has no GitHub repository set.")
        outcomes, failures = [], []
        for each in cohorts:
            try:
                result = run_sync(each)
            except RateLimited as exc:
                failures.append(
                    f"{each.slug}: rate limited, retry after {exc.retry_at:%Y-%m-%d %H:%M:%S %Z}"
                )
                continue
            except GitHubError as exc:
                failures.append(f"{each.slug}: {exc}")
                continue
            except Exception as exc:  # recorded by run_sync; the other cohorts still sync
                failures.append(f"{each.slug}: {exc.__class__.__name__}: {exc}")
                continue
            if result is None:
                outcomes.append({"cohort": each.slug, "skipped": "another sync is running"})
            else:
                outcomes.append({"cohort": each.slug, **result.as_dict()})
        self._print(outcomes, as_json=json)
        if failures:
            raise CommandError("GitHub sync failed, nothing applied for: " + "; ".join(failures))

    def _print(self, outcomes: list[dict], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json_dumps(outcomes))
            return
        for outcome in outcomes:
            if "skipped" in outcome:
                self.stdout.write(f"{outcome['cohort']}: skipped, {outcome['skipped']}")
                continue
            self.stdout.write(
                "{cohort}: {reports_created} reports created, {revisions_added} revisions, "
                "{reviews_added} reviews, {unmatched_comments} unmatched comments, "
                "{deleted_comments} deleted comments; {requests} requests "
                "({not_modified} not modified, {rate_limit_units} rate-limit units)".format(
                    **outcome
                )
            )
            if outcome.get("repository_moved"):
                self.stdout.write(f"  repository moved: {outcome['repository_moved']}")
            for line in outcome.get("skipped_files", []) + outcome.get("file_problems", []):
                self.stdout.write(f"  {line}")


def json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
