"""`make test` says why tests were skipped and how to run them."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import skip_remedies

ROOT = Path(__file__).resolve().parents[1]


def test_reasons_are_grouped_by_what_they_need():
    counts = skip_remedies(
        [
            "no chromium at /usr/bin/chromium",
            "needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
            "real concurrency needs PostgreSQL",
            "something else",
        ]
    )
    assert {remedy.split(":")[0]: n for remedy, n in counts.items()} == {
        "need Debian's chromium at /usr/bin/chromium (browser tests; apt-get install chromium, "
        "Playwright drives it and downloads nothing)": 1,
        "need PostgreSQL": 2,
        "need Redis": 1,
        "skipped": 1,
    }


def test_the_summary_of_a_run_on_sqlite_says_how_to_run_the_postgres_tests(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(SECRET_KEY="test-only", CAMP_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "concurrent",
            "tests/core/test_constraints.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "why tests were skipped, and how to run them" in result.stdout
    assert "export DATABASE_URL=postgres://" in result.stdout
