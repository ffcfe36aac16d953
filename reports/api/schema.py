"""OpenAPI post-processing: document the error responses every endpoint can give.

drf-spectacular describes the successful responses only; clients (and the
schema tests) must also know the shape of 400/401/403/404/429 bodies."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Messages by field name; `non_field_errors` for the input as a whole.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
WRITE_METHODS = {"post", "put", "patch"}


def _response(description: str, component: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def add_error_responses(result: dict, generator, request, public) -> dict:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["ValidationError"] = VALIDATION_ERROR
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            takes_input = method in WRITE_METHODS or any(p["in"] == "query" for p in parameters)
            if takes_input:
                responses.setdefault("400", _response("Invalid input.", "ValidationError"))
            responses.setdefault("401", _response("Not signed in, or a bad token.", "Error"))
            responses.setdefault("403", _response("Not allowed.", "Error"))
            if (
                "{" in path
                or method in WRITE_METHODS
                or any(p["name"] == "page" for p in parameters)
            ):
                responses.setdefault("404", _response("Not found, or not yours to see.", "Error"))
            responses.setdefault("429", _response("Too many requests from this token.", "Error"))
    return result
