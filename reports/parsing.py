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


def _says_something(char: str) -> bool:
    """Letters and digits, and symbols such as a check mark (a mentor's whole
    verdict, sometimes), but not punctuation or Markdown's ASCII markup."""
    category = unicodedata.category(char)[0]
    return category in "LN" or (category == "S" and not char.isascii())
