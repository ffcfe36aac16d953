"""Comparing reports: pure functions from a report's text to what is compared.

A report is first cut down to what its student wrote: no headings, none of
the template's own lines, no name, project or mentor's review section, not
the student's name or login; then to letters and digits, case-folded.
Shingles are the overlapping runs of SHINGLE_CHARS characters of that (Chinese
has no spaces to split words at); two reports' similarity is the Jaccard
index of their shingle sets.

Finding candidates among thousands of reports uses MinHash signatures cut
into bands (locality-sensitive hashing): reports that share a band are
compared exactly. The signature is one-permutation MinHash (each shingle's
hash goes to one of SIGNATURE_SIZE bins, keeping each bin's minimum, empty
bins filled from the next one): one hash per shingle, in plain Python, where
classic MinHash would need one per shingle and permutation.
"""

from __future__ import annotations

import difflib
import hashlib
import struct
import unicodedata
from collections.abc import Iterable

from reports.parsing import (
    HEADING_RE,
    MENTOR_REVIEW_TITLES,
    TEMPLATE_SECTIONS,
    clean_title,
    normalize_text,
    plain_line,
)

SHINGLE_CHARS = 5
# Fewer shingles than this (a report that says little) is not compared at all.
MIN_SHINGLES = 40
SIGNATURE_SIZE = 64
ROWS_PER_BAND = 4  # 16 bands: pairs at Jaccard 0.7 share one with probability 0.98
# Sections whose words are not the student's own work, or name them.
SKIPPED_SECTIONS = (
    *TEMPLATE_SECTIONS["name"],
    *TEMPLATE_SECTIONS["project"],
    *MENTOR_REVIEW_TITLES,
)
MASK_64 = (1 << 64) - 1


def _word_chars(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if unicodedata.category(char)[0] in "LN")


def comparable_text(body: str, template: str, names: Iterable[str]) -> str:
    """What of the report the student wrote, as letters and digits."""
    template_lines = {
        _word_chars(plain_line(line)) for line in normalize_text(template).split("\n")
    } - {""}
    kept: list[str] = []
    skipping_level = 0
    in_fence = False
    for line in normalize_text(body).split("\n"):
        if line.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
        heading = None if in_fence else HEADING_RE.match(line)
        if heading:
            level = len(heading["hashes"])
            if skipping_level and level > skipping_level:
                continue
            title = clean_title(heading["title"])
            skipping_level = level if any(t in title for t in SKIPPED_SECTIONS) else 0
            continue
        if skipping_level:
            continue
        text = _word_chars(plain_line(line))
        if text and text not in template_lines:
            kept.append(text)
    joined = "".join(kept)
    for name in sorted({_word_chars(name) for name in names} - {""}, key=len, reverse=True):
        joined = joined.replace(name, "")
    return joined


def shingles(text: str) -> set[int]:
    """The 64-bit hashes of the text's runs of SHINGLE_CHARS characters."""
    return {
        int.from_bytes(
            hashlib.blake2b(text[i : i + SHINGLE_CHARS].encode(), digest_size=8).digest(), "big"
        )
        for i in range(max(len(text) - SHINGLE_CHARS + 1, 0))
    }


def jaccard(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def signature(hashes: set[int]) -> list[int]:
    """One-permutation MinHash with rotation for empty bins."""
    bins: list[int | None] = [None] * SIGNATURE_SIZE
    for value in hashes:
        slot, rest = value % SIGNATURE_SIZE, value // SIGNATURE_SIZE
        current = bins[slot]
        if current is None or rest < current:
            bins[slot] = rest
    if all(value is None for value in bins):
        return []
    filled = list(bins)
    for slot in range(SIGNATURE_SIZE):
        offset = 1
        while filled[slot] is None:
            # A constant per distance keeps borrowed values apart from real ones.
            source = bins[(slot + offset) % SIGNATURE_SIZE]
            if source is not None:
                filled[slot] = (source + offset * 0x9E3779B97F4A7C15) & MASK_64
            offset += 1
    return [value for value in filled if value is not None]


def bands(hashes: set[int]) -> list[int]:
    """The signature's bands, each hashed to a signed 64-bit number (a column)."""
    values = signature(hashes)
    found = []
    for band, start in enumerate(range(0, len(values), ROWS_PER_BAND)):
        packed = struct.pack(f">H{ROWS_PER_BAND}Q", band, *values[start : start + ROWS_PER_BAND])
        digest = hashlib.blake2b(packed, digest_size=8).digest()
        found.append(int.from_bytes(digest, "big", signed=True))
    return found


def shared_passages(
    a: str, b: str, *, min_chars: int = 12
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where `a` and `b` say the same at length: the spans (start, end) of each
    that the other also has, at least `min_chars` long."""
    matcher = difflib.SequenceMatcher(None, a.casefold(), b.casefold(), autojunk=False)
    spans_a, spans_b = [], []
    for block in matcher.get_matching_blocks():
        if block.size >= min_chars:
            spans_a.append((block.a, block.a + block.size))
            spans_b.append((block.b, block.b + block.size))
    return spans_a, spans_b
