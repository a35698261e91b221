"""The REST API's contract: JSON Schemas that both validate requests and make the OpenAPI document.

A view declares its operation with ``@operation(...)``; ``openapi_document(app)`` walks the URL
map, so the document always lists exactly the routes that exist.
"""

from __future__ import annotations

import re
from functools import wraps

import jsonschema
from flask import Flask, abort, g, jsonify, request

from app import validation as v

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
STANDARD_ERRORS = {
    "400": "Bad request",
    "401": "Missing or invalid token",
    "403": "Not allowed",
    "404": "Not found",
    "422": "Validation failed",
    "429": "Too many requests with a token that is not valid; see Retry-After",
}


def string_list(max_items: int = 30, max_length: int = 60) -> dict:
    return {
        "type": "array",
        "maxItems": max_items,
        "items": {"type": "string", "maxLength": max_length},
    }


FILE_RESPONSES = {
    "200": {
        "description": "The file",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    "302": {"description": "With S3 storage: a short-lived presigned address of the file"},
    "304": {"description": "Not modified: the client's copy (If-None-Match) is current"},
}


def operation(
    summary: str,
    *,
    body: dict | None = None,
    response: dict | None = None,
    status: int = 200,
    query: dict | None = None,
    tag: str = "partners",
    upload: tuple[str, ...] = (),
    file: bool = False,
):
    """Declare an API operation; validates the JSON body against ``body`` before the view runs.

    UPLOAD: the media types of a raw request body (a file; its bytes in ``g.api_upload``).
    FILE: the operation answers with a file (see ``app.web.file_response``), not JSON.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if upload:
                if request.mimetype not in upload:
                    abort(
                        400,
                        f"Send the file as the request body, with Content-Type "
                        f"{' or '.join(upload)}.",
                    )
                g.api_upload = request.get_data()
            if body is not None:
                data = json_body()
                # the depth is bounded (json_body), so no error's text recurses too deep
                errors = sorted(jsonschema.Draft7Validator(body).iter_errors(data), key=str)
                if errors:
                    fields = {_field_name(e.absolute_path): e.message for e in errors}
                    return jsonify(
                        error={"code": 422, "message": "Validation failed", "fields": fields}
                    ), 422
                g.api_body = data
            return view(*args, **kwargs)

        wrapped.api_operation = {
            "summary": summary,
            "body": body,
            "response": response,
            "status": status,
            "query": query or {},
            "tag": tag,
            "upload": upload,
            "file": file,
        }
        return wrapped

    return decorator


def json_body():
    """The request's JSON document: 400 for what is not JSON or nests too deeply, and
    ValidationFailed (422, each field by its path) for keys or strings that are not text;
    all before any schema or view sees it."""
    if not request.is_json:
        abort(400, "The request body must be JSON (Content-Type: application/json).")
    try:
        data = v.parse_json(request.get_data(cache=True))
    except v.Invalid as exc:
        abort(400, str(exc))
    if data is None:
        abort(400, "The request body must be JSON (Content-Type: application/json).")
    return data


def _field_name(path) -> str:
    return ".".join(str(p) for p in path) or "body"


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


PUBLIC_PREFIX = "/api/public/v1"


def openapi_document(app: Flask, prefixes: tuple[str, ...] = ("/api/v1", PUBLIC_PREFIX)) -> dict:
    paths: dict = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        spec = getattr(view, "api_operation", None)
        if spec is None or not rule.rule.startswith(prefixes):
            continue
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        parameters = [
            {
                "name": m.group(2),
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
                if m.group(1) == "int"
                else {"type": "string"},
            }
            for m in _CONVERTER.finditer(rule.rule)
        ]
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in spec["query"].items()
        ]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {
                "operationId": rule.endpoint.replace(".", "_"),
                "summary": spec["summary"],
                "tags": [spec["tag"]],
                "parameters": parameters,
                "responses": {
                    str(spec["status"]): {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": spec["response"] or {"type": "object"}}
                        },
                    },
                    **{
                        code: {
                            "description": text,
                            "content": {"application/json": {"schema": ERROR}},
                        }
                        for code, text in STANDARD_ERRORS.items()
                    },
                },
            }
            if spec["file"]:
                op["responses"].update(FILE_RESPONSES)
            if rule.rule.startswith(PUBLIC_PREFIX):  # no token; answers cached by ETag
                op["security"] = []
                op["responses"]["304"] = {"description": "Not modified (If-None-Match)"}
            if spec["body"] is not None:
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": spec["body"]}},
                }
            if spec["upload"]:
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        media: {"schema": {"type": "string", "format": "binary"}}
                        for media in spec["upload"]
                    },
                }
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tandem API",
            "version": "1",
            "description": "Partners, campaigns and co-branded assets; journeys; prospects and "
            "applications. "
            "Authenticate with `Authorization: Bearer <token>`; "
            "create tokens on your account page. The locator's public API "
            "(`/api/public/v1`) needs no token and answers any origin (CORS).",
        },
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
