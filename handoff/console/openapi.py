"""The console API as OpenAPI 3.1, built from the route table and the pydantic bodies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic.json_schema import models_json_schema

from handoff.console.routing import Route

_PATH_PARAMETER = re.compile(r"{(\w+)(?::[^}]*)?}")
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
            "required": ["code", "message"],
        }
    },
}


def documented_path(path: str) -> str:
    return _PATH_PARAMETER.sub(lambda match: "{" + match.group(1) + "}", path)


def _errors(route: Route) -> dict[str, str]:
    if route.public:
        return {"400": "Invalid body", "401": "Wrong login or password", "429": "Too many failed attempts"}
    errors = {"401": "No session or an expired one", "403": "Outside your role or queues, or no CSRF token"}
    if route.body is not None or route.query is not None or route.multipart:
        errors["400"] = "Invalid body or query; the field is named"
    if "{" in route.path:
        errors["404"] = "No such object"
        errors["409"] = "The conversation's state does not allow it (taken, closed, not_yours, stale)"
    if route.multipart:
        errors["413"] = "The file is too large"
        errors["415"] = "The file type is not accepted"
    return errors


def _operation(route: Route, refs: Mapping[Any, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": route.handler.__name__, "summary": route.summary}
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAMETER.findall(route.path)
    ]
    if route.query is not None:
        schema = route.query.model_json_schema(by_alias=True)
        required = set(schema.get("required", ()))
        for name, field_schema in schema["properties"].items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": field_schema}
            )
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        content: dict[str, Any] = {"application/json": {"schema": refs[(route.body, "validation")]}}
        if route.multipart:
            content["multipart/form-data"] = {
                "schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        operation["requestBody"] = {"required": True, "content": content}
    success = "Switching to the WebSocket protocol" if route.websocket else "OK"
    status = "101" if route.websocket else str(route.status)
    responses: dict[str, Any] = {status: {"description": success}}
    if not route.websocket and route.status != 204:
        responses[status]["content"] = {"application/json": {"schema": {"type": "object"}}}
    for code, description in _errors(route).items():
        responses[code] = {"description": description, "content": {"application/json": {"schema": ERROR}}}
    operation["responses"] = responses
    operation["security"] = [] if route.public else [{"session": []}]
    if route.roles is not None:
        operation["x-roles"] = sorted(route.roles)
    return operation


def openapi_document(routes: Sequence[Route], *, server: str = "/console/api") -> dict[str, Any]:
    models = [route.body for route in routes if route.body is not None]
    unique = list(dict.fromkeys(models))
    refs, definitions = models_json_schema(
        [(model, "validation") for model in unique], ref_template=REF_TEMPLATE
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(documented_path(route.path), {})[route.method.lower()] = _operation(
            route, dict(refs)
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "omnicab console API",
            "version": "1",
            "description": "Unsafe methods need the X-CSRF-Token header with the token login gave.",
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": {**definitions.get("$defs", {}), "Error": ERROR_SCHEMA},
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "omnicab_console"}},
        },
    }
