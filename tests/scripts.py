"""Scripts outside any package (``bench/``, ``scripts/``, fixtures' generators), loaded as modules."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_script(path: Path, name: str | None = None) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def bench_script(name: str) -> Iterator[ModuleType]:
    """``bench/<name>.py`` loaded, with ``bench/`` on the path meanwhile for its own imports
    (``generate``, ``loadgen``, ``bench_queries``)."""
    sys.path.insert(0, str(BENCH))
    try:
        yield load_script(BENCH / f"{name}.py")
    finally:
        sys.path.remove(str(BENCH))
