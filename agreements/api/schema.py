"""The OpenAPI document's shared parts: the token scheme, and the error answers every operation
may give (so a client, and schemathesis, know them)."""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in your language."},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "Per field, for invalid input."},
    },
    "required": ["detail", "code"],
}
ERRORS = {
    "400": "The values sent are not valid (see `errors`).",
    "401": "No valid session or token.",
    "403": "You may not do this (the reason is in `detail`), or the token is read-only.",
    "404": "Not found, or not yours to see.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "415": "Send JSON.",
    "429": "Too many requests with this token: wait the seconds in Retry-After.",
}
WRITE_ERRORS = {
    "409": "Refused by the workflow: `detail` says why.",
    "412": "Stale: the agreement changed since the version in If-Match.",
    "428": "If-Match is missing.",
}


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "agreements.api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "trk_…",
                "description": "A personal API token, made on your preferences page."}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            extra = dict(ERRORS)
            if method in ("post", "put", "patch", "delete"):
                extra.update(WRITE_ERRORS)
            for code, text in extra.items():
                answers.setdefault(code, {"description": text, "content": {"application/json": {"schema": ref}}})
            if "409" in answers and "content" not in answers["409"]:
                answers["409"]["content"] = {"application/json": {"schema": ref}}
    return result


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "agreements.api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid",
                "description": "The browser's sign-in; writes also need the CSRF token (X-CSRFToken)."}
