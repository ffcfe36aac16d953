"""Links that arrive in GitHub payloads (comments, issues, pull requests) are
stored only when they point at the configured GitHub web host over https: a
signed delivery still carries text its author chose, and these links are
rendered as <a href> in the admin and returned by the API."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def trusted_github_url(value: object) -> str:
    """`value` when it is an https URL on settings.GITHUB_WEB_URL's host, else ""."""
    if not isinstance(value, str) or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return ""
    allowed = urlsplit(settings.GITHUB_WEB_URL)
    try:
        url = urlsplit(value)
        port = url.port
    except ValueError:
        return ""
    if url.scheme != "https" or url.username is not None or url.password is not None:
        return ""
    if (url.hostname or "") != (allowed.hostname or "").lower() or port != allowed.port:
        return ""
    return value
