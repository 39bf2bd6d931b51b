"""The OpenAPI 3.1 document, built from the route table and the pydantic models of bodies and responses."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from cabinet_api.rest.context import Route
from cabinet_api.rest.schemas import ErrorOut

Mode = Literal["validation", "serialization"]
Refs = Mapping[tuple[Any, Mode], Any]

REF_TEMPLATE = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"{(\w+)}")
_ERRORS = {
    "400": "Invalid body or query; the field is named",
    "401": "No or unknown API key",
    "403": "The API key lacks the scope",
    "404": "Unknown id, or an object of another client",
    "429": "Too many wrong API keys from this address or with this key; see Retry-After",
}


def _models(routes: Sequence[Route]) -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = [ErrorOut]
    for route in routes:
        for model in (route.body, route.form, route.response):
            if model is not None and model not in models:
                models.append(model)
    return models


def _ref(model: type[BaseModel], refs: Refs, mode: Mode) -> Any:
    return refs[(model, mode)]


def _parameters(route: Route) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAMETER.findall(route.path)
    ]
    if route.query is not None:
        schema = route.query.model_json_schema()
        required = set(schema.get("required", ()))
        for name, field_schema in schema["properties"].items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": field_schema}
            )
    return parameters


def _form_schema(route: Route, refs: Refs) -> dict[str, Any]:
    assert route.form is not None
    file_schema = {"type": "string", "format": "binary"}
    return {"allOf": [_ref(route.form, refs, "validation"), {"properties": {route.file_part: file_schema}}]}


def _operation(route: Route, refs: Refs) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": route.handler.__name__, "summary": route.summary}
    parameters = _parameters(route)
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        content = {"application/json": {"schema": _ref(route.body, refs, "validation")}}
        operation["requestBody"] = {"required": True, "content": content}
    elif route.form is not None:
        content = {"multipart/form-data": {"schema": _form_schema(route, refs)}}
        operation["requestBody"] = {"required": True, "content": content}
    if route.binary:
        success: dict[str, Any] = {"description": "The file", "content": {"*/*": {"schema": {}}}}
    else:
        assert route.response is not None
        schema = _ref(route.response, refs, "serialization")
        if route.many:
            schema = {"type": "array", "items": schema}
        success = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    error = {"content": {"application/json": {"schema": _ref(ErrorOut, refs, "serialization")}}}
    responses: dict[str, Any] = {str(route.status): success}
    errors = dict(_ERRORS) if route.scope is not None else {"404": "No such file"}
    if route.binary:
        errors["410"] = "The link has expired"
    if route.form is not None:
        errors["413"] = "The file is too large"
        errors["415"] = "The file type is not accepted"
    for status, description in errors.items():
        responses[status] = {"description": description, **error}
    operation["responses"] = responses
    if route.scope is not None:
        operation["security"] = [{"apiKey": [route.scope]}]
        operation["x-scope"] = route.scope
    else:
        operation["security"] = []
    return operation


def openapi_document(routes: Sequence[Route], *, server: str = "/api/v1") -> dict[str, Any]:
    models = _models(routes)
    modes: tuple[Mode, ...] = ("validation", "serialization")
    keys = [(model, mode) for mode in modes for model in models]
    refs, definitions = models_json_schema(keys, ref_template=REF_TEMPLATE)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "omnicab cabinet API", "version": "1"},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }
