"""Request ids: one per request, in every log line and in the response."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from camp.logging import request_id_var

logger = logging.getLogger("camp.request")

# A proxy's id is kept only when it looks like an id: anything else could forge log lines.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Container probes hit these every few seconds; keep them out of INFO logs.
_PROBE_PATHS = {"/healthz", "/readyz"}


class RequestIdMiddleware:
    """Takes X-Request-ID from the proxy (or makes one), makes it the request id of
    every log line written while the request runs, returns it as X-Request-ID, and
    logs one line per request. Goes first, so redirects and errors carry it too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Cleared on request_finished, not here: Django logs 4xx/5xx responses
        # ("django.request") after the middleware has returned.
        request_id_var.set(request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        logger.log(
            logging.DEBUG if request.path in _PROBE_PATHS else logging.INFO,
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def clear_request_id(**kwargs) -> None:
    request_id_var.set(None)


request_finished.connect(clear_request_id, dispatch_uid="camp.middleware.clear_request_id")
