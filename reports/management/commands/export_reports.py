import io

from django.core.management.base import BaseCommand, CommandError

from camp.models import Cohort
from reports.overview.export import export_records, write_csv, write_json


class Command(BaseCommand):
    help = "Write every report of a cohort to stdout, one record per report (CSV or JSON)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("cohort", help="cohort slug")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, cohort: str, format: str, **options) -> None:
        found = Cohort.objects.filter(slug=cohort).first()
        if found is None:
            known = ", ".join(Cohort.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No cohort with slug {cohort!r} (known: {known}).")
        writer = write_csv if format == "csv" else write_json
        buffer = io.StringIO()
        writer(export_records(found), buffer)
        self.stdout.write(buffer.getvalue(), ending="")
