from django.core.management.base import BaseCommand, CommandError

from reports.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create a demo cohort with projects, students, mentors, a TA, a superuser 'admin' "
        "and a realistic mix of reports around today. Safe to rerun."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--students", type=int, default=12)
        parser.add_argument("--mentors", type=int, default=4)
        parser.add_argument("--periods", type=int, default=8)
        parser.add_argument("--password", default="demo")
        parser.add_argument("--cohort", default="demo", help="slug of the demo cohort")

    def handle(
        self,
        *args,
        students: int,
        mentors: int,
        periods: int,
        password: str,
        cohort: str,
        **options,
    ) -> None:
        if students < 1 or mentors < 0 or periods < 1:
            raise CommandError("--students and --periods must be at least 1, --mentors at least 0.")
        result = seed_demo(
            slug=cohort, students=students, mentors=mentors, periods=periods, password=password
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo cohort '{result.cohort.slug}': {result.users_created} users and "
                f"{result.reports_created} reports created."
            )
        )
        self.stdout.write(
            f"Sign in as admin, ta, mentor1..mentor{mentors} or student1..student{students} "
            f"with the password '{password}'."
        )
