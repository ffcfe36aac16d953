"""Reading the questions and answers of a report's questions section: pure
functions of its text.

The camp writes them two ways: a list of questions, each with its answer
indented under it ("* 问题？" then "答：…"), or paragraphs ("**问题1：** …"
then "答：…", the shape of the camp's 周报QA.md). Both read the same here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from camp.models import DEFAULT_QUESTION_SECTIONS, Cohort
from reports.parsing import LIST_MARKER_RE, is_nothing, labelled_part, normalize_text, plain_line

QUESTION_START_RE = re.compile(r"^(?:问题|问|Q(?:uestion)?)\s*\d*\s*[:：.、]?\s*", re.IGNORECASE)
ANSWER_START_RE = re.compile(r"^(?:答|回答|解答|A(?:nswer)?)\s*\d*\s*[:：]\s*", re.IGNORECASE)
INLINE_ANSWER_RE = re.compile(r"\s*(?:答|回答|解答)\s*[:：]\s*")
MAX_QUESTION_CHARS = 4000
MAX_ANSWER_CHARS = 10_000


@dataclass(frozen=True)
class Pair:
    question: str
    answer: str


def question_titles(cohort: Cohort) -> list[str]:
    return list(cohort.question_sections or DEFAULT_QUESTION_SECTIONS)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def qa_pairs(body: str, titles: list[str]) -> list[Pair]:
    """The questions of the report's questions section, each with the answer
    written under it ("" when none)."""
    part = labelled_part(body, titles)
    if part is None:
        return []
    lines = [line for line in normalize_text(part).split("\n") if line.strip()]
    item_indents = [_indent(line) for line in lines if LIST_MARKER_RE.match(line.lstrip())]
    top = min(item_indents) if item_indents else None
    found: list[tuple[list[str], list[str], bool]] = []  # question, answer, marked
    in_answer = False
    for line in lines:
        text = plain_line(line)
        answer_start = ANSWER_START_RE.match(text)
        if answer_start:
            if found:
                found[-1][1].append(text[answer_start.end() :])
                in_answer = True
            continue
        question_start = QUESTION_START_RE.match(text)
        top_item = top is not None and _indent(line) <= top and LIST_MARKER_RE.match(line.lstrip())
        if question_start or top_item or not found:
            asked = text[question_start.end() :] if question_start else text
            question, _sep, answer = _split_inline(asked)
            found.append(([question], [answer] if answer else [], bool(question_start)))
            in_answer = bool(answer)
            continue
        (found[-1][1] if in_answer else found[-1][0]).append(text)
    pairs = []
    for question_lines, answer_lines, marked in found:
        question = " ".join(part for part in question_lines if part).strip()
        answer = "\n".join(part for part in answer_lines if part).strip()
        if not question or is_nothing(question):
            continue
        # A line that asks nothing and got no answer is a remark, not a question.
        if not (answer or marked or "?" in question or "？" in question):
            continue
        pairs.append(Pair(question[:MAX_QUESTION_CHARS], answer[:MAX_ANSWER_CHARS]))
    return pairs


def _split_inline(text: str) -> tuple[str, str, str]:
    """ "问题？答：回答" on one line: the question and its answer."""
    parts = INLINE_ANSWER_RE.split(text, maxsplit=1)
    if len(parts) == 2:
        return parts[0].strip(), "", parts[1].strip()
    return text.strip(), "", ""


def question_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(char for char in folded if unicodedata.category(char)[0] in "LN")
    return hashlib.sha256(kept.encode()).hexdigest()
