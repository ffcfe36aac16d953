"""E-mail printed to the console goes to stderr: a command's stdout carries its
result (`--json` must stay pure JSON), and `make run` shows both streams."""

from __future__ import annotations

import sys

from django.core.mail.backends.console import EmailBackend


class StderrConsoleEmailBackend(EmailBackend):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)
