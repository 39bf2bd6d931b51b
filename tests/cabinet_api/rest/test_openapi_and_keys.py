from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web

from cabinet_api import CabinetServices
from cabinet_api.rest import DEMO_API_KEY, OPENAPI_PATH, ApiKeyStore, create_api
from tests.cabinet_api.rest.conftest import ApiClient

_PREFIX = "/api/v1"


def _served_operations(cabinet: CabinetServices) -> set[tuple[str, str]]:
    root = web.Application()
    root.add_subapp(_PREFIX, create_api(cabinet, secret=b"s", api_keys=ApiKeyStore()))
    operations = set()
    for route in root.router.routes():
        if route.method == "HEAD":
            continue
        path = route.resource.canonical if route.resource is not None else ""
        operations.add((route.method.lower(), path.removeprefix(_PREFIX)))
    return operations


async def test_every_route_is_documented_and_every_documented_route_is_served(
    api: ApiClient, cabinet: CabinetServices
) -> None:
    response = await api.get(_PREFIX + OPENAPI_PATH)
    document: dict[str, Any] = await response.json()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}

    assert response.status == 200
    assert document["openapi"].startswith("3.1")
    assert _served_operations(cabinet) - {("get", OPENAPI_PATH)} == documented


async def test_documented_operations_are_complete(api: ApiClient) -> None:
    document: dict[str, Any] = await (await api.get(_PREFIX + OPENAPI_PATH)).json()
    schemas = document["components"]["schemas"]
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(document).replace("'", '"')))

    assert refs <= set(schemas)
    for path, item in document["paths"].items():
        for operation in item.values():
            names = {
                parameter["name"]
                for parameter in operation.get("parameters", ())
                if parameter["in"] == "path"
            }
            assert names == set(re.findall(r"{(\w+)}", path))
            assert any(status.startswith("2") for status in operation["responses"])
            if operation["security"]:
                assert {"401", "403", "404"} <= set(operation["responses"])
    upload = document["paths"]["/recordings"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    assert document["paths"]["/files/{token}"]["get"]["security"] == []


def test_keys_are_parsed_from_the_environment_format() -> None:
    store = ApiKeyStore.parse(
        "crm:requests:write,read:crm-key-0123456789abcdef; pbx:recordings:write:pbx-key-0123456789abc"
    )

    crm = store.authenticate("crm-key-0123456789abcdef")
    pbx = store.authenticate("pbx-key-0123456789abc")
    assert crm is not None
    assert crm.scopes == {"requests:write", "read"}
    assert pbx is not None
    assert (pbx.name, pbx.scopes) == ("pbx", {"recordings:write"})
    assert store.authenticate("crm-key") is None
    assert store.authenticate(DEMO_API_KEY) is None
    assert ApiKeyStore.parse(None, demo=True).authenticate(DEMO_API_KEY) is not None


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("crm:read:short", "at least 16 characters"),
        ("crm:admin:long-enough-key-0123456789", "unknown scopes admin"),
        ("nokey", "entries are name:scope1,scope2:key"),
        (":read:long-enough-key-0123456789", "entries are name:scope1,scope2:key"),
    ],
)
def test_bad_key_specs_fail_at_start_up(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ApiKeyStore.parse(spec)
