"""Reading what people typed: date ranges in file names and issue titles, and
the sections of a report body. Pure functions, shared by the importer, the
GitHub sync and the web form's checks."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

# A date as people type it: 2023.10.10, 2025_01.10, 2024-3-9, 2025.11.24. ; not
# preceded by a digit, so a login glued in front (xingmingyyj2023.10.10) is fine.
FULL_DATE_RE = re.compile(r"(?<!\d)(\d{4})\s*[._\-/年]\s*(\d{1,2})\s*[._\-/月]\s*(\d{1,2})(?!\d)")
# A date without a year (10.24), only read after a full date: "2023.10.10~10.24".
SHORT_DATE_RE = re.compile(r"(?<![\d.])(\d{1,2})\s*[._\-/月]\s*(\d{1,2})(?![\d])")
MAX_PLAUSIBLE_RANGE_DAYS = 62
RANGE_SEPARATOR_RE = re.compile(r"\s*(?:~|～|—|–|-|_|至|到|to)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ClaimedRange:
    start: datetime.date | None
    end: datetime.date | None
    problems: tuple[str, ...] = ()
    # The end exactly as typed, when `end` is a correction of it (a wrong year).
    typed_end: datetime.date | None = None

    @property
    def end_as_typed(self) -> datetime.date | None:
        return self.typed_end or self.end


def _make_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_claimed_range(text: str, *, default_year: int | None = None) -> ClaimedRange:
    """The date range written in a file name or a title, as typed.

    Reads the first two dates. A second date without a year takes the first
    one's year (or the next year, if that puts it after the start). A text
    with only yearless dates takes `default_year` (e.g. the commit's year).
    Impossible dates (2024.02.31) are dropped and reported in `problems`.
    """
    problems: list[str] = []
    dates: list[datetime.date] = []
    last_end = 0
    for match in FULL_DATE_RE.finditer(text):
        year, month, day = (int(g) for g in match.groups())
        value = _make_date(year, month, day)
        if value is None:
            problems.append(f"impossible date {match.group(0)!r}")
            continue
        dates.append(value)
        last_end = match.end()
        if len(dates) == 2:
            break
    if len(dates) == 1:
        rest = text[last_end:]
        short = SHORT_DATE_RE.search(rest)
        if short and RANGE_SEPARATOR_RE.match(rest[: short.start()] + " ") is not None:
            month, day = int(short.group(1)), int(short.group(2))
            end = _make_date(dates[0].year, month, day)
            if end is not None and end < dates[0]:
                end = _make_date(dates[0].year + 1, month, day)
            if end is not None:
                dates.append(end)
    if not dates and default_year is not None:
        for match in SHORT_DATE_RE.finditer(text):
            value = _make_date(default_year, int(match.group(1)), int(match.group(2)))
            if value is not None:
                if dates and value < dates[0]:
                    value = _make_date(default_year + 1, value.month, value.day) or value
                dates.append(value)
            if len(dates) == 2:
                break
    if not dates:
        return ClaimedRange(None, None, tuple(problems))
    start = dates[0]
    end = dates[1] if len(dates) > 1 else None
    typed_end = None
    if end is not None and end < start:
        corrected = _with_plausible_year(start, end)
        if corrected is not None:
            problems.append(f"end year corrected from {end.year} to {corrected.year}")
            typed_end, end = end, corrected
        else:
            problems.append("end before start")
    return ClaimedRange(start, end, tuple(problems), typed_end)


def _with_plausible_year(start: datetime.date, end: datetime.date) -> datetime.date | None:
    """2025.02.17~2024.03.02: the end's year is a typo when, with the start's
    year (or the next, across new year), the range is a plausible period."""
    for year in (start.year, start.year + 1):
        candidate = _make_date(year, end.month, end.day)
        if candidate is not None and 0 <= (candidate - start).days <= MAX_PLAUSIBLE_RANGE_DAYS:
            return candidate
    return None


# ---------------------------------------------------------------- sections

HEADING_RE = re.compile(
    r"^(?P<indent>\s*(?:[-*+]\s+|\d+[.)]\s+)?)(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$"
)
MENTOR_REVIEW_TITLES = ("导师点评", "导师评价", "导师评语")
# The report template's sections and the words people title them with.
TEMPLATE_SECTIONS = {
    "name": ("姓名",),
    "project": ("实习项目", "项目名称"),
    "this_period": ("本周工作", "本双周工作", "本期工作"),
    "next_period": ("下周工作", "下双周工作", "下期工作", "下周计划"),
    "mentor_review": MENTOR_REVIEW_TITLES,
    "questions": ("问题疑惑与解答",),
}
REVIEW_PLACEHOLDERS = ("请联系导师填写",)


@dataclass(frozen=True)
class Section:
    title: str
    level: int
    body: str


def normalize_text(text: str) -> str:
    """Text as stored: no BOM, Unix line ends."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_sections(body: str) -> list[Section]:
    """The Markdown headings of a report and the text under each, up to the
    next heading of the same or a higher level. Headings are found also when
    the whole report is nested in a list item (indented, or after "- ")."""
    lines = normalize_text(body).split("\n")
    headings: list[tuple[int, int, str]] = []  # (line index, level, title)
    in_fence = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = HEADING_RE.match(line)
        if match:
            headings.append((index, len(match.group("hashes")), clean_title(match.group("title"))))
    sections = []
    for position, (index, level, title) in enumerate(headings):
        end = len(lines)
        for later_index, later_level, _ in headings[position + 1 :]:
            if later_level <= level:
                end = later_index
                break
        text = "\n".join(_dedent_list_item(lines[index + 1 : end])).strip()
        sections.append(Section(title, level, text))
    return sections


def clean_title(title: str) -> str:
    """A heading's title without emphasis and trailing colons: "**本周工作：**" is 本周工作."""
    return title.strip().strip("*_ ").rstrip(":：").strip("*_ ").strip()


def _dedent_list_item(lines: list[str]) -> list[str]:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]


def find_section(body: str, *titles: str) -> Section | None:
    """The first section whose title contains one of `titles`."""
    for section in split_sections(body):
        if any(title in section.title for title in titles):
            return section
    return None


def template_sections(body: str) -> set[str]:
    """Which of the report template's sections (keys of TEMPLATE_SECTIONS) the body has."""
    found = set()
    for section in split_sections(body):
        for key, titles in TEMPLATE_SECTIONS.items():
            if any(title in section.title for title in titles):
                found.add(key)
    return found


def mentor_review(body: str) -> str | None:
    """The mentor's review written into the report, or None when the section is
    missing, blank, or still the template's placeholder."""
    section = find_section(body, *MENTOR_REVIEW_TITLES)
    if section is None:
        return None
    text = section.body.strip()
    leftover = text
    for placeholder in REVIEW_PLACEHOLDERS:
        leftover = leftover.replace(placeholder, "")
    if not any(_says_something(char) for char in leftover):
        return None
    return text


def without_review_placeholder(body: str) -> str:
    """The body without a mentor-review section that only holds the template's
    placeholder: reviews have their own place under the report. A section a
    mentor filled in (an imported review) stays."""
    section = find_section(body, *MENTOR_REVIEW_TITLES)
    if section is None or mentor_review(body) is not None:
        return body
    lines = normalize_text(body).split("\n")
    start = next(
        i
        for i, line in enumerate(lines)
        if (match := HEADING_RE.match(line))
        and any(title in match["title"] for title in MENTOR_REVIEW_TITLES)
    )
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if (match := HEADING_RE.match(lines[i])) and len(match["hashes"]) <= section.level
        ),
        len(lines),
    )
    return "\n".join(lines[:start] + lines[end:])


def _says_something(char: str) -> bool:
    """Letters and digits, and symbols such as a check mark (a mentor's whole
    verdict, sometimes), but not punctuation or Markdown's ASCII markup."""
    category = unicodedata.category(char)[0]
    return category in "LN" or (category == "S" and not char.isascii())


# ---------------------------------------------------------------- report files
# Is this file a weekly report, which period does it claim, and which mentor
# review does it carry: the repository importer reads files out of git history,
# the GitHub sync reads them from pull requests, and both decide through
# read_report_file.

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


# ---------------------------------------------------------------- labelled parts
# What blocks a student and what they asked are written under a heading
# ("#### 问题疑惑与解答") or, just as often in the camp's history, under a bold
# label of a list item inside another section ("3. **问题疑惑与解答**").

LABEL_RE = re.compile(
    r"^(?P<indent>\s*)(?:(?:[-*+]|\d+\.*[.)])\s+)?(?:\*\*|__)(?P<title>[^*_\n]+?)(?:\*\*|__)"
    r"\s*[:：]?\s*(?P<rest>.*)$"
)
LIST_MARKER_RE = re.compile(r"^(?:[-*+]|\d+\.*[.)])\s+(?:\[[ xX]\]\s+)?")
# What people write when there is nothing to say.
NOTHING_RE = re.compile(
    r"^(?:暂无|无|没有|暂时没有|暂时无|目前没有|目前无|none|n/?a|nothing|no|-|—|/)[。.!！\s]*$",
    re.IGNORECASE,
)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def labelled_part(body: str, titles: list[str] | tuple[str, ...]) -> str | None:
    """The text under the first heading, or bold list label, whose title
    contains one of `titles`; None when there is neither. A label's part is
    what follows it on its line and the lines indented under it."""
    titles = [title for title in titles if title]
    if not titles:
        return None
    section = find_section(body, *titles)
    if section is not None:
        return section.body
    lines = normalize_text(body).split("\n")
    for index, line in enumerate(lines):
        match = LABEL_RE.match(line)
        if match is None or not any(title in clean_title(match["title"]) for title in titles):
            continue
        indent = len(match["indent"])
        block = [match["rest"]] if match["rest"].strip() else []
        for later in lines[index + 1 :]:
            if later.strip() and _indent(later) <= indent:
                break
            block.append(later)
        return "\n".join(_dedent_list_item(block)).strip()
    return None


def is_nothing(text: str) -> bool:
    """ "暂无", "无", "None": the writer had nothing to put there."""
    return bool(NOTHING_RE.match(text.strip().strip("*_`").strip()))


def plain_line(line: str) -> str:
    """A line without its list marker and bold or italic markup."""
    text = LIST_MARKER_RE.sub("", line.strip())
    return text.replace("**", "").replace("__", "").strip()


def top_level_items(text: str) -> list[str]:
    """The points of a part: each top-level list item with the lines under it
    (joined by spaces), else each non-empty line; "暂无" and the like dropped."""
    lines = [line for line in normalize_text(text).split("\n") if line.strip()]
    item_indents = [_indent(line) for line in lines if LIST_MARKER_RE.match(line.lstrip())]
    items: list[list[str]] = []
    if item_indents:
        top = min(item_indents)
        for line in lines:
            starts = _indent(line) <= top and LIST_MARKER_RE.match(line.lstrip())
            if starts or not items:
                items.append([plain_line(line)])
            else:
                items[-1].append(plain_line(line))
    else:
        items = [[plain_line(line)] for line in lines]
    points = [" ".join(part for part in item if part).strip() for item in items]
    return [point for point in points if point and not is_nothing(point)]
