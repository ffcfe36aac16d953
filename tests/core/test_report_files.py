"""Reading one file as a weekly report: pure, shared by the importer and the GitHub sync."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.parsing import ReportFile, Skipped, read_report_file
from tests.gitrepo import report_text

D = datetime.date
COMMITTED = datetime.datetime(
    2024, 3, 12, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)
BODY = report_text("张三").encode()


def read(name: str, raw: bytes = BODY, committed_at: datetime.datetime = COMMITTED):
    return read_report_file(f"WeeklyReports/C/01_someone/{name}", raw, committed_at=committed_at)


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("[WeeklyReport]2023.10.10~2023.10.24.md", D(2023, 10, 10), D(2023, 10, 24)),
        ("[WeeklyReports]2023.10.1~2023.10.20.md", D(2023, 10, 1), D(2023, 10, 20)),
        ("[WeeklyReports]_2025_01.10-2025_02.16", D(2025, 1, 10), D(2025, 2, 16)),
        ("[WeeklyReport]2024.03.09_2024.03.22.md", D(2024, 3, 9), D(2024, 3, 22)),
        ("2025.11.24.~2025.12.07.md", D(2025, 11, 24), D(2025, 12, 7)),
        ("[WeeklyReport] 2024.1.5 ~ 2024.1.18.md", D(2024, 1, 5), D(2024, 1, 18)),
        ("someone2023.10.10-2023.10.24.md", D(2023, 10, 10), D(2023, 10, 24)),
        ("[WeeklyReport]2024.3.9~2024.3.22.md.md", D(2024, 3, 9), D(2024, 3, 22)),
        ("[weeklyreport]-2024.02.25-2024.03.08.md", D(2024, 2, 25), D(2024, 3, 8)),
        ("[WeekliyReport]2024.02.25~2024.03.08.md", D(2024, 2, 25), D(2024, 3, 8)),
        ("[WeeklyReports]2024.9.22-2024.10.19", D(2024, 9, 22), D(2024, 10, 19)),
        # no year: the commit's year (2024)
        ("[WeeklyReport]2.25~3.8.md", D(2024, 2, 25), D(2024, 3, 8)),
        # the end as typed, even when it is before the start
        ("[WeeklyReports]2025.02.17~2024.03.02.md", D(2025, 2, 17), D(2024, 3, 2)),
    ],
)
def test_every_filename_shape_gives_its_claimed_range(name, start, end):
    report = read(name)
    assert isinstance(report, ReportFile)
    assert (report.claimed_start, report.claimed_end) == (start, end)


def test_a_wrong_end_year_is_corrected_for_matching_and_reported():
    report = read("[WeeklyReports]2025.02.17~2024.03.02.md")
    assert (report.match_start, report.match_end) == (D(2025, 2, 17), D(2025, 3, 2))
    assert report.problems == ("end year corrected from 2024 to 2025",)


def test_yearless_range_across_new_year_takes_the_year_before_a_january_commit():
    january = datetime.datetime(2024, 1, 9, tzinfo=datetime.UTC)
    report = read("[WeeklyReport]12.25~1.7.md", committed_at=january)
    assert (report.claimed_start, report.claimed_end) == (D(2023, 12, 25), D(2024, 1, 7))


def test_a_tag_without_dates_is_a_report_without_a_claim():
    report = read("WeeklyReport.md")
    assert isinstance(report, ReportFile)
    assert report.claimed_start is None and report.claimed_end is None


def test_template_headings_make_a_report_whatever_the_name():
    report = read("my-notes.md")
    assert isinstance(report, ReportFile)
    assert {"name", "project", "this_period", "next_period", "mentor_review"} <= report.sections


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("README.md", BODY, "a README, not a report"),
        ("readme", BODY, "a README, not a report"),
        ("[WeeklyReport]2024.03.09~2024.03.22.png", b"\x89PNG", "not a Markdown file (.png)"),
        ("[WeeklyReport]2024.03.09~2024.03.22.txt", BODY, "not a Markdown file (.txt)"),
        ("[WeeklyReport]2024.03.09~2024.03.22.md", b"ab\x00cd", "a binary file"),
        (
            "[WeeklyReport]2024.03.09~2024.03.22.md",
            b"### \xff\xfe\xff",
            "text that is neither UTF-8 nor GB18030",
        ),
        (
            "算子调研_2024.12.5.md",
            "# 调研\n\n一些笔记\n".encode(),
            "no weekly-report tag or date range in the name, and not the report template",
        ),
        (
            "[WeeklyReport]2024.03.09~2024.03.22.md",
            b"x" * (1024 * 1024 + 1),
            "larger than 1 MB (1048577 bytes)",
        ),
    ],
)
def test_what_is_not_a_report_is_skipped_with_a_reason(name, raw, reason):
    assert read(name, raw) == Skipped(f"WeeklyReports/C/01_someone/{name}", reason)


def test_gb18030_text_is_read_and_flagged():
    report = read("[WeeklyReport]2024.03.09~2024.03.22.md", report_text("李四").encode("gb18030"))
    assert isinstance(report, ReportFile)
    assert "李四" in report.body
    assert report.problems == ("not UTF-8: read as GB18030",)


def test_bom_crlf_and_a_report_nested_in_a_list_item():
    nested = "- " + report_text("王五", review="不错，继续").replace("\n", "\n  ")
    raw = ("\ufeff" + nested.replace("\n", "\r\n")).encode()
    report = read("[WeeklyReport]2024.03.09~2024.03.22.md", raw)
    assert "\r" not in report.body and not report.body.startswith("\ufeff")
    assert report.review == "不错，继续"
    assert "mentor_review" in report.sections


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        ("请联系导师填写", None),
        ("", None),
        ("  \n-\n", None),
        ("很好，按计划推进", "很好，按计划推进"),
        ("✔️", "✔️"),
    ],
)
def test_mentor_review_any_title_and_level(review, expected):
    for title in ("## 导师点评", "### 导师评价", "#### **导师评语：**"):
        body = f"### 本周工作\n\n写代码\n\n{title}\n\n{review}\n\n{title.split()[0]} 下一节\n"
        assert read("[WeeklyReport]2024.03.09~2024.03.22.md", body.encode()).review == expected


@given(
    start=st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 1, 1)),
    length=st.integers(min_value=1, max_value=40),
    tag=st.sampled_from(["[WeeklyReport]", "[WeeklyReports]_", "", "login"]),
    extension=st.sampled_from([".md", "", ".md.md"]),
)
def test_any_dated_name_is_a_report_with_its_range(start, length, tag, extension):
    end = start + datetime.timedelta(days=length)
    name = f"{tag}{start:%Y.%m.%d}~{end.year}.{end.month}.{end.day}{extension}"
    report = read(name, b"free text")
    assert isinstance(report, ReportFile)
    assert (report.claimed_start, report.claimed_end) == (start, end)
