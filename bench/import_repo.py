"""Benchmark: import the real camp bundle into an empty PostgreSQL database, then rerun.

    make bench-import   # DATABASE_URL must point at PostgreSQL; the bench uses
                        # its own database next to it (bench_import), dropped first.

Times the real command (`manage.py import_repo`, process start-up included), as
wall-clock and as CPU time (the machine may be shared: the CPU time is the
steadier figure).
Targets on a 2-core machine: full import under 30 s, no-op rerun under 5 s.
"""

from __future__ import annotations

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
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the bench creates bench_import there).")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/bench_import"))


def recreate(url: str) -> None:
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS bench_import")
        connection.execute("CREATE DATABASE bench_import")


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
    failed = False
    for label in TARGETS:
        elapsed, cpu, out = manage(env, "import_repo", str(bundle))
        verdict = "ok" if elapsed < TARGETS[label] else "TOO SLOW"
        failed |= elapsed >= TARGETS[label]
        print(
            f"{label:12s} {elapsed:6.2f} s wall, {cpu:5.2f} s CPU, including git and Python "
            f"start-up (target < {TARGETS[label]:.0f} s, {verdict})"
        )
        print("             " + "\n             ".join(out.splitlines()[:2]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
