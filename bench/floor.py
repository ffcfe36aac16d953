"""The floor a benchmark divides its figures by: the database work alone.

A measured operation's SQL is captured (CaptureQueriesContext, as the overview
benchmark does) and then replayed without the Python around it: the same
statements, one cursor, every row fetched, median wall time of several runs.
`figure / floor` then says how many times the database's own work the
operation costs (building, rendering, HTTP to the fake GitHub, waits...).

Operations that only read are replayed as they are. Operations that write are
captured in a rehearsal: the operation run once inside a transaction that is
rolled back (`rehearse`), so the database is left as it was and the captured
statements can be replayed on the very state they ran in, each replay again in
a transaction rolled back (`floor(..., rollback=True)`). Replaying what a real,
committed run wrote would collide with the rows it created. PostgreSQL
sequences do not roll back, so they are put back after the rehearsal and
before each replay: the replayed INSERTs get the ids the rehearsal's later
statements name. A replay commits nothing, so a real run's COMMITs (and their
flush to disk) are outside the floor.
"""

from __future__ import annotations

import collections
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from io import StringIO
from pathlib import Path
from typing import TypeVar

import django
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

RUNS = 20
T = TypeVar("T")

# How Django's debug cursor logs an executemany(): one entry, not the statements.
EXECUTEMANY_RE = re.compile(r"^\d+ times: ")
# Statements that change nothing, so a read-only operation may run them.
READ_RE = re.compile(r"^\s*(SELECT|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@contextmanager
def captured_queries() -> Iterator[list[str]]:
    """The SQL run inside the block, as the list the block's end fills in.

    CaptureQueriesContext reads Django's query log, which keeps the last 9,000
    queries only; a big operation runs more, so the log is unbounded meanwhile.
    """
    queries: list[str] = []
    bounded = connection.queries_log
    connection.queries_log = collections.deque(bounded)
    try:
        with CaptureQueriesContext(connection) as context:
            yield queries
        # Read before the bounded log is back: captured_queries reads the log.
        queries.extend(query["sql"] for query in context.captured_queries)
    finally:
        connection.queries_log = bounded
    replayable(queries)


def capture(function: Callable[[], T]) -> tuple[T, list[str]]:
    """Run `function` and return its result and the SQL it ran."""
    with captured_queries() as queries:
        result = function()
    return result, queries


def rehearse(function: Callable[[], object]) -> list[str]:
    """The SQL `function` runs, captured in a transaction that is rolled back;
    PostgreSQL's sequences are put back as they were before it."""
    sequences = _sequences()
    try:
        with transaction.atomic(), captured_queries() as queries:
            function()
            transaction.set_rollback(True)
    finally:
        _restore(sequences)
    return queries


def floor(queries: list[str], runs: int = RUNS, *, rollback: bool = False) -> float:
    """Median wall seconds of running the queries alone, every row fetched.

    Without rollback the statements run as the operation ran them (autocommit);
    they must not write. With rollback each run is a transaction rolled back,
    begun on the same sequences, so the replay writes and then leaves nothing.
    """
    if not rollback:
        writes = [sql for sql in queries if not READ_RE.match(sql)]
        if writes:
            raise ValueError(f"a replay outside a transaction would write: {writes[0][:200]}")
    sequences = _sequences() if rollback else []
    times = []
    for _ in range(runs):
        if rollback:
            _restore(sequences)
        with transaction.atomic() if rollback else nullcontext():
            # Time the statements only: not BEGIN and ROLLBACK, which the
            # operation itself ran differently (or not at all).
            started = time.perf_counter()
            _run(queries)
            times.append(time.perf_counter() - started)
            if rollback:
                transaction.set_rollback(True)
    if rollback:
        _restore(sequences)
    return statistics.median(times)


def median_seconds(function: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall seconds of `runs` calls of `function`, after one warm-up call."""
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def duration(seconds: float) -> str:
    """A time as people read it: "8.2 ms", "123 ms", "3.45 s"."""
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def with_floor(seconds: float, floor_seconds: float) -> str:
    """A figure and its ratio to the floor: "123 ms  4.1x floor"."""
    return f"{duration(seconds)}  {seconds / floor_seconds:.1f}x floor"


def replayable(queries: list[str]) -> None:
    """Refuse a capture that cannot be replayed statement by statement."""
    for sql in queries:
        if sql is None or EXECUTEMANY_RE.match(sql):
            raise ValueError(f"cannot replay this logged query alone: {str(sql)[:200]}")


def _run(queries: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()


def _sequences() -> list[tuple[str, int, bool]]:
    """PostgreSQL's sequences as setval() takes them back (name, value, is_called);
    SQLite's counters live in a table, which a rollback restores by itself."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%I.%I', schemaname, sequencename),"
            " coalesce(last_value, start_value), last_value IS NOT NULL FROM pg_sequences"
        )
        return list(cursor.fetchall())


def _restore(sequences: list[tuple[str, int, bool]]) -> None:
    if not sequences:
        return
    with connection.cursor() as cursor:
        for name, value, is_called in sequences:
            cursor.execute("SELECT setval(%s::regclass, %s, %s)", [name, value, is_called])


def main() -> None:
    """`python bench/floor.py [--runs N] COMMAND [ARGS...]`: the floor of a
    management command that another process times (bench/import_repo.py).
    Rehearses the command here, rolled back, replays its SQL, and prints
    {"floor": seconds, "statements": count} as JSON on the last line."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "camp.settings")
    django.setup()
    args = sys.argv[1:]
    runs = RUNS
    if args[:1] == ["--runs"]:
        runs, args = int(args[1]), args[2:]
    queries = rehearse(lambda: call_command(*args, stdout=StringIO()))
    print(json.dumps({"floor": floor(queries, runs, rollback=True), "statements": len(queries)}))


if __name__ == "__main__":
    main()
