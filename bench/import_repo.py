"""Benchmark: import the real camp bundle into an empty PostgreSQL database, then rerun.

    make bench-import   # DATABASE_URL must point at PostgreSQL; the bench uses
                        # its own database next to it (bench_import), dropped first.
    BENCH_IMPORT_DATABASE_URL=postgres://.../other make bench-import   # that database instead

Times the real command (`manage.py import_repo`, process start-up included), as
wall-clock and as CPU time (the machine may be shared: the CPU time is the
steadier figure).
Targets on a 2-core machine: full import under 30 s, no-op rerun under 5 s.

Beside the wall-clock time, its ratio to a floor measured in the same run,
just before each timed command and on the same database state: the SQL that
`import_repo` runs, replayed alone. `python bench/floor.py import_repo BUNDLE`
rehearses the command in a transaction that is rolled back, capturing its
statements (CaptureQueriesContext), then replays them on one cursor with every
row fetched, each replay in a transaction rolled back, median of FLOOR_RUNS
(bench/floor.py). The floor leaves out what the timed command does besides its
SQL: Python and Django start-up, reading the bundle with git, parsing, and the
COMMIT of its one transaction.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"full import": 30.0, "no-op rerun": 5.0}
FLOOR_RUNS = 5


def corpus_bundle() -> Path:
    for candidate in (
        os.environ.get("CAMP_CORPUS_DIR"),
        ROOT.parent / "shared" / "corpus",
        "/work/shared/corpus",
    ):
        if candidate and (Path(candidate) / "camp-weekly-reports.bundle").is_file():
            return Path(candidate) / "camp-weekly-reports.bundle"
    sys.exit("No corpus: set CAMP_CORPUS_DIR to the folder holding camp-weekly-reports.bundle.")


def bench_database_url() -> str:
    """BENCH_IMPORT_DATABASE_URL, or bench_import on the server DATABASE_URL names."""
    base = os.environ.get("BENCH_IMPORT_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the bench creates bench_import there).")
    if os.environ.get("BENCH_IMPORT_DATABASE_URL"):
        return base
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/bench_import"))


def recreate(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def floor(env: dict, bundle: Path) -> tuple[float, int]:
    """(median seconds, statement count) of the import's SQL replayed alone, in
    a process of its own (bench/floor.py), on the database as it is now."""
    done = subprocess.run(
        [sys.executable, "bench/floor.py", "--runs", str(FLOOR_RUNS), "import_repo", str(bundle)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"bench/floor.py import_repo failed:\n{done.stderr}")
    measured = json.loads(done.stdout.splitlines()[-1])
    return measured["floor"], measured["statements"]


def manage(env: dict, *args: str) -> tuple[float, float, str]:
    """Run manage.py; its wall-clock time, its CPU time (user + system), its output."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return elapsed, _children_cpu() - cpu_before, done.stdout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    bundle = corpus_bundle()
    url = bench_database_url()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")}
    recreate(url)
    manage(env, "migrate", "--noinput", "-v", "0")
    print(f"bundle: {bundle}\ndatabase: {url}")
    print(f"x floor: the wall time divided by the import's SQL alone (median of {FLOOR_RUNS})")
    failed = False
    for label in TARGETS:
        base, statements = floor(env, bundle)
        elapsed, cpu, out = manage(env, "import_repo", str(bundle))
        verdict = "ok" if elapsed < TARGETS[label] else "TOO SLOW"
        failed |= elapsed >= TARGETS[label]
        print(
            f"{label:12s} {elapsed:6.2f} s wall  {elapsed / base:5.1f}x floor, {cpu:5.2f} s CPU, "
            f"including git and Python start-up (target < {TARGETS[label]:.0f} s, {verdict})"
        )
        print(f"             floor {base:.3f} s: {statements} statements replayed")
        print("             " + "\n             ".join(out.splitlines()[:2]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
