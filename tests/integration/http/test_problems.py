"""Errors as RFC 9457 problem details: one entry per error, the same shape for
Litestar's own errors, and no internals in a 500."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

import bitcode_adapters
import bitcode_core
from bitcode_core.errors import BitCodeError
from bitcode_http.problems import PROBLEMS
from tests.integration.http.conftest import Api, build_app, problem, settings_for


def _error_classes() -> Iterator[type[BitCodeError]]:
    for package in (bitcode_core, bitcode_adapters):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    pending = [BitCodeError]
    while pending:
        kind = pending.pop()
        if kind.__module__.startswith(("bitcode_core", "bitcode_adapters")):
            yield kind
        pending.extend(kind.__subclasses__())


class TestProblemTable:
    def test_every_core_and_adapter_error_has_its_own_entry(self) -> None:
        missing = [
            f"{kind.__module__}.{kind.__name__}"
            for kind in _error_classes()
            if kind not in PROBLEMS
        ]

        assert missing == []

    def test_every_error_code_is_distinct(self) -> None:
        codes = [kind.code for kind in PROBLEMS]

        assert len(codes) == len(set(codes))


class TestHttpErrors:
    def test_an_unknown_route_is_a_problem(self, api: Api) -> None:
        response = api.get("/no/such/route")

        assert response.status_code == 404
        assert problem(response)["instance"] == "/no/such/route"

    def test_a_wrong_method_is_a_problem(self, api: Api) -> None:
        response = api.delete("/questions")

        assert response.status_code == 405
        assert problem(response)["code"] == "method-not-allowed"

    def test_a_body_that_is_not_json_is_a_problem(self, api: Api) -> None:
        response = api.post(
            "/auth/login",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 400
        assert problem(response)["status"] == 400

    def test_a_missing_field_is_named(self, api: Api) -> None:
        response = api.post("/auth/login", json={"email": "a@example.org"})

        assert response.status_code == 400
        assert [e["field"] for e in problem(response)["errors"]] == ["password"]


class _Exploding:
    async def browse(self, *args: object) -> None:
        raise RuntimeError("secret internals: postgresql://user:hunter2@db")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
class TestUnexpectedErrors:
    def test_a_crash_is_a_500_that_shows_no_internals(
        self, tmp_path: Path, database_url: str
    ) -> None:
        app, container = build_app(settings_for(tmp_path, database_url))
        container.catalog.override(providers.Object(_Exploding()))

        with TestClient(app) as client:
            response = client.get("/questions")

        assert response.status_code == 500
        body = problem(response)
        assert body["code"] == "internal-error"
        assert "hunter2" not in response.text
        assert "RuntimeError" not in response.text
