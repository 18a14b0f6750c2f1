"""bench/graphql_side.py runs the flagship's GraphQL side and checks it against the plain-dict answer."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "graphql_side.py"


def test_the_api_answer_equals_the_direct_one_and_both_are_timed() -> None:
    # a subprocess: the script replaces queries.task_forces_by_city and asyncio.to_thread in its process
    done = subprocess.run([sys.executable, str(SCRIPT), "--cities", "3", "--per-city", "5", "--repeat", "3"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # 3 cities × (2 handling + 5 city task forces)
    assert re.match(r"21 links, \d+ bytes, CPU ms per execution \(median, min\) over 3: GraphQL [\d.]+, [\d.]+; "
                    r"direct dicts [\d.]+, [\d.]+; × [\d.]+\n$", done.stdout), done.stdout
