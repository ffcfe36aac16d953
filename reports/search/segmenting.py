"""Cutting text into the tokens the full-text index keeps, the same way for
the documents and the query, on PostgreSQL and SQLite alike.

Chinese is written without spaces, so a word cannot be told from its
neighbours without a dictionary. Instead every run of Chinese (and Japanese,
Korean) characters is cut into overlapping pairs: 深度学习 is 深度 度学 学习.
Any text of two or more such characters is then a phrase of pairs, found
exactly where it occurs, with no dictionary to disagree with the writer (the
bigram analysers of Lucene and Elasticsearch do the same). Other words are
kept whole, case-folded, and a query's last word matches as a prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# The scripts written without spaces between words.
CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2FA1F),  # Extensions B..F, compatibility supplement
)
# A token longer than this is no word anyone searches for (a hash, a URL's path).
MAX_TOKEN_CHARS = 100


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def _runs(text: str) -> list[tuple[str, bool]]:
    """Maximal runs of word characters, split where CJK meets other letters:
    (run, is_cjk)."""
    runs: list[tuple[str, bool]] = []
    current: list[str] = []
    current_cjk = False
    for char in unicodedata.normalize("NFKC", text):
        if not _is_word_char(char):
            if current:
                runs.append(("".join(current), current_cjk))
                current = []
            continue
        cjk = is_cjk(char)
        if current and cjk != current_cjk:
            runs.append(("".join(current), current_cjk))
            current = []
        current.append(char)
        current_cjk = cjk
    if current:
        runs.append(("".join(current), current_cjk))
    return runs


def tokens(text: str) -> list[str]:
    """The tokens of `text`, in order: CJK runs as overlapping pairs (a lone
    character as itself), other words case-folded."""
    found: list[str] = []
    for run, cjk in _runs(text):
        if cjk:
            if len(run) == 1:
                found.append(run)
            else:
                found.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            found.append(run.casefold()[:MAX_TOKEN_CHARS])
    return found


def document_tokens(text: str) -> str:
    """What the index reads: the tokens in order, separated by spaces. SQLite's
    FTS5 (unicode61) and PostgreSQL's to_tsvector('simple', ...) both read
    these back as the same tokens at the same positions: they are letters and
    digits only, already case-folded, so neither parser (nor the database's
    locale) has anything left to decide."""
    return " ".join(tokens(text))


@dataclass(frozen=True)
class Term:
    """One word of a query, as typed (`text`) and as tokens; the last token
    matches as a prefix when it is not Chinese."""

    text: str
    tokens: tuple[str, ...]
    prefix: bool

    @property
    def indexable(self) -> bool:
        """Found through the index: anything but a lone CJK character."""
        lone = len(self.tokens) == 1 and len(self.tokens[0]) == 1 and is_cjk(self.tokens[0])
        return bool(self.tokens) and not lone


SPACE_RE = re.compile(r"\s+")


def query_terms(query: str) -> list[Term]:
    """The words of a query (split at spaces), each with its tokens."""
    terms = []
    for word in SPACE_RE.split(query.strip()):
        found = tokens(word)
        if not found:
            continue
        runs = _runs(word)
        terms.append(Term(word, tuple(found), prefix=not runs[-1][1]))
    return terms


def postgres_query(terms: list[Term]) -> str:
    """The text of a tsquery for to_tsquery('simple', ...): each term a phrase
    (<->) whose last token may be a prefix (:*), all of them (&)."""
    phrases = []
    for term in terms:
        parts = [f"'{token}'" for token in term.tokens]
        if term.prefix:
            parts[-1] += ":*"
        phrases.append("(" + " <-> ".join(parts) + ")")
    return " & ".join(phrases)


def sqlite_query(terms: list[Term]) -> str:
    """An FTS5 query: each term a phrase, the last token a prefix, all of them."""
    phrases = []
    for term in terms:
        phrase = '"' + " ".join(term.tokens) + '"'
        if term.prefix:
            phrase += "*"
        phrases.append(phrase)
    return " AND ".join(phrases)
