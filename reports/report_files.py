"""Report files: is this file a weekly report, which period does it claim, and
which mentor review does it carry.

Pure functions over a file's path and bytes, no database: the repository
importer reads files out of git history, the GitHub sync reads them from pull
requests, and both decide through read_report_file.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from reports.parsing import mentor_review, normalize_text, parse_claimed_range, template_sections

MAX_REPORT_BYTES = 1024 * 1024
# WeeklyReport, WeeklyReports, [weeklyreport], Weekly Report, and typos such as
# WeekliyReport; 周报 for those who name files in Chinese.
REPORT_TAG_RE = re.compile(r"week[a-z]{0,3}[\s_-]*repo?rts?|周报", re.IGNORECASE)
MARKDOWN_SUFFIX_RE = re.compile(r"(?:\.(?:md|markdown))+$", re.IGNORECASE)
# A real extension is letters (and digits after a letter); "2025_02.16" ends in a date.
OTHER_EXTENSION_RE = re.compile(r"\.([A-Za-z][A-Za-z0-9]{0,9})$")
MIN_TEMPLATE_SECTIONS = 2
# A yearless date typed in a file name is the report's own period: it cannot be
# much later than the commit that added it.
MAX_DAYS_CLAIM_AFTER_COMMIT = 60


@dataclass(frozen=True)
class ReportFile:
    """A file read as a weekly report."""

    path: str
    body: str
    # The claimed range as typed (its end may be before its start) ...
    claimed_start: datetime.date | None
    claimed_end: datetime.date | None
    # ... and as read for period matching (a mistyped end year corrected).
    match_start: datetime.date | None
    match_end: datetime.date | None
    review: str | None
    sections: frozenset[str]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


def file_name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def name_stem(name: str) -> str:
    """The name without its Markdown extension(s): "x.md.md" is "x"."""
    return MARKDOWN_SUFFIX_RE.sub("", name)


def skip_reason_for_name(path: str) -> str | None:
    """Why a file is not a report, judged by its name alone (None: it may be one)."""
    name = file_name(path)
    stem = name_stem(name)
    if stem.lower().startswith("readme"):
        return "a README, not a report"
    if stem == name:
        other = OTHER_EXTENSION_RE.search(name)
        if other is not None:
            return f"not a Markdown file (.{other.group(1)})"
    return None


def skip_reason_for_size(size: int) -> str | None:
    if size > MAX_REPORT_BYTES:
        return f"larger than 1 MB ({size} bytes)"
    return None


def decode_text(raw: bytes) -> tuple[str, str] | None:
    """The text and its encoding: UTF-8 (with or without BOM), else GB18030, which
    older Windows editors in China still write. None when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def read_report_file(
    path: str, raw: bytes, *, committed_at: datetime.datetime
) -> ReportFile | Skipped:
    """Read a file as a weekly report, or say why it is not one.

    `committed_at` is when its content first appeared: a name that gives dates
    without a year takes the year from it.
    """
    reason = skip_reason_for_name(path) or skip_reason_for_size(len(raw))
    if reason:
        return Skipped(path, reason)
    if b"\x00" in raw:
        return Skipped(path, "a binary file")
    decoded = decode_text(raw)
    if decoded is None:
        return Skipped(path, "text that is neither UTF-8 nor GB18030")
    text, encoding = decoded
    body = normalize_text(text)
    problems: list[str] = []
    if encoding == "gb18030":
        problems.append("not UTF-8: read as GB18030")

    stem = name_stem(file_name(path))
    claimed = _claimed_range(stem, committed_at.date())
    sections = frozenset(template_sections(body))
    has_two_dates = claimed.start is not None and claimed.end is not None
    if not (REPORT_TAG_RE.search(stem) or has_two_dates or len(sections) >= MIN_TEMPLATE_SECTIONS):
        return Skipped(
            path, "no weekly-report tag or date range in the name, and not the report template"
        )
    problems.extend(claimed.problems)
    if claimed.start is not None and claimed.end is None:
        problems.append("the name gives only one date")
    return ReportFile(
        path=path,
        body=body,
        claimed_start=claimed.start,
        claimed_end=claimed.end_as_typed,
        match_start=claimed.start,
        match_end=claimed.end,
        review=mentor_review(body),
        sections=sections,
        problems=tuple(problems),
    )


def _claimed_range(stem: str, committed_on: datetime.date):
    claimed = parse_claimed_range(stem, default_year=committed_on.year)
    yearless = claimed.start is not None and not re.search(r"\d{4}", stem)
    if yearless and (claimed.start - committed_on).days > MAX_DAYS_CLAIM_AFTER_COMMIT:
        # "12.25-1.7" committed in January: the range began the year before.
        claimed = parse_claimed_range(stem, default_year=committed_on.year - 1)
    return claimed
