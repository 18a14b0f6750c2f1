"""Shared fixtures. Every store-level and API-level test that takes ``store_factory`` or ``store``
runs once per backend: the embedded store always, Neo4j when a server is configured.

Neo4j in tests: ``LOUPAN_TEST_NEO4J_URI`` (+ ``_USER``/``_PASSWORD``) names a running server; with
``LOUPAN_TEST_NEO4J=start`` the suite starts its own through ``scripts/neo4j_server.py``. In CI
(``CI=true``) a missing or unstartable Neo4j is an error, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from loupan.graph.store import GraphStore

from .neo4j_fixture import neo4j_server_info, new_neo4j_store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

BACKENDS = ["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(scope="session")
def neo4j_info() -> Iterator[dict[str, str] | None]:
    yield from neo4j_server_info()


def _factory(request: pytest.FixtureRequest, backend: str, path: Path,
             opened: list[GraphStore]) -> Callable[[], GraphStore]:
    if backend == "ladybug":
        from loupan.graph.ladybug_store import LadybugStore

        def make() -> GraphStore:
            for s in opened:  # one writer at a time, as in production
                s.close()
            opened.clear()
            opened.append(LadybugStore(path))
            return opened[-1]
        return make

    info = request.getfixturevalue("neo4j_info")
    if info is None:
        pytest.skip("Neo4j not configured: set LOUPAN_TEST_NEO4J=start or LOUPAN_TEST_NEO4J_URI "
                    "(CI never skips: there this is an error)")

    def make_neo4j() -> GraphStore:
        opened.append(new_neo4j_store(info, fresh=not opened))
        return opened[-1]
    return make_neo4j


@pytest.fixture(params=BACKENDS)
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], GraphStore]]:
    """A factory of stores over one fresh, empty database of the parametrized backend."""
    opened: list[GraphStore] = []
    yield _factory(request, request.param, tmp_path / "store", opened)
    for s in opened:
        s.close()


@pytest.fixture(scope="module", params=BACKENDS)
def module_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """One fresh store per backend shared by a module's tests (for expensive fills)."""
    opened: list[GraphStore] = []
    store = _factory(request, request.param, tmp_path_factory.mktemp("store"), opened)()
    yield store
    for s in opened:
        s.close()


@pytest.fixture
def store(store_factory: Callable[[], GraphStore]) -> GraphStore:
    return store_factory()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Each phase's report on the test item (``item.report_call`` …), so a fixture's teardown can
    tell that the test failed and keep what would explain it."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
