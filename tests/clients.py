"""Signed-in test clients, for every test that walks the pages as someone."""

from __future__ import annotations

from django.test import Client

from camp.models import User


def signed_in(user: User, client: Client | None = None, *, language: str | None = "en") -> Client:
    """`client` (a new one unless given) signed in as `user`, reading the pages
    in `language` (None: the site's default, zh-hans)."""
    client = client or Client()
    if language is not None:
        client.cookies["django_language"] = language
    client.force_login(user)
    return client
