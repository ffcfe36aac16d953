"""import_repo on the real PFCCLab/Camp history, checked against the independent
reading in camp-truth.json (see shared/corpus/README.md). The corpus is not in
this repository: it is found through CAMP_CORPUS_DIR, else next to the
repository (<repo>/../shared/corpus, as in CI), else at /work/shared/corpus.
"""

from __future__ import annotations

import datetime
import io
import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from reports.models import Report, Review

REPO_ROOT = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path | None:
    candidates = [
        os.environ.get("CAMP_CORPUS_DIR"),
        REPO_ROOT.parent / "shared" / "corpus",
        "/work/shared/corpus",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "camp-truth.json").is_file():
            return Path(candidate)
    return None


CORPUS = corpus_dir()
pytestmark = pytest.mark.skipif(
    CORPUS is None,
    reason="the real-data corpus (shared/corpus) is not next to this repository; "
    "set CAMP_CORPUS_DIR to run this test",
)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((CORPUS / "camp-truth.json").read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_the_whole_camp_history_matches_the_independent_reading(truth):
    out = io.StringIO()
    call_command("import_repo", str(CORPUS / "camp-weekly-reports.bundle"), "--json", stdout=out)
    result = json.loads(out.getvalue())
    ours = {report["path"]: report for report in result["reports"]}
    expected = {report["path"]: report for report in truth["reports"]}

    # The same 473 files are reports. The truth does not list what it skipped;
    # of ours, the Meetup/ report is outside the default WeeklyReports/ layout.
    assert set(ours) == set(expected)
    assert len(ours) == truth["aggregates"]["total"]["reports"] == 473
    assert "Meetup/Hackathon_9th/05_sunnyLcs/[WeeklyReport]2025.07.18~2025.08.01.md" in {
        item["path"] for item in result["skipped"]
    }

    for path, want in expected.items():
        got = ours[path]
        # hackathon_10th/ and Hackathon_10th/ are one cohort, named by the more
        # common spelling, exactly as the truth names it.
        assert got["cohort"] == want["cohort"], path
        assert got["student"] == want["student"], path
        # Claimed dates as typed, including the two whose end year is wrong
        # (2025.02.17~2024.03.02): the truth keeps them as typed, so do we; we
        # match them with the corrected year and list them as anomalies.
        assert (got["claimed_start"], got["claimed_end"]) == (
            want["period_start"],
            want["period_end"],
        ), path
        assert datetime.datetime.fromisoformat(
            got["submitted_at"]
        ) == datetime.datetime.fromisoformat(want["original_author_date"]), path
        assert got["review"] == want["mentor_review_nonempty"], path
        assert got["period"] is not None, path

    assert sum(report["review"] for report in ours.values()) == 332
    problems = {item["path"]: item["problem"] for item in result["anomalies"]}
    for path, want in expected.items():
        if want["period_end"] < want["period_start"]:
            assert problems[path].startswith("end year corrected from 2024 to 2025"), path

    # In the database: one report per (student, period). Files that are the
    # same report twice (the hackathon_10th copies, and weekly reports of a
    # student in a two-week camp) are listed as duplicates, not lost.
    duplicates = [p for p, problem in problems.items() if problem.startswith("duplicate:")]
    assert Report.objects.count() == 473 - len(duplicates)
    assert {c["slug"] for c in result["cohorts"]} == {
        "hackathon-5th",
        "hackathon-6th",
        "hackathon-7th",
        "hackathon-8th",
        "hackathon-9th",
        "hackathon-10th",
    }
    # Reviews: the 332 files with a review are fewer reports (a duplicate file
    # belongs to its report), and a report gets one review per distinct text.
    reviewed = {
        (r["cohort"], r["student"].lower(), r["period"]) for r in ours.values() if r["review"]
    }
    assert Report.objects.filter(reviews__isnull=False).distinct().count() == len(reviewed)
    assert len(reviewed) <= Review.objects.count() <= 332
    assert Review.objects.filter(mentor__isnull=False).count() == 0  # no roster yet

    # Rerunning is a no-op.
    again = io.StringIO()
    call_command("import_repo", str(CORPUS / "camp-weekly-reports.bundle"), stdout=again)
    assert "Nothing changed" in again.getvalue()
