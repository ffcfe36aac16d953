"""Errors of the API that DRF would otherwise leave to Django's HTML pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus a body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django raises
    RequestDataTooBig when the view first reads request.data, and DRF, not knowing
    it, would let Django answer with its HTML 400 page. A malformed body answers
    in the shape the schema promises for bad input."""
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            _("The request body is larger than %(limit)s, the most the API accepts.")
            % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
        )
    if isinstance(exc, ParseError):
        # A body that is not JSON is bad input like any other: the schema's 400
        # is a map of messages by field (reports.api.schema VALIDATION_ERROR).
        exc = ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [exc.detail]})
    return drf_exception_handler(exc, context)
