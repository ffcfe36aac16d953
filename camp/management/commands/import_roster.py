import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from camp.invitations import invite_users
from camp.logging import logs_to_stderr
from camp.models import User
from camp.roster import RosterError, apply_roster, load_roster_file


class Command(BaseCommand):
    help = (
        "Create or update a cohort, its projects, students, mentors and TAs from a YAML "
        "(or JSON) roster file. The whole file is checked first; any error rejects it "
        "and nothing is written. Safe to rerun."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="roster file (.yaml, .yml or .json)")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print what changed as JSON"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and print what would change (people, memberships to "
            "remove, periods); write nothing",
        )
        parser.add_argument(
            "--remove-missing",
            action="store_true",
            help="remove the cohort's memberships the file no longer lists (without it, "
            "such a file is refused and names them)",
        )
        parser.add_argument(
            "--overwrite-shared-identities",
            action="store_true",
            help="let the file change the name and email of people who also belong to "
            "other cohorts (for a superuser who knows they changed)",
        )
        parser.add_argument(
            "--invite",
            action="store_true",
            help="email an invitation to everyone in the file who has no password yet "
            "(links point at SITE_URL)",
        )

    def handle(
        self,
        *args,
        file: Path,
        as_json: bool = False,
        invite: bool = False,
        dry_run: bool = False,
        remove_missing: bool = False,
        overwrite_shared_identities: bool = False,
        **options,
    ) -> None:
        if as_json:
            logs_to_stderr()  # stdout carries the JSON alone
        try:
            roster = load_roster_file(file)
            result = apply_roster(
                roster,
                remove_missing=remove_missing,
                overwrite_shared_identities=overwrite_shared_identities,
                dry_run=dry_run,
            )
        except RosterError as exc:
            raise CommandError(
                "The roster was rejected, nothing was written:\n  " + "\n  ".join(exc.errors)
            ) from exc
        if dry_run:
            if as_json:
                self.stdout.write(_dumps(result, dry_run=True))
                return
            self.stdout.write(f"Dry run for cohort {result.cohort}; nothing was written.")
            for line in result.changes or ["nothing would change"]:
                self.stdout.write(f"  would {line}")
            for line in result.kept:
                self.stdout.write(f"  kept: {line}")
            return
        for line in result.kept:
            self.stderr.write(f"Kept: {line}")
        invited = None
        if invite:
            people = User.objects.filter(memberships__cohort__slug=result.cohort).distinct()
            invited = invite_users(list(people), base_url=settings.SITE_URL)
        if as_json:
            self.stdout.write(_dumps(result, invited))
            return
        if invited is not None:
            self.stdout.write(
                f"Invitations: {len(invited.sent)} sent, {len(invited.skipped)} skipped "
                "(already with a password, inactive, or without email)."
            )
        if not result.changed:
            self.stdout.write(f"Cohort {result.cohort}: already up to date, nothing changed.")
            return
        parts = [
            f"{verb} {n} {what}"
            for verb, counts in (
                ("created", result.created),
                ("updated", result.updated),
                ("removed", result.removed),
            )
            for what, n in counts.items()
            if n
        ]
        self.stdout.write(self.style.SUCCESS(f"Cohort {result.cohort}: " + ", ".join(parts) + "."))


def _dumps(result, invited=None, dry_run: bool = False) -> str:
    return json.dumps(
        {
            **({"dry_run": True} if dry_run else {}),
            **(
                {}
                if invited is None
                else {
                    "invited": sorted(str(u) for u in invited.sent),
                    "not_invited": {str(u): why for u, why in invited.skipped},
                }
            ),
            "cohort": result.cohort,
            "changed": result.changed,
            "created": {k: v for k, v in result.created.items() if v},
            "updated": {k: v for k, v in result.updated.items() if v},
            "removed": {k: v for k, v in result.removed.items() if v},
            "changes": result.changes,
            "kept": result.kept,
        },
        ensure_ascii=False,
    )
