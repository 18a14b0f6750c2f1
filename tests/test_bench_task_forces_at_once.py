"""bench/task_forces_at_once.py: the developers picked for the target counts, and the timing of one
way of answering."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from .scripts import load_script

script = load_script(Path(__file__).resolve().parent.parent / "bench" / "task_forces_at_once.py")


def test_each_target_gets_the_nearest_developer_not_picked_already() -> None:
    counts = {"a": (200, 1), "b": (1100, 5), "c": (1900, 9), "d": (3000, 14), "e": (1000, 4)}
    assert script.nearest(counts, [300, 1000, 2000, 1050]) == ["a", "e", "c", "b"]
    assert script.nearest(counts, [1000] * 7) == ["e", "b", "a", "c", "d"]  # each once, then no more
    assert script.nearest({}, [10]) == []


def test_timed_gives_medians_of_the_answers_and_the_servers_cpu_per_answer() -> None:
    answers: list[int] = []
    server = itertools.count(start=100.0, step=0.5)  # the server's CPU seconds, read twice

    wall, mine, per_answer = script.timed(lambda: answers.append(1), lambda: next(server), 20)
    assert len(answers) == 20
    assert per_answer == pytest.approx(500 / 20)
    assert wall >= 0 and mine >= 0
