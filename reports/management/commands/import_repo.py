import json
import sys

from django.core.management.base import BaseCommand, CommandError

from camp.logging import logs_to_stderr
from reports.importer.importing import (
    DEFAULT_PATTERN,
    ImportResult,
    RepositoryImportError,
    import_repository,
)

COUNTED = ["cohorts", "periods", "users", "memberships", "reports", "revisions", "reviews"]


class Command(BaseCommand):
    help = (
        "Import a camp's history from its git repository (a working tree, a bare "
        "repository, a bundle file or a URL git can clone): cohorts and students from "
        "the folders, periods from the claimed date ranges, reports, revisions and "
        "mentor reviews from the files, submission times from git history. One "
        "transaction; safe to rerun."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", help="repository path, bundle file or clone URL")
        parser.add_argument(
            "--pattern",
            default=DEFAULT_PATTERN,
            help="regex over each file path at HEAD, with named groups cohort and student "
            "(default: %(default)s)",
        )
        parser.add_argument("--dry-run", action="store_true", help="write nothing")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the import as JSON"
        )

    def handle(self, *args, source: str, pattern: str, dry_run: bool, as_json: bool, **options):
        if as_json:
            logs_to_stderr()  # stdout carries the JSON alone
        progress = None if as_json or not sys.stderr.isatty() else _progress_bar
        try:
            result = import_repository(source, pattern=pattern, dry_run=dry_run, progress=progress)
        except RepositoryImportError as exc:
            raise CommandError(f"Nothing was imported: {exc}") from exc
        if as_json:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(_summary(result))


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _summary(result: ImportResult) -> str:
    lines = [
        f"{result.source} at {result.commit[:12]}: {len(result.reports)} report files in "
        f"{len(result.cohorts)} cohorts, {len(result.skipped)} files skipped, "
        f"{len(result.anomalies)} anomalies."
    ]
    created = ", ".join(
        f"{result.created[what]} {what}" for what in COUNTED if result.created[what]
    )
    updated = result.updated["reports"]
    if not result.changed:
        lines.append("Nothing changed: everything in the repository was already imported.")
    elif result.dry_run:
        lines.append(f"Dry run, nothing was written. It would create {created or 'nothing'}.")
    else:
        lines.append(f"Created {created or 'nothing new'}.")
    if updated:
        lines.append(f"{'Would update' if result.dry_run else 'Updated'} {updated} reports.")
    for cohort in result.cohorts:
        lines.append(
            f"  {cohort['slug']}: {cohort['students']} students, {cohort['reports']} reports, "
            f"{len(cohort['periods'])} periods"
        )
    if result.skipped:
        lines.append("Skipped:")
        lines.extend(f"  {item['path']}: {item['reason']}" for item in result.skipped)
    if result.anomalies:
        lines.append("Anomalies:")
        lines.extend(f"  {item['path']}: {item['problem']}" for item in result.anomalies)
    return "\n".join(lines)
