"""`--json` output of a command is pure JSON on stdout: logs and console e-mail
go to stderr. Run as a person would, in a process of its own with the default
settings (console e-mail, logs on stdout), on a SQLite file of its own."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from camp.logging import logs_to_stderr

ROOT = Path(__file__).resolve().parents[2]


def manage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'camp.sqlite3'}",
        "CAMP_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test-only",
        "DEBUG": "0",
        "LOG_LEVEL": "INFO",
        "EMAIL_URL": "consolemail://",
    }
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_send_reminders_json_keeps_console_email_out_of_stdout(tmp_path):
    manage(tmp_path, "migrate", "-v", "0")
    manage(tmp_path, "seed_demo")  # a demo whose mentors are due a reminder now
    result = manage(tmp_path, "send_reminders", "--json")
    payload = json.loads(result.stdout)
    sent = [n for n in payload["notifications"] if n["channel"] == "email"]
    assert sent, "the demo has e-mails to send"
    assert "Subject:" in result.stderr and "Subject:" not in result.stdout


def test_logs_to_stderr_moves_stdout_handlers_only():
    logger = logging.getLogger("tests.json_output")
    to_stdout = logging.StreamHandler(sys.stdout)
    to_file = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    logger.addHandler(to_stdout)
    logger.addHandler(to_file)
    try:
        logs_to_stderr()
        assert to_stdout.stream is sys.stderr
        assert to_file.stream is not sys.stderr
    finally:
        logger.removeHandler(to_stdout)
        logger.removeHandler(to_file)
        to_file.stream.close()
