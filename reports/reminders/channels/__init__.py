"""The ways a reminder reaches someone: `email`, `chat` (a cohort's group chat
webhook) and `github` (a comment on the period's summary issue). Each module
has a `send` that raises DeliveryError when the message did not go out."""

from __future__ import annotations

import datetime


class DeliveryError(Exception):
    """A channel could not deliver. Transient errors are retried with backoff, or
    at `retry_at` when the service said when (a rate limit); permanent ones (a
    refused address, a misconfigured webhook) are not."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_at: datetime.datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_at = retry_at
