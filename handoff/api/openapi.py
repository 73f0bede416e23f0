"""The OpenAPI 3.1 document of the console API, built from the route declarations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from handoff.api.routing import (
    PATH_PARAM_TYPES,
    SAFE_METHODS,
    ErrorBody,
    FileBody,
    NoInput,
    Route,
)
from handoff.operators.auth import COOKIE, CSRF_HEADER

REF_TEMPLATE = "#/components/schemas/{model}"
# what pydantic's `models_json_schema` answers: (model, mode) -> {"$ref": ...}
Refs = Mapping[tuple[Any, JsonSchemaMode], dict[str, Any]]


def openapi_document(title: str, version: str, routes: list[Route]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared route."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for route in routes:
        if route.input is not NoInput:
            wanted.append((route.input, "validation"))
        model = _model_of(route.response)
        if model is not None:
            wanted.append((model, "serialization"))
    refs, definitions = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF_TEMPLATE)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": COOKIE},
                "csrfToken": {"type": "apiKey", "in": "header", "name": CSRF_HEADER},
            },
        },
    }


def _model_of(response: Any) -> type[BaseModel] | None:
    if isinstance(response, type) and issubclass(response, BaseModel):
        return response
    if get_origin(response) is list:
        (item,) = get_args(response)
        return _model_of(item)
    return None


def _schema_of(response: Any, refs: Refs) -> Any:
    if get_origin(response) is list:
        (item,) = get_args(response)
        return {"type": "array", "items": _schema_of(item, refs)}
    return refs[(response, "serialization")]


_ERROR_DESCRIPTIONS = {
    400: "invalid input",
    401: "no valid session",
    403: "role too low, missing CSRF token, or not this operator's chat",
    404: "not found",
    409: "conflict: taken by someone else, or not in a state that allows it",
    413: "too large",
    415: "the body must be JSON",
    422: "well-formed, but breaks a rule of what it changes (the field is named)",
    423: "account locked after too many failed logins",
    502: "the messenger did not give what was asked for",
}


def _operation(route: Route, refs: Refs) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": route.summary,
        "x-min-role": route.role.value if route.role is not None else "public",
    }
    if route.role is None:
        operation["security"] = []
    elif route.mutating:
        operation["security"] = [{"sessionCookie": [], "csrfToken": []}]
    else:
        operation["security"] = [{"sessionCookie": []}]
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if PATH_PARAM_TYPES.get(name, str) is int else "string"},
        }
        for name in route.path_params
    ]
    if route.input is not NoInput and route.method in SAFE_METHODS:
        schema = route.input.model_json_schema()
        for name, field in schema.get("properties", {}).items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in schema.get("required", []),
                    "schema": field,
                }
            )
    elif route.input is not NoInput:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(route.input, "validation")]}},
        }
    if parameters:
        operation["parameters"] = parameters
    responses: dict[str, Any] = {}
    if route.socket_handler is not None:
        responses["101"] = {"description": "websocket: server pushes queue, lines and chat frames"}
    elif route.response is None:
        responses["204"] = {"description": "done, no content"}
    elif route.response is FileBody:
        responses[str(route.status)] = {
            "description": route.summary,
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    else:
        responses[str(route.status)] = {
            "description": route.summary,
            "content": {"application/json": {"schema": _schema_of(route.response, refs)}},
        }
    codes = set(route.errors)
    if route.input is not NoInput:
        codes.add(400)
        if route.mutating:
            codes.add(415)
    if route.role is not None:
        codes.update({401, 403})
    for code in sorted(codes):
        responses[str(code)] = {
            "description": _ERROR_DESCRIPTIONS.get(code, "error"),
            "content": {"application/json": {"schema": refs[(ErrorBody, "serialization")]}},
        }
    operation["responses"] = responses
    return operation


def _operation_id(route: Route) -> str:
    handler = route.handler or route.socket_handler
    return getattr(handler, "__name__", f"{route.method.lower()}_{route.path}")
