"""Scale benchmark for entity resolution (not a test): resolve N synthetic project mentions against a
registry of N/10 entities, for N = 10k, 100k, 1M; report time and peak memory as JSON.

Each size runs in a child process so its peak RSS is its own. Two timings per size, from one run:

- ``baseline``: exact structured keys only (``project_key`` per mention, grouped in a dict) — the
  floor any resolver pays to read its input;
- ``resolve``: the matcher — registry keyed and indexed by blocks, each distinct mention keyed,
  looked up by exact key first, scored inside its blocks when that fails.

CPU seconds are reported beside the wall-clock time, since a shared machine stretches the latter.
Keying in worker processes was tried and dropped: at 1M mentions on this 2-core machine it took
74 CPU seconds instead of 53 (starting workers, importing, sending entries back) and was slower by
the clock too (112 s against 78 s, load 4).

Mentions are made the way real lists differ: bracket notes, homophone typos, a city prefix, a
brand prefix dropped, Arabic phase numbers, a county-level city for its prefecture. Accuracy is
reported too (share of mentions resolved to the entity they came from, and share wrongly resolved).

    python bench/bench_resolve.py [--sizes 10000,100000,1000000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from typing import Any

SYLLABLES = "华锦御景澜庭府苑湾城园悦溪郡岸龙珑翠天山湖海江河名都新未来中心时代国际公馆花园广场壹号上东西南北"
HOMOPHONE = {"茂": "贸", "城": "程", "庭": "亭", "苑": "院", "湾": "弯", "景": "井", "悦": "越", "锦": "金",
             "翠": "萃", "溪": "西", "郡": "俊", "岸": "案", "龙": "隆", "园": "源", "华": "化"}
BRANDS = ("恒大", "融创", "碧桂园", "绿地", "世茂", "万科", "泰禾", "阳光城", "实地", "康桥", "", "", "", "")
PHASES = ("", "", "", "二期", "三期", "一期")


def cities() -> list[tuple[str, str, list[str]]]:
    """(prefecture code, short name, county-level codes) for every prefecture in the gazetteer."""
    from loupan.ingest.places import gazetteer

    g = gazetteer()
    out: dict[str, tuple[str, str, list[str]]] = {}
    for d in g:
        if d.level == "prefecture":
            out.setdefault(d.code, (d.code, d.short, []))
    for d in g:
        if d.level == "county" and d.parent in out:
            out[d.parent][2].append(d.code)
    return sorted(out.values())


def make(n: int, seed: int) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, int]]]:
    """(registry: entity id, name, city code), (mentions: name, code, true entity index)."""
    rng = random.Random(seed)
    places = cities()
    registry, seen = [], set()
    while len(registry) < max(1, n // 10):
        code, _, _ = places[rng.randrange(len(places))]
        name = rng.choice(BRANDS) + "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + \
            rng.choice(PHASES)
        if (code, name) in seen:
            continue
        seen.add((code, name))
        registry.append((f"E{len(registry)}", name, code))
    mentions = []
    for _ in range(n):
        k = rng.randrange(len(registry))
        _, name, code = registry[k]
        city = next(p for p in places if p[0] == code)
        roll = rng.random()
        if roll < 0.25:
            name += rng.choice(("（8月）", "（待停贷）", "(9月)"))
        elif roll < 0.35:
            spots = [i for i, ch in enumerate(name) if ch in HOMOPHONE and i >= 2]
            if spots:
                i = rng.choice(spots)
                name = name[:i] + HOMOPHONE[name[i]] + name[i + 1 :]
        elif roll < 0.45:
            name = city[1] + name
        elif roll < 0.5:
            name = name.replace("二期", "2期").replace("三期", "3期")
        if rng.random() < 0.2 and city[2]:
            code = rng.choice(city[2])
        mentions.append((name, code, k))
    return registry, mentions


def cpu_s() -> float:
    """CPU seconds of this process: the work done, whatever else the machine is running."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(n: int, seed: int) -> dict[str, Any]:
    from loupan.ingest.matching import AUTO_MERGE, Matcher, entry_for, project_key

    registry, mentions = make(n, seed)
    for code, _, _ in cities():  # warm the gazetteer's per-city tables: a one-off cost, not per mention
        project_key("某某花园", code)
    base_mb = rss_mb()

    t0 = time.perf_counter()
    groups: dict[str, list[int]] = {}
    for i, (name, code, _) in enumerate(mentions):
        groups.setdefault(project_key(name, code), []).append(i)
    baseline = time.perf_counter() - t0
    from loupan.ingest import matching

    matching.project_name_key.cache_clear()  # the resolver pays for its own keys

    t0, cpu0 = time.perf_counter(), cpu_s()
    matcher = Matcher()
    for eid, name, code in registry:
        entry = entry_for(eid, "Project", name, (), code)
        if entry is not None:
            matcher.add(entry)
    exact = {("k", e.scope, f.key): e.id for e in matcher.by_id.values() for f in e.forms}
    index_time = time.perf_counter() - t0
    distinct = list(dict.fromkeys((name, code) for name, code, _ in mentions))
    keyed = [entry_for("m", "Project", name, (), code) for name, code in distinct]
    key_time = time.perf_counter() - t0 - index_time
    fuzzy_scored = 0
    found_for: dict[tuple[str, str], str | None] = {}
    for mention, entry in zip(distinct, keyed, strict=True):
        found = None
        if entry is not None:
            found = next((exact[("k", entry.scope, f.key)] for f in entry.forms
                          if ("k", entry.scope, f.key) in exact), None)
            if found is None:
                fuzzy_scored += 1
                cands = matcher.match(entry, AUTO_MERGE)
                found = cands[0].b if cands and (len(cands) == 1 or cands[1].score < AUTO_MERGE) else None
        found_for[mention] = found
    right = wrong = unresolved = 0
    for name, code, k in mentions:
        found = found_for[(name, code)]
        if found is None:
            unresolved += 1
        elif found == registry[k][0]:
            right += 1
        else:
            wrong += 1
    resolve, resolve_cpu = time.perf_counter() - t0, cpu_s() - cpu0
    return {"mentions": n, "registry": len(registry), "distinct_mentions": len(distinct),
            "baseline_s": round(baseline, 3), "resolve_s": round(resolve, 3), "index_s": round(index_time, 3),
            "key_mentions_s": round(key_time, 3), "resolve_cpu_s": round(resolve_cpu, 3),
            "ratio_to_baseline": round(resolve / baseline, 2) if baseline else None,
            "scored_in_blocks": fuzzy_scored, "resolved_right": round(right / n, 4),
            "resolved_wrong": round(wrong / n, 4), "unresolved": round(unresolved / n, 4),
            "peak_rss_mb": round(rss_mb(), 1), "rss_before_resolving_mb": round(base_mb, 1)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed)))
        return 0
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)],
                             capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout))
        print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr)
    growth = [round(b["resolve_s"] / a["resolve_s"], 2) for a, b in zip(results, results[1:], strict=False)]
    print(json.dumps({"results": results, "resolve_time_growth_per_10x": growth}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
