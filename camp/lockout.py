"""Sign-in lockout that stops guessing without locking the wrong people out.

django-axes counts failures per set of AXES_LOCKOUT_PARAMETERS and, out of the
box, locks when any set reaches one limit. Locking per account alone would let
anyone lock a mentor out for everyone by typing five wrong passwords; per
address alone would lock a whole classroom behind one NAT address. So a
(username, address) pair is locked after AXES_FAILURE_LIMIT failures, and an
address after the much higher AXES_ADDRESS_FAILURE_LIMIT failures over any
usernames (someone trying many accounts).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class PairAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Failures as axes compares them with AXES_FAILURE_LIMIT: the pair's own,
        or the limit itself once the address has reached its higher limit.
        settings.AXES_LOCKOUT_PARAMETERS lists the pair first, the address second."""
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair
