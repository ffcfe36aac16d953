"""Reading what people typed: claimed date ranges and report sections."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from reports.parsing import mentor_review, parse_claimed_range, split_sections

D = datetime.date


def rng(text, year=None):
    claimed = parse_claimed_range(text, default_year=year)
    return claimed.start, claimed.end


def test_filename_shapes():
    assert rng("[WeeklyReport]2023.10.10~2023.10.24.md") == (D(2023, 10, 10), D(2023, 10, 24))
    assert rng("[WeeklyReports]_2025_01.10-2025_02.16") == (D(2025, 1, 10), D(2025, 2, 16))
    assert rng("xingmingyyj2023.10.10-2023.10.24.md") == (D(2023, 10, 10), D(2023, 10, 24))
    assert rng("[WeeklyReport]2024.03.09_2024.03.22.md") == (D(2024, 3, 9), D(2024, 3, 22))
    assert rng("2025.11.24.~2025.12.07.md") == (D(2025, 11, 24), D(2025, 12, 7))
    assert rng("[WeeklyReports] 2024.1.5 ~ 2024.1.18.md.md") == (D(2024, 1, 5), D(2024, 1, 18))
    assert rng("[WeeklyReports] 2023.12.25~1.7 周报汇总") == (D(2023, 12, 25), D(2024, 1, 7))
    assert rng("周报 10.10-10.24.md", 2023) == (D(2023, 10, 10), D(2023, 10, 24))
    assert rng("README.md") == (None, None)


def test_wrong_end_year_is_corrected_and_reported():
    claimed = parse_claimed_range("2025.02.17~2024.03.02")
    assert (claimed.start, claimed.end) == (D(2025, 2, 17), D(2025, 3, 2))
    assert claimed.problems == ("end year corrected from 2024 to 2025",)


def test_impossible_dates_are_reported():
    claimed = parse_claimed_range("2024.02.31~2024.03.08")
    assert claimed.start == D(2024, 3, 8)
    assert "impossible date '2024.02.31'" in claimed.problems


@given(
    start=st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 1)),
    length=st.integers(min_value=0, max_value=40),
    sep=st.sampled_from(["~", "-", "_", " ~ ", "～"]),
    date_sep=st.sampled_from([".", "-", "_"]),
    pad=st.booleans(),
    prefix=st.sampled_from(["", "[WeeklyReport]", "[WeeklyReports]_", "someone"]),
)
def test_any_typed_range_reads_back(start, length, sep, date_sep, pad, prefix):
    end = start + datetime.timedelta(days=length)

    def typed(d):
        fmt = "{:04d}{s}{:02d}{s}{:02d}" if pad else "{:04d}{s}{}{s}{}"
        return fmt.format(d.year, d.month, d.day, s=date_sep)

    assert rng(f"{prefix}{typed(start)}{sep}{typed(end)}.md") == (start, end)


def test_sections_with_bom_crlf_and_a_report_nested_in_a_list_item():
    body = "\ufeff- ### 姓名\r\n\r\n  张三\r\n\r\n  ### **本周工作：**\r\n\r\n  1. 写代码\r\n   - 细节\r\n"
    sections = split_sections(body)
    assert [(s.title, s.body) for s in sections] == [
        ("姓名", "张三"),
        ("本周工作", "1. 写代码\n - 细节"),
    ]


def test_headings_inside_code_fences_are_not_sections():
    body = "### 本周工作\n\n```md\n### 不是标题\n```\n\n### 下周工作\n\nx\n"
    assert [s.title for s in split_sections(body)] == ["本周工作", "下周工作"]


def test_mentor_review_runs_to_the_next_heading_of_same_or_higher_level():
    body = "## 导师点评\n\n很好\n\n### 细节\n\n继续\n\n## 问题疑惑与解答\n\n无\n"
    assert mentor_review(body) == "很好\n\n### 细节\n\n继续"


def test_empty_or_placeholder_review_is_no_review():
    assert mentor_review("### 导师点评\n\n请联系导师填写\n\n### 下周\n") is None
    assert mentor_review("### 导师点评\n\n（请联系导师填写）\n") is None
    assert mentor_review("### 导师点评\n\n\n### 下周\n") is None
    assert mentor_review("### 本周工作\n\nx\n") is None
    assert mentor_review("#### 导师评语\n\nLGTM\n") == "LGTM"
    assert mentor_review("### 导师评价\n\n请联系导师填写。已沟通，进展顺利\n") is not None
