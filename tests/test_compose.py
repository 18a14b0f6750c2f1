"""docker-compose.yml and the Dockerfile, checked without a Docker engine: pins, health, volumes,
how the API finds Neo4j, and that no secret is written into either file."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = re.compile(r"PASSWORD|AUTH|SECRET|TOKEN|_KEY$")
INTERPOLATION = re.compile(r"\$\{[A-Z0-9_]+(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def env(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {str(k): str(v) for k, v in raw.items()}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            instruction, _, args = line.partition(" ")
            out.append((instruction.upper(), args.strip()))
    return out


def test_neo4j_is_pinned_community_with_health_and_a_named_volume(compose: dict[str, Any]) -> None:
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    check = neo4j["healthcheck"]["test"]
    command = " ".join(check) if isinstance(check, list) else check
    assert ("wget" in command and ":7474" in command) or "cypher-shell" in command
    assert check[0] in ("CMD", "CMD-SHELL") if isinstance(check, list) else True
    assert int(neo4j["healthcheck"]["retries"]) >= 3
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in neo4j["volumes"]}
    assert mounts["/data"] in compose["volumes"], "the database must live in a named volume"
    for published in neo4j.get("ports", []):
        assert str(published).startswith("127.0.0.1:"), f"Neo4j port {published} published beyond loopback"


def test_neo4j_password_comes_from_the_environment_and_is_required(compose: dict[str, Any]) -> None:
    auth = env(compose["services"]["neo4j"])["NEO4J_AUTH"]
    assert re.fullmatch(r"neo4j/\$\{LOUPAN_NEO4J_PASSWORD:\?[^}]+\}", auth), auth


def test_api_is_built_here_and_wired_to_neo4j(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    build = api["build"]
    assert (build if isinstance(build, str) else build.get("context", ".")) == "."
    variables = env(api)
    assert variables["LOUPAN_NEO4J_URI"] == "bolt://neo4j:7687"
    assert variables["LOUPAN_NEO4J_USER"] == "neo4j"
    assert re.fullmatch(r"\$\{LOUPAN_NEO4J_PASSWORD(:\?[^}]+)?\}", variables["LOUPAN_NEO4J_PASSWORD"])
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert any(str(p).endswith(":8000") for p in api["ports"])


def test_no_literal_secret_in_compose(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in env(service).items():
            if SECRET_KEY.search(key):
                literal = INTERPOLATION.sub("", value)
                assert literal in ("", "neo4j/"), f"{name}.{key} holds a literal secret"
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert not re.search(r"(?i)password\s*[:=]\s*['\"]?[A-Za-z0-9]", text.replace("LOUPAN_NEO4J_PASSWORD", ""))


def test_dockerfile_base_is_pinned_and_runs_the_server() -> None:
    steps = dockerfile()
    base = [args for op, args in steps if op == "FROM"]
    assert base == ["python:3.11-slim"]
    (cmd,) = [args for op, args in steps if op == "CMD"]
    assert json.loads(cmd) == ["loupan", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert any(op == "RUN" and "pip install ." in args for op, args in steps)
    assert ("EXPOSE", "8000") in steps
    assert ("USER", "loupan") in steps, "the API does not run as root"
    for op, args in steps:
        if op in ("ENV", "ARG"):
            assert not SECRET_KEY.search(args.split("=")[0]), f"{op} {args} bakes a secret into the image"


def test_dockerfile_copies_every_package_and_the_readme() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied = set()
    for op, args in dockerfile():
        if op == "COPY":
            copied.update(p.rstrip("/") for p in shlex.split(args)[:-1])
    package_dirs = set(project["tool"]["setuptools"]["package-dir"].values())
    assert package_dirs | {"pyproject.toml", project["project"]["readme"]} <= copied
