"""Reading the blockers a report lists: pure functions of its text."""

from __future__ import annotations

import hashlib
import unicodedata

from camp.models import DEFAULT_BLOCKER_SECTIONS, Cohort
from reports.parsing import labelled_part, top_level_items

MAX_BLOCKER_CHARS = 2000


def blocker_titles(cohort: Cohort) -> list[str]:
    """The titles of the cohort's blockers section, or the defaults."""
    return list(cohort.blocker_sections or DEFAULT_BLOCKER_SECTIONS)


def blocker_texts(body: str, titles: list[str]) -> list[str]:
    """Each point of the report's blockers section, once, in order."""
    part = labelled_part(body, titles)
    if part is None:
        return []
    seen: dict[str, str] = {}
    for point in top_level_items(part):
        seen.setdefault(blocker_key(point), point[:MAX_BLOCKER_CHARS])
    return list(seen.values())


def blocker_key(text: str) -> str:
    """The same blocker however it is spaced, cased or punctuated."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(char for char in folded if unicodedata.category(char)[0] in "LN")
    return hashlib.sha256(kept.encode()).hexdigest()
