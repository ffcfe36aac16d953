import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from camp.logging import logs_to_stderr
from camp.models import Cohort
from reports.reminders.delivery import deliver
from reports.reminders.recording import PassResult, note_outcome, run_pass


class Command(BaseCommand):
    help = (
        "Run one reminder pass: work out who is due a reminder now and send it "
        "(email, chat, GitHub). Safe to rerun: nothing is ever sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cohort", metavar="SLUG", help="Only this cohort.")
        parser.add_argument(
            "--now",
            metavar="ISO8601",
            help="Pretend the current time is this instant (with offset, e.g. 2025-03-16T10:00+08:00).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; send nothing."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        if options["json"]:
            logs_to_stderr()  # stdout carries the JSON alone
        instant = self._parse_now(options["now"])
        cohort = options["cohort"]
        dry_run = options["dry_run"]
        cohorts = Cohort.objects.order_by("slug")
        if cohort:
            cohorts = cohorts.filter(slug=cohort)
            if not cohorts.exists():
                raise CommandError(f"No cohort with slug {cohort!r}.")
        results = []
        for c in cohorts:
            result = run_pass(c, instant, dry_run=dry_run)
            if not dry_run:
                note_outcome(result, deliver(result.owed))
            results.append(result)
        rows = [row for result in results for row in _rows(result)]
        if options["json"]:
            payload = {"now": instant.isoformat(), "notifications": rows}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        for row in rows:
            about = ", ".join(row["about"])
            self.stdout.write(
                f"{row['status']:<13} {row['kind']:<18} {row['channel']:<7} "
                f"{row['cohort']} #{row['period']} → {row['recipient']} [{about}]"
            )
        self.stdout.write(f"{len(rows)} notification(s) at {instant.isoformat()}.")

    def _parse_now(self, value: str | None) -> datetime.datetime:
        if not value:
            return timezone.now()
        try:
            instant = parse_datetime(value)
        except ValueError:
            instant = None
        if instant is None:
            raise CommandError(f"--now: not an ISO 8601 date and time: {value!r}")
        if timezone.is_naive(instant):
            raise CommandError(f"--now needs a UTC offset (e.g. +08:00 or Z): {value!r}")
        return instant


def _rows(result: PassResult) -> list[dict]:
    people = result.snapshot.people
    return [
        {
            "recipient": people[item.recipient_id].login,
            "kind": item.kind,
            "channel": item.channel,
            "cohort": result.cohort.slug,
            "period": item.period_number,
            "about": list(item.about),
            "status": result.status_of(item),
        }
        for item in result.items
    ]
