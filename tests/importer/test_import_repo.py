"""import_repo: a camp's history from its git repository, on repositories built here."""

from __future__ import annotations

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from camp.models import Cohort, Membership, Role, User
from reports.importer import importing as importer
from reports.importer.importing import student_login
from reports.models import Period, Report, Review, Revision, Source
from reports.periods import infer_periods
from tests.factories import ReportFactory, UserFactory
from tests.gitrepo import GitRepo, report_text

D = datetime.date
CST = datetime.timezone(datetime.timedelta(hours=8))
C = "WeeklyReports/Hackathon_1st"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_repo", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> dict:
    return json.loads(run(*args, "--json"))


def by_path(result: dict) -> dict[str, dict]:
    return {report["path"]: report for report in result["reports"]}


def db_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Cohort, Period, User, Membership, Report, Revision, Review)
    }


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    return GitRepo(tmp_path / "camp")


@pytest.fixture
def camp_repo(repo) -> GitRepo:
    """Two periods of a two-student cohort, plus the usual clutter."""
    repo.commit(
        "2024-02-20T09:00:00+08:00",
        {"WeeklyReports/README.md": "# reports\n", f"{C}/README.md": "# cohort 1\n"},
    )
    repo.commit(
        "2024-03-10T21:00:00+08:00",
        {
            f"{C}/01_ann-dev/[WeeklyReport]2024.02.26~2024.03.10.md": report_text(
                "Ann", review="做得好"
            ),
            f"{C}/01_ann-dev/README.md": "# Ann's folder\n",
        },
    )
    repo.commit(
        "2024-03-11T08:00:00+08:00",
        {f"{C}/02_ben0/[WeeklyReports]2024.2.26~2024.3.10.md": report_text("Ben")},
    )
    repo.commit(
        "2024-03-25T20:00:00+08:00",
        {
            f"{C}/01_ann-dev/[WeeklyReport]2024.03.11~2024.03.24.md": report_text("Ann"),
            f"{C}/02_ben0/[WeeklyReports]_2024_03.11-2024_03.24": report_text("Ben"),
        },
    )
    return repo


# ---------------------------------------------------------------- the whole import


@pytest.mark.django_db
def test_import_creates_cohort_students_periods_reports_and_reviews(camp_repo):
    result = run_json(str(camp_repo.path))

    cohort = Cohort.objects.get(slug="hackathon-1st")
    assert cohort.name == "Hackathon_1st"
    assert cohort.github_reports_path == f"{C}/"
    assert result["cohorts"] == [
        {
            "slug": "hackathon-1st",
            "name": "Hackathon_1st",
            "students": 2,
            "reports": 4,
            "periods": [
                {"number": 1, "starts_on": "2024-02-26", "ends_on": "2024-03-10"},
                {"number": 2, "starts_on": "2024-03-11", "ends_on": "2024-03-24"},
            ],
        }
    ]
    assert (cohort.starts_on, cohort.ends_on, cohort.period_days) == (
        D(2024, 2, 26),
        D(2024, 3, 24),
        14,
    )
    ann, ben = User.objects.get(github_login="ann-dev"), User.objects.get(github_login="ben0")
    assert not ann.has_usable_password()
    assert set(cohort.memberships.values_list("user__github_login", "role")) == {
        ("ann-dev", Role.STUDENT),
        ("ben0", Role.STUDENT),
    }
    report = Report.objects.get(student=ben, period__number=1)
    assert report.status == Report.Status.SUBMITTED and report.source == Source.IMPORT
    assert report.submitted_at == datetime.datetime(2024, 3, 11, 8, 0, tzinfo=CST)
    assert (report.claimed_start, report.claimed_end) == (D(2024, 2, 26), D(2024, 3, 10))
    assert report.body == report_text("Ben")
    review = Review.objects.get()
    assert (review.report.student, review.body, review.source) == (ann, "做得好", Source.IMPORT)
    assert review.mentor is None  # the roster knows no mentor of ann-dev

    entry = by_path(result)[f"{C}/02_ben0/[WeeklyReports]_2024_03.11-2024_03.24"]
    assert entry == {
        "path": f"{C}/02_ben0/[WeeklyReports]_2024_03.11-2024_03.24",
        "cohort": "Hackathon_1st",
        "student": "ben0",
        "claimed_start": "2024-03-11",
        "claimed_end": "2024-03-24",
        "period": 2,
        "submitted_at": "2024-03-25T20:00:00+08:00",
        "review": False,
    }
    assert {item["path"]: item["reason"] for item in result["skipped"]} == {
        "WeeklyReports/README.md": "not in a student folder (does not match the pattern)",
        f"{C}/README.md": "not in a student folder (does not match the pattern)",
        f"{C}/01_ann-dev/README.md": "a README, not a report",
    }
    assert result["anomalies"] == []


@pytest.mark.django_db
def test_a_second_run_changes_nothing_and_says_so(camp_repo):
    run(str(camp_repo.path))
    before = db_counts()
    out = run(str(camp_repo.path))
    assert "Nothing changed" in out
    assert db_counts() == before


@pytest.mark.django_db
def test_a_run_after_new_commits_adds_only_what_is_new(camp_repo):
    run(str(camp_repo.path))
    before = db_counts()
    ann_file = f"{C}/01_ann-dev/[WeeklyReport]2024.03.11~2024.03.24.md"
    camp_repo.commit(
        "2024-03-27T10:00:00+08:00",
        {ann_file: report_text("Ann", this_week="补充了测试", review="辛苦了")},
        message="mentor review",
    )
    out = run(str(camp_repo.path))
    assert "Created 1 revisions, 1 reviews." in out
    assert "Updated 1 reports." in out
    after = db_counts()
    assert after["Revision"] == before["Revision"] + 1
    assert after["Report"] == before["Report"]
    report = Report.objects.get(student__github_login="ann-dev", period__number=2)
    # the submission time stays the first one; the edit is a revision with its own date
    assert report.submitted_at == datetime.datetime(2024, 3, 25, 20, 0, tzinfo=CST)
    assert [r.created_at for r in report.revisions.all()] == [
        datetime.datetime(2024, 3, 25, 20, 0, tzinfo=CST),
        datetime.datetime(2024, 3, 27, 10, 0, tzinfo=CST),
    ]
    assert "补充了测试" in report.body
    assert report.reviews.get().created_at == datetime.datetime(2024, 3, 27, 10, 0, tzinfo=CST)


@pytest.mark.django_db
def test_a_new_period_in_the_repository_extends_the_calendar(camp_repo):
    run(str(camp_repo.path))
    camp_repo.commit(
        "2024-04-08T20:00:00+08:00",
        {
            f"{C}/01_ann-dev/[WeeklyReport]2024.03.25~2024.04.07.md": report_text(
                "Ann", this_week="三"
            ),
            f"{C}/02_ben0/[WeeklyReports]2024.3.25~2024.4.7.md": report_text("Ben", this_week="三"),
            f"{C}/02_ben0/[WeeklyReports]2025.4.8~2025.4.21.md": report_text("Ben", this_week="四"),
        },
    )
    result = run_json(str(camp_repo.path))
    assert result["cohorts"][0]["periods"][-1] == {
        "number": 3,
        "starts_on": "2024-03-25",
        "ends_on": "2024-04-07",
    }
    assert Cohort.objects.get().ends_on == D(2024, 4, 7)
    assert Report.objects.filter(period__number=3).count() == 2
    # a year typed wrong does not open a period a year later
    assert result["anomalies"] == [
        {
            "path": f"{C}/02_ben0/[WeeklyReports]2025.4.8~2025.4.21.md",
            "problem": "no period of Hackathon_1st matches it; the report was not imported",
        }
    ]


@pytest.mark.django_db
def test_import_reports_its_progress(camp_repo):
    seen = []
    importer.import_repository(str(camp_repo.path), progress=lambda *args: seen.append(args))
    assert seen[-1] == (4, 4)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


@pytest.mark.django_db
def test_dry_run_writes_nothing_but_reports_the_same(camp_repo):
    before = db_counts()
    dry = run_json(str(camp_repo.path), "--dry-run")
    assert db_counts() == before
    assert "Dry run, nothing was written" in run(str(camp_repo.path), "--dry-run")
    assert run_json(str(camp_repo.path)) == dry


@pytest.mark.django_db
def test_human_summary(camp_repo):
    out = run(str(camp_repo.path))
    assert "4 report files in 1 cohorts, 3 files skipped, 0 anomalies." in out
    assert "Created 1 cohorts, 2 periods, 2 users, 2 memberships, 4 reports" in out
    assert f"  {C}/01_ann-dev/README.md: a README, not a report" in out


# ---------------------------------------------------------------- time from history


@pytest.mark.django_db
def test_moves_renames_and_readds_keep_the_original_date(repo):
    first = f"{C}/ann-dev/[WeeklyReport]2024.02.26~2024.03.10.md"
    second = f"{C}/ann-dev/[WeeklyReport]2024.03.11~2024.03.24.md"
    third = f"{C}/ann-dev/[WeeklyReport]2024.03.25~2024.04.07.md"
    repo.commit("2024-03-10T21:00:00+08:00", {first: report_text("Ann", this_week="一")})
    repo.commit("2024-03-24T21:00:00+08:00", {second: report_text("Ann", this_week="二")})
    repo.commit("2024-04-07T21:00:00+08:00", {third: report_text("Ann", this_week="三")})
    # The clean-up: every folder gets its ordinal, one file is renamed and edited
    # in the same commit, one is deleted and added back a month later.
    repo.commit(
        "2024-05-01T12:00:00+08:00",
        moves={
            f"{C}/ann-dev/[WeeklyReport]2024.02.26~2024.03.10.md": f"{C}/01_ann-dev/"
            "[WeeklyReport]2024.02.26~2024.03.10.md",
            second: f"{C}/01_ann-dev/2024.03.11~2024.03.24.md",
        },
    )
    repo.commit(
        "2024-05-01T12:05:00+08:00",
        {
            f"{C}/01_ann-dev/2024.03.11~2024.03.24.md": report_text(
                "Ann", this_week="二", review="好"
            ),
            third: None,
        },
    )
    repo.commit(
        "2024-06-01T12:00:00+08:00",
        {
            f"{C}/01_ann-dev/[WeeklyReport]2024.03.25~2024.04.07.md": report_text(
                "Ann", this_week="三"
            )
        },
    )
    result = by_path(run_json(str(repo.path)))
    dates = {path.rsplit("/", 1)[1]: entry["submitted_at"] for path, entry in result.items()}
    assert dates == {
        "[WeeklyReport]2024.02.26~2024.03.10.md": "2024-03-10T21:00:00+08:00",
        "2024.03.11~2024.03.24.md": "2024-03-24T21:00:00+08:00",
        "[WeeklyReport]2024.03.25~2024.04.07.md": "2024-04-07T21:00:00+08:00",
    }
    edited = Report.objects.get(period__number=2)
    assert edited.submitted_at == datetime.datetime(2024, 3, 24, 21, 0, tzinfo=CST)
    assert [r.created_at.date() for r in edited.revisions.all()] == [D(2024, 3, 24), D(2024, 5, 1)]
    assert edited.reviews.get().created_at.date() == D(2024, 5, 1)


@pytest.mark.django_db
def test_a_name_without_dates_gets_its_period_from_the_commit(repo):
    repo.commit(
        "2024-03-10T21:00:00+08:00",
        {f"{C}/ann-dev/[WeeklyReport]2024.02.26~2024.03.10.md": report_text("Ann")},
    )
    repo.commit(
        "2024-03-25T22:00:00+08:00",
        {
            f"{C}/ann-dev/[WeeklyReport]2024.03.11~2024.03.24.md": report_text("Ann"),
            f"{C}/ben0/weekly.md": report_text("Ben"),  # no tag, no dates, the template
        },
    )
    entry = by_path(run_json(str(repo.path)))[f"{C}/ben0/weekly.md"]
    # one day into period 3's would-be start: the report of the period just ended
    assert (entry["claimed_start"], entry["period"]) == (None, 2)


# ---------------------------------------------------------------- folders and people


@pytest.mark.parametrize(
    ("folder", "login"),
    [
        ("01_ann", "ann"),
        ("2_ann", "ann"),
        ("glcc_01_ann", "ann"),
        ("ospp_02_ann", "ann"),
        ("ann", "ann"),
        ("ann_2024", "ann_2024"),
    ],
)
def test_student_login_drops_the_ordinal_prefix(folder, login):
    assert student_login(folder) == login


@pytest.mark.django_db
def test_cohorts_merge_case_insensitively_and_a_report_twice_is_one_report(repo):
    name = "[WeeklyReport]2024.02.26~2024.03.10.md"
    repo.commit(
        "2024-03-10T21:00:00+08:00",
        {
            f"WeeklyReports/Camp_2nd/01_Ann-Dev/{name}": report_text("Ann"),
            f"WeeklyReports/Camp_2nd/02_ben0/{name}": report_text("Ben"),
        },
    )
    repo.commit(
        "2024-03-12T21:00:00+08:00",
        {
            f"WeeklyReports/camp_2nd/ann-dev/{name}": report_text("Ann"),
            "WeeklyReports/Camp_2nd/01_Ann-Dev/2024.2.26-2024.3.10.md": report_text(
                "Ann", this_week="另写了一份"
            ),
        },
    )
    existing = UserFactory(username="ann", github_login="ANN-dev")
    # usernames are not logins: ben0's and its first fallback are taken by others
    UserFactory(username="ben0", github_login="someone-else")
    UserFactory(username="BEN0-2", github_login="someone-more")
    result = run_json(str(repo.path))
    assert [c["slug"] for c in result["cohorts"]] == ["camp-2nd"]
    assert result["cohorts"][0]["name"] == "Camp_2nd"
    assert result["cohorts"][0]["reports"] == 2
    entries = by_path(result)
    assert len(entries) == 4
    assert {(e["cohort"], e["student"].lower(), e["period"]) for e in entries.values()} == {
        ("Camp_2nd", "ann-dev", 1),
        ("Camp_2nd", "ben0", 1),
    }
    report = Report.objects.get(student=existing)
    assert report.source_ref == f"WeeklyReports/Camp_2nd/01_Ann-Dev/{name}"
    # the same text twice is one revision; a different text is kept as a revision
    assert report.revisions.count() == 2
    problems = {a["path"]: a["problem"] for a in result["anomalies"]}
    assert set(problems) == {
        f"WeeklyReports/camp_2nd/ann-dev/{name}",
        "WeeklyReports/Camp_2nd/01_Ann-Dev/2024.2.26-2024.3.10.md",
    }
    assert all(p.startswith("duplicate: same student and period as") for p in problems.values())
    assert User.objects.filter(github_login__iexact="ann-dev").count() == 1
    assert User.objects.get(github_login="ben0").username == "ben0-3"


@pytest.mark.django_db
def test_an_existing_cohort_and_its_calendar_are_reused_and_reviews_go_to_the_sole_mentor(
    camp, repo
):
    # camp: alice has one mentor (mentor_a), bob has two
    camp.alice.github_login, camp.bob.github_login = "alice", "bob"
    camp.alice.save()
    camp.bob.save()
    periods_before = list(camp.cohort.periods.values_list("number", "starts_on", "ends_on"))
    repo.commit(
        "2025-03-17T21:00:00+08:00",
        {
            "WeeklyReports/camp/01_alice/[WeeklyReport]2025.03.03~2025.03.16.md": report_text(
                "Alice", review="很好"
            ),
            "WeeklyReports/camp/02_Bob/[WeeklyReport]2025.3.4~2025.3.17.md": report_text(
                "Bob", review="继续加油"
            ),
            # a year typed wrong in both dates: far from every period
            "WeeklyReports/camp/02_Bob/[WeeklyReport]2021.3.18~2021.3.31.md": report_text("B"),
        },
    )
    result = run_json(str(repo.path))
    assert list(camp.cohort.periods.values_list("number", "starts_on", "ends_on")) == periods_before
    assert result["cohorts"][0]["slug"] == "camp"
    assert {r["path"].rsplit("/", 1)[1]: r["period"] for r in result["reports"]} == {
        "[WeeklyReport]2025.03.03~2025.03.16.md": 1,
        "[WeeklyReport]2025.3.4~2025.3.17.md": 1,
        "[WeeklyReport]2021.3.18~2021.3.31.md": None,
    }
    assert result["anomalies"] == [
        {
            "path": "WeeklyReports/camp/02_Bob/[WeeklyReport]2021.3.18~2021.3.31.md",
            "problem": "no period of 护航计划 测试营 matches it; the report was not imported",
        }
    ]
    assert Report.objects.filter(student=camp.bob).count() == 1
    assert Review.objects.get(report__student=camp.alice).mentor == camp.mentor_a
    assert Review.objects.get(report__student=camp.bob).mentor is None


@pytest.mark.django_db
def test_existing_web_report_gets_the_history_as_revisions(camp, repo):
    camp.alice.github_login = "alice"
    camp.alice.save()
    with time_machine.travel(datetime.datetime(2025, 3, 15, 12, 0, tzinfo=CST), tick=False):
        draft = ReportFactory(
            student=camp.alice, period=camp.period(1), body="draft", status="draft"
        )
    repo.commit(
        "2025-03-17T21:00:00+08:00",
        {"WeeklyReports/camp/alice/[WeeklyReport]2025.03.03~2025.03.16.md": report_text("A")},
    )
    run(str(repo.path))
    draft.refresh_from_db()
    assert draft.status == Report.Status.SUBMITTED
    assert draft.submitted_at == datetime.datetime(2025, 3, 17, 21, 0, tzinfo=CST)
    # the repository's text is newer than the draft: it becomes the body
    assert draft.body == report_text("A")
    assert [r.body for r in draft.revisions.all()] == ["draft", report_text("A")]
    assert Report.objects.count() == 1


# ---------------------------------------------------------------- periods


def test_infer_periods_takes_the_most_common_of_close_ranges():
    typed = [
        *[(D(2023, 10, 10), D(2023, 10, 24))] * 5,
        (D(2023, 10, 1), D(2023, 10, 20)),  # off by days: same period
        *[(D(2023, 10, 25), D(2023, 11, 7))] * 4,
        (D(2023, 10, 25), D(2023, 11, 8)),
        (D(2023, 11, 4), D(2023, 11, 9)),  # short, mostly in period 2
        *[(D(2023, 11, 8), D(2023, 11, 22))] * 2,
        *[(D(2023, 11, 22), D(2023, 12, 5))] * 2,  # overlaps the previous by a day
    ]
    assert infer_periods(typed) == [
        (D(2023, 10, 10), D(2023, 10, 24)),
        (D(2023, 10, 25), D(2023, 11, 7)),
        (D(2023, 11, 8), D(2023, 11, 22)),
        (D(2023, 11, 23), D(2023, 12, 5)),
    ]


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=D(2024, 1, 1), max_value=D(2024, 12, 31)),
            st.integers(min_value=0, max_value=45),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_inferred_periods_are_ordered_disjoint_and_cover_every_claim(typed):
    ranges = [(start, start + datetime.timedelta(days=length)) for start, length in typed]
    periods = infer_periods(ranges)
    assert all(start <= end for start, end in periods)
    assert all(a[1] < b[0] for a, b in zip(periods, periods[1:], strict=False))
    for start, end in ranges:
        assert any(p_start <= end and start <= p_end for p_start, p_end in periods)


@pytest.mark.django_db
def test_long_and_backwards_ranges_are_imported_and_listed_as_anomalies(repo):
    files = {
        f"{C}/ann/[WeeklyReport]2025.03.03~2025.03.16.md": report_text("A"),
        f"{C}/ben/[WeeklyReport]2025.03.03~2025.03.16.md": report_text("B"),
        f"{C}/ann/[WeeklyReport]2025.03.17~2025.03.30.md": report_text("A"),
        f"{C}/ben/[WeeklyReport]2025.03.17~2025.03.30.md": report_text("B"),
        f"{C}/cat/[WeeklyReport]2025.03.03~2025.04.20.md": report_text("C"),
        f"{C}/dan/[WeeklyReport]2025.03.17~2024.03.30.md": report_text("D"),
        f"{C}/eve/[WeeklyReport]2025.03.30~2025.03.17.md": report_text("E"),
    }
    repo.commit("2025-04-01T10:00:00+08:00", files)
    result = run_json(str(repo.path))
    assert len(result["cohorts"][0]["periods"]) == 2
    assert Report.objects.count() == 7
    problems = {(a["path"].split("/")[2], a["problem"]) for a in result["anomalies"]}
    assert problems == {
        ("cat", "claims 49 days, longer than one period (matched period 2 has 14)"),
        ("dan", "end year corrected from 2024 to 2025"),
        ("eve", "end before start"),
    }
    eve = by_path(result)[f"{C}/eve/[WeeklyReport]2025.03.30~2025.03.17.md"]
    assert (eve["claimed_start"], eve["claimed_end"], eve["period"]) == (
        "2025-03-30",
        "2025-03-17",
        2,
    )


# ---------------------------------------------------------------- sources and bad input


@pytest.mark.django_db
def test_bare_repository_bundle_and_url_sources(camp_repo, tmp_path):
    expected = run_json(str(camp_repo.path), "--dry-run")
    bare = tmp_path / "bare.git"
    camp_repo.git("clone", "-q", "--bare", str(camp_repo.path), str(bare))
    bundle = camp_repo.bundle(tmp_path / "camp.bundle")
    for source in (str(bare), str(bundle), f"file://{camp_repo.path}"):
        assert run_json(source, "--dry-run") == expected


@pytest.mark.django_db
def test_custom_pattern(repo):
    repo.commit(
        "2024-03-10T21:00:00+08:00",
        {"camps/2024-spring/reports/ann-dev/[WeeklyReport]2024.02.26~2024.03.10.md": "x"},
    )
    result = run_json(
        str(repo.path),
        "--pattern",
        r"^camps/(?P<cohort>[^/]+)/reports/(?P<student>[^/]+)/[^/]+$",
    )
    assert [(r["cohort"], r["student"]) for r in result["reports"]] == [("2024-spring", "ann-dev")]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"^(?P<cohort>[^/]+)/[^/]+$", "missing: student"),
        (r"^(?P<cohort>[^/]+/(?P<student>", "not a valid regular expression"),
    ],
)
@pytest.mark.django_db
def test_a_pattern_without_both_groups_is_refused(camp_repo, pattern, message):
    with pytest.raises(CommandError, match=message):
        run(str(camp_repo.path), "--pattern", pattern)
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_bad_sources_give_clear_errors_and_change_nothing(tmp_path, camp_repo):
    before = db_counts()
    plain = tmp_path / "plain"
    plain.mkdir()
    broken = tmp_path / "broken.bundle"
    broken.write_bytes(b"# v2 git bundle\nnot really\n")
    empty = GitRepo(tmp_path / "empty")
    inside = camp_repo.path / "WeeklyReports"
    cases = [
        (str(plain), "is not a git repository"),
        (str(inside), "is not a git repository"),
        (str(broken), "is not a readable git bundle"),
        (f"file://{tmp_path}/nowhere.git", "could not clone"),
        (str(tmp_path / "missing"), "no such file, directory or repository URL"),
        (str(empty.path), "the repository has no commits"),
    ]
    for source, message in cases:
        with pytest.raises(CommandError, match=message) as caught:
            run(source)
        assert str(caught.value).startswith("Nothing was imported: ")
    assert db_counts() == before


@pytest.mark.django_db
def test_a_failure_midway_leaves_the_database_as_it_was(camp_repo, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importer.Review.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        run(str(camp_repo.path))
    assert db_counts() == {
        "Cohort": 0,
        "Period": 0,
        "User": 0,
        "Membership": 0,
        "Report": 0,
        "Revision": 0,
        "Review": 0,
    }


@pytest.mark.django_db
def test_unreadable_files_are_skipped_with_reasons(repo):
    folder = f"{C}/ann"
    repo.commit(
        "2024-03-10T21:00:00+08:00",
        {
            f"{folder}/[WeeklyReport]2024.02.26~2024.03.10.md": report_text("A"),
            f"{folder}/[WeeklyReport]2024.03.11~2024.03.24.md": b"\x00\x01binary",
            f"{folder}/[WeeklyReport]2024.03.25~2024.04.07.md": b"x" * (1024 * 1024 + 1),
            f"{folder}/[WeeklyReport]2024.04.08~2024.04.21.md": b"### \xff\xfe\xff",
            f"{folder}/[WeeklyReport]2024.04.22~2024.05.05.md": report_text("甲").encode("gb18030"),
            f"{folder}/diagram.png": b"\x89PNG\r\n",
            f"{folder}/notes.md": "# 笔记\n",
            "WeeklyReports/张三/ann/[WeeklyReport]2024.02.26~2024.03.10.md": report_text("Z"),
            f"{C}/张三/[WeeklyReport]2024.02.26~2024.03.10.md": report_text("Z"),
        },
    )
    result = run_json(str(repo.path))
    reasons = {
        item["path"].removeprefix(f"{folder}/"): item["reason"] for item in result["skipped"]
    }
    assert reasons == {
        "[WeeklyReport]2024.03.11~2024.03.24.md": "a binary file",
        "[WeeklyReport]2024.03.25~2024.04.07.md": "larger than 1 MB (1048577 bytes)",
        "[WeeklyReport]2024.04.08~2024.04.21.md": "text that is neither UTF-8 nor GB18030",
        "diagram.png": "not a Markdown file (.png)",
        "notes.md": "no weekly-report tag or date range in the name, and not the report template",
        f"{C}/张三/[WeeklyReport]2024.02.26~2024.03.10.md": "the student folder '张三' does not "
        "name a GitHub login",
    }
    assert {r["path"].rsplit("/", 1)[1] for r in result["reports"]} == {
        "[WeeklyReport]2024.02.26~2024.03.10.md",
        "[WeeklyReport]2024.04.22~2024.05.05.md",
    }
    assert {c["slug"] for c in result["cohorts"]} == {"hackathon-1st", "cohort-" + _sha("张三")}
    assert {
        "path": f"{folder}/[WeeklyReport]2024.04.22~2024.05.05.md",
        "problem": "not UTF-8: read as GB18030",
    } in result["anomalies"]


def _sha(name: str) -> str:
    import hashlib

    return hashlib.sha1(name.encode()).hexdigest()[:8]


@pytest.mark.django_db
def test_a_cohort_without_any_dates_gets_two_week_periods_from_its_commits(repo):
    # late in two consecutive fortnights (early in one would be the last one's report)
    repo.commit("2024-03-22T20:00:00+08:00", {f"{C}/ann/周报一.md": report_text("A")})
    repo.commit(
        "2024-04-10T20:00:00+08:00", {f"{C}/ann/周报二.md": report_text("A", this_week="二")}
    )
    result = run_json(str(repo.path))
    assert result["cohorts"][0]["periods"] == [
        {"number": 1, "starts_on": "2024-03-18", "ends_on": "2024-03-31"},
        {"number": 2, "starts_on": "2024-04-01", "ends_on": "2024-04-14"},
    ]
    assert sorted(r["period"] for r in result["reports"]) == [1, 2]
