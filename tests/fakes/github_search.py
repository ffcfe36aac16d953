"""How GitHub's issue search reads a query, for the fake GitHub (tests/fakes/github.py).

Since issue search became the advanced search (GitHub changelog 2025-03-06,
"API support for issues advanced search"; the default of /search/issues from
2025-09-04, quoted in clearfeed/quix#183 and hub4j/github-api#2115):

- terms separated by spaces are ANDed, `repo:` included: `repo:a/x repo:b/y`
  finds nothing. cli/cli `pkg/search/query.go` (AdvancedIssueSearchString:
  "the advanced issue search does not OR repeated instances of special
  qualifiers (i.e. is:private/public, repo:, user:, or in:)", so it writes
  `(repo:a/x OR repo:b/y)`); microsoft/vscode#252667 and its fix PR
  (2026-05-20: "spaces between repo: filters are now treated as AND
  operators"). GitHub's own page "Filtering and searching issues and pull
  requests" still says spaces between `repo:` OR and that `repo:` cannot go
  in parentheses: it describes the web filter bar, and the API behaves as
  cli/cli and VS Code found;
- `OR` and `AND` combine terms, parentheses group them, AND binding tighter
  than OR (cli/cli#12264: `--repo cli/cli label:bug OR label:enhancement`
  returned issues of every repository, i.e. `(repo:cli/cli label:bug) OR
  label:enhancement`), nested at most five levels ("You can nest filters using
  parentheses up to five levels deep");
- at most five AND, OR or NOT operators, else "Validation Failed" (REST
  "Search", "Limitations on query length");
- `-qualifier:value` excludes.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

OPERATORS = ("AND", "OR", "NOT")
MAX_OPERATORS = 5
MAX_NESTING = 5
# A qualifier with a quoted value (label:"in progress"), a parenthesis, or a word.
TOKEN_RE = re.compile(r'\(|\)|-?[\w.-]+:"[^"]*"|[^\s()]+')


class QueryError(ValueError):
    """What GitHub answers 422 "Validation Failed" for."""


@dataclass(frozen=True)
class Term:
    key: str
    value: str
    negated: bool = False


@dataclass(frozen=True)
class Node:
    op: str  # "AND", "OR", "NOT"
    children: tuple[Node | Term, ...]


Expression = Node | Term


def parse(query: str) -> Expression:
    tokens = TOKEN_RE.findall(query)
    if sum(1 for token in tokens if token in OPERATORS) > MAX_OPERATORS:
        raise QueryError("More than five AND / OR / NOT operators.")
    parser = _Parser(tokens)
    expression = parser.or_expression(depth=0)
    if parser.position != len(tokens):
        raise QueryError(f"Unexpected {tokens[parser.position]!r} in the query.")
    return expression


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def or_expression(self, depth: int) -> Expression:
        parts = [self.and_expression(depth)]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expression(depth))
        return parts[0] if len(parts) == 1 else Node("OR", tuple(parts))

    def and_expression(self, depth: int) -> Expression:
        parts = [self.unary(depth)]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.unary(depth))
        return parts[0] if len(parts) == 1 else Node("AND", tuple(parts))

    def unary(self, depth: int) -> Expression:
        token = self.peek()
        if token is None or token in (")", "AND", "OR"):
            raise QueryError(f"Expected a term, found {token!r}.")
        if token == "NOT":
            self.take()
            return Node("NOT", (self.unary(depth),))
        if token == "(":
            if depth + 1 > MAX_NESTING:
                raise QueryError("Parentheses nested more than five levels deep.")
            self.take()
            inner = self.or_expression(depth + 1)
            if self.peek() != ")":
                raise QueryError("Unbalanced parentheses.")
            self.take()
            return inner
        self.take()
        negated = token.startswith("-")
        key, colon, value = token.lstrip("-").partition(":")
        if not colon:
            raise QueryError(f"The fake searches qualifiers only, not the text {token!r}.")
        return Term(key.lower(), value.strip('"'), negated)


def terms(expression: Expression) -> list[Term]:
    if isinstance(expression, Term):
        return [expression]
    return [term for child in expression.children for term in terms(child)]


def repositories_required(expression: Expression) -> set[str] | None:
    """The repositories (lower case) outside which nothing can match, or None
    when the query may match in any: only which repositories to look in."""
    if isinstance(expression, Term):
        if expression.key == "repo" and not expression.negated:
            return {expression.value.lower()}
        return None
    if expression.op == "NOT":
        return None
    parts = [repositories_required(child) for child in expression.children]
    if expression.op == "AND":
        bounded = [part for part in parts if part is not None]
        return set.intersection(*bounded) if bounded else None
    return set.union(*parts) if all(part is not None for part in parts) else None


def evaluate(expression: Expression, test: Callable[[Term], bool]) -> bool:
    """Whether an item matches: `test` answers one term (negation aside)."""
    if isinstance(expression, Term):
        return test(expression) != expression.negated
    if expression.op == "AND":
        return all(evaluate(child, test) for child in expression.children)
    if expression.op == "OR":
        return any(evaluate(child, test) for child in expression.children)
    return not evaluate(expression.children[0], test)


@functools.lru_cache(maxsize=100_000)
def moment(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _bound(text: str, *, upper: bool) -> datetime.datetime:
    """A date or a date-time of a search range; a bare date counts in UTC, whole."""
    if "T" in text:
        return moment(text)
    day = datetime.date.fromisoformat(text)
    at = datetime.datetime.combine(day, datetime.time.max if upper else datetime.time.min)
    return at.replace(tzinfo=datetime.UTC)


def in_range(stamp: str, qualifier: str) -> bool:
    """GitHub's range syntax: A..B (both inclusive, * open), >=A, <=B, >A, <B, or a day."""
    at = moment(stamp)
    if ".." in qualifier:
        low, high = qualifier.split("..", 1)
        return (low == "*" or at >= _bound(low, upper=False)) and (
            high == "*" or at <= _bound(high, upper=True)
        )
    for op in (">=", "<=", ">", "<"):
        if qualifier.startswith(op):
            bound = _bound(qualifier[len(op) :], upper=op in ("<=", ">"))
            return {">=": at >= bound, "<=": at <= bound, ">": at > bound, "<": at < bound}[op]
    try:
        return _bound(qualifier, upper=False) <= at <= _bound(qualifier, upper=True)
    except ValueError as exc:
        raise QueryError(f"not a date range: {qualifier!r}") from exc
