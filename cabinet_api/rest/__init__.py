"""The cabinet's REST API (``/api/v1``): API keys with scopes, JSON errors, an OpenAPI document."""

from __future__ import annotations

from cabinet_api.rest.app import OPENAPI_PATH, ROUTES, create_api
from cabinet_api.rest.context import LINK_LIFETIME, Notify, Route
from cabinet_api.rest.keys import ALL_SCOPES, DEMO_API_KEY, ApiKey, ApiKeyStore

__all__ = [
    "ALL_SCOPES",
    "DEMO_API_KEY",
    "LINK_LIFETIME",
    "OPENAPI_PATH",
    "ROUTES",
    "ApiKey",
    "ApiKeyStore",
    "Notify",
    "Route",
    "create_api",
]
