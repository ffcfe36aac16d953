"""Derive again what the camp keeps from its reports (blockers, Q&A, the
search index, similarity flags), for reports written before these existed or
past the receivers. The importer does the same for what it writes."""

import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from camp.models import Cohort
from reports.blockers.entries import sync_reports as sync_blockers
from reports.models import Report
from reports.qa.entries import sync_reports as sync_questions
from reports.search.indexing import rebuild
from reports.similarity.checking import check_reports

BATCH = 500


class Command(BaseCommand):
    help = (
        "Derive blockers and Q&A entries from every report again, rebuild the search "
        "index and check similarity. Safe to rerun: what a TA curated is kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cohort", help="only this cohort's reports (slug)")
        parser.add_argument(
            "--without-similarity", action="store_true", help="skip the similarity check"
        )
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, cohort: str | None, without_similarity: bool, as_json: bool, **options):
        reports = Report.objects.all()
        if cohort:
            found = Cohort.objects.filter(slug=cohort).first()
            if found is None:
                raise CommandError(f"No cohort {cohort!r}.")
            reports = reports.filter(period__cohort=found)
        ids = list(reports.order_by("pk").values_list("pk", flat=True))
        started = time.monotonic()
        documents = 0
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            with transaction.atomic():
                sync_blockers(chunk)
                sync_questions(chunk)
                documents += rebuild(chunk)
        if not without_similarity:
            with transaction.atomic():
                check_reports(ids)
        result = {
            "reports": len(ids),
            "documents": documents,
            "similarity": not without_similarity,
            "seconds": round(time.monotonic() - started, 1),
        }
        if as_json:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{result['reports']} reports: {documents} search documents written"
                + ("" if without_similarity else ", similarity checked")
                + f" in {result['seconds']} s."
            )
