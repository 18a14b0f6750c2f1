"""scripts/neo4j_server.py without a server: the memory settings it writes and passes to the JVM."""

from __future__ import annotations

from pathlib import Path

import pytest

from .neo4j_fixture import load_server_script

server = load_server_script()


def test_default_memory_is_unchanged() -> None:
    assert server._memory(None, None) == ("512m", "1g", "256m")
    conf = server._config(Path("/opt/neo4j"), 7687, 7474)
    assert "server.memory.heap.initial_size=512m\n" in conf
    assert "server.memory.heap.max_size=1g\n" in conf
    assert "server.memory.pagecache.size=256m\n" in conf


def test_larger_heap_and_page_cache() -> None:
    memory = server._memory("4G", "3g")
    assert memory == ("512m", "4g", "3g")
    conf = server._config(Path("/opt/neo4j"), 7687, 7474, memory)
    assert "server.memory.heap.max_size=4g\n" in conf
    assert "server.memory.pagecache.size=3g\n" in conf


def test_a_heap_below_the_initial_size_lowers_it() -> None:
    assert server._memory("256m", None) == ("256m", "256m", "256m")


@pytest.mark.parametrize("size", ["4", "4gb", "0g", "-1g", "lots"])
def test_bad_sizes_are_refused(size: str) -> None:
    with pytest.raises(server.Neo4jServerError, match="not a size"):
        server._memory(size, None)
    with pytest.raises(server.Neo4jServerError, match="page cache"):
        server._memory(None, size)


def test_start_options_on_the_command_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def fake_start(port: object, data_dir: object, **kw: object) -> dict[str, object]:
        seen.update(kw)
        return {"uri": "bolt://127.0.0.1:1", "user": "neo4j", "password": "x" * 8, "version": "5",
                "http_uri": "http://127.0.0.1:2", "pid": 1, "log": "log", "heap": kw["heap"],
                "page_cache": kw["page_cache"]}

    monkeypatch.setattr(server, "fetch", lambda: tmp_path)
    monkeypatch.setattr(server, "start", fake_start)
    assert server.main(["start", "--heap", "4g", "--page-cache", "2g", "--state", str(tmp_path / "s.json")]) == 0
    assert seen["heap"] == "4g" and seen["page_cache"] == "2g"
    assert server.main(["start", "--state", str(tmp_path / "t.json")]) == 0
    assert seen["heap"] is None and seen["page_cache"] is None


def test_random_passwords_never_look_like_an_option() -> None:
    """neo4j-admin reads a password beginning with ``-`` as an option; ``token_urlsafe`` alone starts
    with one about once in 64 draws, so 1,000 draws would all but surely show it."""
    passwords = [server.random_password() for _ in range(1000)]
    assert not [p for p in passwords if p.startswith("-")]
    assert len(set(passwords)) == 1000 and min(map(len, passwords)) >= 8
