"""Personal API tokens for DRF: `Authorization: Bearer <token>`, and a throttle
that limits what a token client may do per hour (browsers on a session are not
throttled: they are people clicking, not scripts)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from redis.exceptions import RedisError
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from camp.models import ApiToken, User
from camp.tokens import find_token

KEYWORD = b"bearer"

logger = logging.getLogger(__name__)


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Malformed Authorization header: use 'Bearer <token>'."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(_("Invalid or revoked API token.")) from exc
        token = find_token(secret)
        if token is None:
            raise AuthenticationFailed(_("Invalid or revoked API token."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from /account/tokens/.",
        }


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Per user, so that several tokens do not multiply the allowance."""

    scope = "api_token"

    def get_cache_key(self, request: Request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

    def allow_request(self, request: Request, view) -> bool:
        """The counts live in the cache; with the cache away (Redis down) the
        request goes through unthrottled rather than failing: the limit is a
        guard against runaway scripts, the answer is what the caller came for."""
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("API throttle skipped, the cache is unreachable: %s", exc)
            return True
