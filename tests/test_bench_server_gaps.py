"""bench/server_gaps.py: the server's CPU per statement is the CPU spent over the loop, divided by
the statements, each read followed by the gap asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from .scripts import load_script

gaps = load_script(Path(__file__).resolve().parent.parent / "bench" / "server_gaps.py")


@pytest.mark.parametrize("asleep", [False, True])
def test_per_statement_divides_the_cpu_spent_by_the_reads_and_waits_out_each_gap(asleep: bool) -> None:
    reads: list[int] = []
    clock = iter([10.0, 10.6])  # CPU seconds before and after

    server, wall = gaps.per_statement(lambda: reads.append(1), lambda: next(clock), 2.0, 30, asleep)
    assert len(reads) == 30
    assert server == pytest.approx(600 / 30)
    assert wall >= 2.0  # every read waited out its gap

    clock = iter([1.0, 1.0])
    server, wall = gaps.per_statement(lambda: None, lambda: next(clock), 0, 5)
    assert server == 0 and wall < 2.0
