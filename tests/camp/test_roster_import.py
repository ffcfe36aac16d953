"""import_roster: a good file, an idempotent rerun, an edit, and every kind of
bad file rejected whole with nothing written."""

import json
import re
import textwrap
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from camp.models import Cohort, Membership, Mentorship, Project, Role, User
from reports.models import Period, Report
from tests.factories import ReportFactory, UserFactory

ROSTER = textwrap.dedent(
    """\
    cohort:
      slug: camp-6th
      name: 护航计划集训营（第六期）
      timezone: Asia/Shanghai
      starts_on: 2024-02-25
      ends_on: 2024-06-30
      period_days: 14
      due_days_after_end: 1
      github_repo: PFCCLab/Camp
      github_reports_path: WeeklyReports/Hackathon_6th/
    tas:
      - github: example-ta
        name: 示例助教
        email: ta@example.org
    projects:
      - title: 项目一：PIR 算子补全与兼容机制建设
        students:
          - github: example-student
            name: 示例学员
            email: s@example.org
            mentors: [example-mentor]
          - github: Second-Student
            mentors: [example-mentor, other-mentor]
      - title: 项目二：文档
        students:
          - third-student
    mentors:
      - github: example-mentor
        email: m@example.org
      - other-mentor
    """
)


def write(tmp_path, text, name="roster.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_roster", str(path), *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "users": sorted(
            User.objects.values_list("github_login", "display_name", "email", "is_staff")
        ),
        "cohorts": sorted(Cohort.objects.values_list("slug", "name", "starts_on", "ends_on")),
        "projects": sorted(Project.objects.values_list("title", "description")),
        "memberships": sorted(
            Membership.objects.values_list("user__github_login", "role", "project__title")
        ),
        "mentorships": sorted(
            Mentorship.objects.values_list("student__github_login", "mentor__github_login")
        ),
        "periods": Period.objects.count(),
    }


@pytest.mark.django_db
class TestGoodFile:
    def test_creates_cohort_people_projects_assignments_and_periods(self, tmp_path):
        output = run(write(tmp_path, ROSTER))
        assert "camp-6th" in output
        cohort = Cohort.objects.get(slug="camp-6th")
        assert cohort.name == "护航计划集训营（第六期）"
        assert cohort.github_repo == "PFCCLab/Camp"
        assert cohort.periods.count() == 10  # 2024-02-25 .. 2024-06-30 in fortnights
        student = User.objects.get(github_login="example-student")
        assert (student.display_name, student.email, student.is_staff) == (
            "示例学员",
            "s@example.org",
            False,
        )
        assert not student.has_usable_password()
        assert Membership.objects.get(user=student, cohort=cohort).project.title.startswith(
            "项目一"
        )
        mentors = set(
            Mentorship.objects.filter(student__github_login="Second-Student").values_list(
                "mentor__github_login", flat=True
            )
        )
        assert mentors == {"example-mentor", "other-mentor"}
        mentor = User.objects.get(github_login="example-mentor")
        assert mentor.email == "m@example.org"
        assert mentor.is_staff and mentor.groups.filter(name="Mentors").exists()
        ta = User.objects.get(github_login="example-ta")
        assert ta.is_staff and ta.groups.filter(name="TAs").exists()
        assert Membership.objects.filter(cohort=cohort, role=Role.STUDENT).count() == 3

    def test_rerun_changes_nothing(self, tmp_path):
        path = write(tmp_path, ROSTER)
        run(path)
        before = snapshot()
        output = run(path, "--json")
        assert json.loads(output)["changed"] is False
        assert snapshot() == before

    def test_json_roster_is_accepted(self, tmp_path):
        import yaml

        path = write(
            tmp_path,
            json.dumps(yaml.safe_load(ROSTER), default=str, ensure_ascii=False),
            "roster.json",
        )
        run(path)
        assert Cohort.objects.filter(slug="camp-6th").exists()

    def test_existing_user_is_matched_case_insensitively(self, tmp_path):
        existing = UserFactory(username="someone", github_login="EXAMPLE-Student")
        run(write(tmp_path, ROSTER))
        assert User.objects.filter(github_login__iexact="example-student").count() == 1
        assert Membership.objects.filter(user=existing, role=Role.STUDENT).exists()

    def test_edited_file_updates_people_projects_and_assignments_but_not_reports(self, tmp_path):
        run(write(tmp_path, ROSTER))
        period = Period.objects.get(cohort__slug="camp-6th", number=1)
        third = User.objects.get(github_login="third-student")
        report = ReportFactory(student=third, period=period)
        edited = (
            ROSTER.replace("name: 示例学员", "name: 改名学员")
            .replace("mentors: [example-mentor, other-mentor]", "mentors: [other-mentor]")
            .replace("项目二：文档", "项目二：文档与示例")
            .replace(
                "  - github: example-ta\n    name: 示例助教\n    email: ta@example.org\n",
                "  - new-ta\n",
            )
        )
        before = snapshot()
        with pytest.raises(CommandError, match=r"example-ta \(ta\) is not in the file"):
            run(write(tmp_path, edited))
        assert snapshot() == before, "removing a membership needs --remove-missing"
        result = json.loads(run(write(tmp_path, edited), "--json", "--remove-missing"))
        assert result["changed"] is True
        assert User.objects.get(github_login="example-student").display_name == "改名学员"
        assert set(
            Mentorship.objects.filter(student__github_login="Second-Student").values_list(
                "mentor__github_login", flat=True
            )
        ) == {"other-mentor"}
        assert Membership.objects.get(user=third).project.title == "项目二：文档与示例"
        assert not Project.objects.filter(title="项目二：文档").exists()
        old_ta = User.objects.get(github_login="example-ta")
        assert not old_ta.is_staff and not Membership.objects.filter(user=old_ta).exists()
        assert User.objects.get(github_login="new-ta").is_staff
        report.refresh_from_db()
        assert Report.objects.filter(pk=report.pk, student=third, period=period).exists()


BAD_FILES = {
    "bad yaml": ("cohort: [unclosed\n", "not valid YAML"),
    "not a mapping": ("- just\n- a list\n", "expected a mapping"),
    "unknown key": (
        ROSTER.replace("  period_days: 14\n", "  period_dayz: 14\n"),
        "unknown key 'period_dayz'",
    ),
    "unknown top key": (ROSTER + "extra: 1\n", "unknown key 'extra'"),
    "missing slug": (ROSTER.replace("  slug: camp-6th\n", ""), "cohort.slug: required"),
    "missing name": (
        ROSTER.replace("  name: 护航计划集训营（第六期）\n", ""),
        "cohort.name: required",
    ),
    "bad slug": (ROSTER.replace("slug: camp-6th", "slug: Camp 6th"), "cohort.slug"),
    "bad date": (
        ROSTER.replace("starts_on: 2024-02-25", "starts_on: 2024-02-31"),
        "cohort.starts_on",
    ),
    "end before start": (
        ROSTER.replace("ends_on: 2024-06-30", "ends_on: 2024-01-01"),
        "cohort.ends_on: is before",
    ),
    "bad timezone": (
        ROSTER.replace("timezone: Asia/Shanghai", "timezone: Mars/Olympus"),
        "unknown time zone",
    ),
    "bad period days": (ROSTER.replace("period_days: 14", "period_days: 0"), "cohort.period_days"),
    "bad login": (
        ROSTER.replace("github: example-student", "github: bad_login!"),
        "projects[0].students[0].github",
    ),
    "bad mentor login": (
        ROSTER.replace("[example-mentor]", "[-bad-]"),
        "projects[0].students[0].mentors[0]",
    ),
    "student twice": (ROSTER.replace("- third-student", "- example-student"), "listed twice"),
    "mentors self": (
        ROSTER.replace("mentors: [example-mentor]\n", "mentors: [example-student]\n"),
        "mentor themselves",
    ),
    "missing title": (
        ROSTER.replace("  - title: 项目二：文档\n", "  - description: x\n"),
        "projects[1].title: required",
    ),
    "bad email": (ROSTER.replace("email: s@example.org", "email: nope"), "not an email"),
    "absurd calendar": (
        ROSTER.replace("period_days: 14", "period_days: 1").replace(
            "ends_on: 2024-06-30", "ends_on: 2099-01-01"
        ),
        "at most 200",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_is_rejected_whole_and_names_the_place(tmp_path, case):
    text, expected = BAD_FILES[case]
    before = snapshot()
    with pytest.raises(CommandError) as error:
        run(write(tmp_path, text))
    assert expected in str(error.value)
    assert "nothing was written" in str(error.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_bad_edit_of_an_existing_cohort_changes_nothing(tmp_path):
    run(write(tmp_path, ROSTER))
    before = snapshot()
    with pytest.raises(CommandError):
        run(
            write(
                tmp_path,
                ROSTER.replace("name: 示例学员", "name: 新名字").replace(
                    "- third-student", "- x__y"
                ),
            )
        )
    assert snapshot() == before


@pytest.mark.django_db
def test_missing_file_and_non_utf8_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "nope.yaml")
    path = tmp_path / "gbk.yaml"
    path.write_bytes("cohort: {name: 集训营}".encode("gb18030"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run(path)


def test_process_exits_non_zero_on_a_bad_file(tmp_path):
    import os
    import subprocess
    import sys

    path = write(tmp_path, "cohort: {slug: x}\n")
    env = {**os.environ, "DEBUG": "1"}
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_roster", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode != 0
    assert "cohort.name: required" in proc.stderr


def test_repositories_of_cohort_and_projects(tmp_path, db):
    text = ROSTER.replace(
        "  github_reports_path: WeeklyReports/Hackathon_6th/\n",
        "  github_reports_path: WeeklyReports/Hackathon_6th/\n"
        "  repositories: [PaddlePaddle/Paddle, PaddlePaddle/Paddle]\n",
    ).replace(
        "  - title: 项目二：文档\n",
        "  - title: 项目二：文档\n    repositories: [PaddlePaddle/docs]\n",
    )
    run(write(tmp_path, text))
    cohort = Cohort.objects.get(slug="camp-6th")
    assert cohort.repositories == ["PaddlePaddle/Paddle"]
    docs = Project.objects.get(title="项目二：文档")
    assert docs.repositories == ["PaddlePaddle/docs"]
    assert docs.tracked_repositories == ["PaddlePaddle/docs", "PaddlePaddle/Paddle"]

    run(write(tmp_path, text.replace("[PaddlePaddle/docs]", "[PaddlePaddle/docs, a/b]")))
    docs.refresh_from_db()
    assert docs.repositories == ["PaddlePaddle/docs", "a/b"]


@pytest.mark.parametrize(
    ("value", "where"),
    [("PaddlePaddle", "cohort.repositories"), ("[not a repo]", "cohort.repositories[0]")],
)
def test_bad_repositories_are_rejected(tmp_path, db, value, where):
    text = ROSTER.replace(
        "  github_reports_path: WeeklyReports/Hackathon_6th/\n",
        f"  github_reports_path: WeeklyReports/Hackathon_6th/\n  repositories: {value}\n",
    )
    with pytest.raises(CommandError, match=re.escape(where)):
        run(write(tmp_path, text))
    assert not Cohort.objects.exists()


# --- undeclared mentors, conflicting roles, calendars, shared identities ---


@pytest.mark.django_db
def test_an_undeclared_mentor_is_refused_and_creates_no_account(tmp_path):
    typo = ROSTER.replace("mentors: [example-mentor]\n", "mentors: [nobody-mentor]\n")
    with pytest.raises(CommandError) as refused:
        run(write(tmp_path, typo))
    assert "projects[0].students[0].mentors[0]: 'nobody-mentor' is not declared" in str(
        refused.value
    )
    assert not User.objects.exists() and not Cohort.objects.exists()


@pytest.mark.django_db
def test_a_mentor_already_in_the_cohort_need_not_be_declared_again(tmp_path):
    run(write(tmp_path, ROSTER))
    again = ROSTER.replace("  - other-mentor\n", "")
    run(write(tmp_path, again))
    assert Mentorship.objects.filter(mentor__github_login="other-mentor").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        ROSTER.replace("  - github: example-ta\n", "  - github: third-student\n"),
        ROSTER.replace("  - other-mentor\n", "  - other-mentor\n  - third-student\n"),
        ROSTER.replace("mentors: [example-mentor]\n", "mentors: [Second-Student]\n"),
    ],
    ids=["student-and-ta", "student-and-mentor", "student-mentors-a-peer"],
)
def test_one_person_as_student_and_staff_of_the_cohort_is_refused(tmp_path, text):
    with pytest.raises(CommandError, match="cannot also be its mentor or TA"):
        run(write(tmp_path, text))
    assert not User.objects.exists()


def _calendar_of(slug="camp-6th"):
    return list(
        Period.objects.filter(cohort__slug=slug)
        .order_by("number")
        .values_list("number", "starts_on", "ends_on", "due_at")
    )


@pytest.mark.django_db
def test_a_new_calendar_that_would_move_periods_with_reports_is_refused(tmp_path):
    run(write(tmp_path, ROSTER))
    student = User.objects.get(github_login="third-student")
    ReportFactory(student=student, period=Period.objects.get(cohort__slug="camp-6th", number=5))
    before, calendar = snapshot(), _calendar_of()
    moved = ROSTER.replace("starts_on: 2024-02-25", "starts_on: 2024-03-03").replace(
        "  ends_on: 2024-06-30\n", ""
    )
    with pytest.raises(CommandError, match=r"period 5 \(2024-04-21..2024-05-04\) has reports"):
        run(write(tmp_path, moved))
    assert (snapshot(), _calendar_of()) == (before, calendar)
    assert Cohort.objects.get().ends_on is not None


@pytest.mark.django_db
def test_a_new_calendar_moves_unused_periods_and_never_overlaps(tmp_path):
    run(write(tmp_path, ROSTER))
    weekly = ROSTER.replace("period_days: 14", "period_days: 7")
    out = run(write(tmp_path, weekly), "--dry-run")
    assert "nothing was written" in out and "would move period 1" in out
    assert len(_calendar_of()) == 10
    run(write(tmp_path, weekly))
    periods = _calendar_of()
    assert len(periods) == 19 and [p[0] for p in periods] == list(range(1, 20))
    for (_, _, end, _), (_, start, _, _) in zip(periods, periods[1:], strict=False):
        assert end < start, "periods never overlap"
    assert Cohort.objects.get().ends_on.isoformat() == "2024-06-30"


@pytest.mark.django_db
def test_an_unchanged_calendar_without_ends_on_keeps_the_stored_end(tmp_path):
    run(write(tmp_path, ROSTER))
    run(write(tmp_path, ROSTER.replace("  ends_on: 2024-06-30\n", "")))
    assert Cohort.objects.get().ends_on.isoformat() == "2024-06-30"
    assert len(_calendar_of()) == 10


@pytest.mark.django_db
def test_dry_run_lists_people_memberships_to_remove_and_periods(tmp_path):
    run(write(tmp_path, ROSTER))
    before = snapshot()
    edited = ROSTER.replace("    students:\n      - third-student\n", "").replace(
        "name: 示例学员", "name: 改名学员"
    )
    edited = edited.replace(
        "  - title: 项目二：文档\n", "  - title: 项目二：文档\n    students: []\n"
    )
    out = run(write(tmp_path, edited), "--dry-run", "--remove-missing")
    assert "would remove membership third-student (student)" in out
    assert "would update user example-student: display_name" in out
    assert snapshot() == before
    data = json.loads(run(write(tmp_path, edited), "--dry-run", "--remove-missing", "--json"))
    assert data["dry_run"] is True and data["removed"] == {"memberships": 1}


@pytest.mark.django_db
def test_one_cohorts_roster_does_not_rewrite_a_shared_person(tmp_path):
    run(write(tmp_path, ROSTER))
    other = ROSTER.replace("slug: camp-6th", "slug: camp-c").replace(
        "github: example-mentor\n    email: m@example.org",
        "github: example-mentor\n    email: evil@example.org",
    )
    err = StringIO()
    call_command(
        "import_roster", str(write(tmp_path, other, "c.yaml")), stdout=StringIO(), stderr=err
    )
    mentor = User.objects.get(github_login="example-mentor")
    assert mentor.email == "m@example.org"
    assert "example-mentor: email kept as 'm@example.org'" in err.getvalue()

    call_command(
        "import_roster",
        str(write(tmp_path, other, "c.yaml")),
        "--overwrite-shared-identities",
        stdout=StringIO(),
    )
    mentor.refresh_from_db()
    assert mentor.email == "evil@example.org"


@pytest.mark.django_db
def test_a_person_of_this_cohort_only_is_updated_as_before(tmp_path):
    run(write(tmp_path, ROSTER))
    run(write(tmp_path, ROSTER.replace("email: m@example.org", "email: new@example.org")))
    assert User.objects.get(github_login="example-mentor").email == "new@example.org"


@pytest.mark.django_db
def test_a_superusers_identity_is_never_rewritten_by_a_roster(tmp_path):
    UserFactory(
        username="boss", github_login="example-ta", email="boss@example.org", is_superuser=True
    )
    run(write(tmp_path, ROSTER))
    assert User.objects.get(github_login="example-ta").email == "boss@example.org"


@pytest.mark.django_db
def test_github_write_back_is_a_cohort_key(tmp_path):
    run(write(tmp_path, ROSTER))
    assert Cohort.objects.get(slug="camp-6th").github_write_back is False
    on = ROSTER.replace("  period_days: 14\n", "  period_days: 14\n  github_write_back: true\n")
    run(write(tmp_path, on))
    assert Cohort.objects.get(slug="camp-6th").github_write_back is True
    before = snapshot()
    bad = on.replace("github_write_back: true", "github_write_back: yes please")
    with pytest.raises(CommandError, match="cohort.github_write_back"):
        run(write(tmp_path, bad))
    assert snapshot() == before
