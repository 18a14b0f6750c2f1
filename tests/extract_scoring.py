"""The matching and scoring rules of the project's extraction scorer, standard library only.

A predicted entity matches a gold entity of the same type when its name or one of its mention texts
equals the gold name or one of the gold mentions (after NFKC and whitespace folding); matching is
one-to-one and greedy. A predicted relation matches a gold relation of the same type whose two ends
are the gold entities its own ends matched. Unmatched predicted province-level places are ignored.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from typing import Any

TYPE_ALIASES = {"City": "Place", "Expert": "Person"}
REL_ALIASES = {"HELD_IN": "LOCATED_IN"}
_PROVINCE_NAMES = ["北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区"]
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")


def _strip(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


PROVINCES = {_strip(n) for n in _PROVINCE_NAMES}


def norm(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def is_province(form: str) -> bool:
    return any(form.endswith(s) and form[: len(form) - len(s)] in PROVINCES for s in (*_SUFFIXES, ""))


Counts = dict[tuple[str, str], dict[str, int]]


def new_counts() -> Counts:
    return defaultdict(lambda: {"tp": 0, "pred": 0, "gold": 0})


def score_doc(gold: dict[str, Any], pred: dict[str, Any], counts: Counts) -> None:
    golds = [
        (TYPE_ALIASES.get(e["type"], e["type"]), norm(e["name"]), {norm(e["name"])} | {norm(m) for m in e.get("mentions", [])})
        for e in gold.get("entities", [])
    ]
    preds = []
    for e in pred.get("entities", []):
        forms = {norm(e.get("name", ""))} | {norm(m["text"] if isinstance(m, dict) else m) for m in e.get("mentions", [])}
        forms.discard("")
        preds.append((e.get("id"), e.get("type"), forms))
    pairs = []
    for pi, (_, ptype, pforms) in enumerate(preds):
        for gi, (gtype, gname, gforms) in enumerate(golds):
            if ptype == gtype and pforms & gforms:
                pairs.append((gname not in pforms, -len(pforms & gforms), pi, gi))
    pairs.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    match: dict[int, int] = {}
    for _, _, pi, gi in pairs:
        if pi not in used_p and gi not in used_g:
            used_p.add(pi)
            used_g.add(gi)
            match[pi] = gi
    for gtype, _, _ in golds:
        counts["ent", gtype]["gold"] += 1
    for pi, (_, ptype, pforms) in enumerate(preds):
        if pi not in match and ptype == "Place" and any(is_province(f) for f in pforms):
            continue
        counts["ent", ptype]["pred"] += 1
        if pi in match:
            counts["ent", ptype]["tp"] += 1
    gold_index = {gname: gi for gi, (_, gname, _) in enumerate(golds)}
    gold_rels = set()
    for rel in gold.get("relations", []):
        a, b = gold_index.get(norm(rel["from"])), gold_index.get(norm(rel["to"]))
        if a is not None and b is not None:
            gold_rels.add((REL_ALIASES.get(rel["type"], rel["type"]), a, b))
    for rtype, _, _ in gold_rels:
        counts["rel", rtype]["gold"] += 1
    id_to_gold = {preds[pi][0]: gi for pi, gi in match.items()}
    seen = set()
    for rel in pred.get("relations", []):
        key = (rel.get("type"), id_to_gold.get(rel.get("source")), id_to_gold.get(rel.get("target")))
        if key in seen:
            continue
        seen.add(key)
        counts["rel", rel.get("type")]["pred"] += 1
        if key in gold_rels:
            counts["rel", rel.get("type")]["tp"] += 1


def f1(c: dict[str, int]) -> float:
    p = c["tp"] / c["pred"] if c["pred"] else 0.0
    r = c["tp"] / c["gold"] if c["gold"] else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def totals(counts: Counts, kind: str) -> float:
    total = {"tp": 0, "pred": 0, "gold": 0}
    for (k, _), c in counts.items():
        if k == kind:
            for key in total:
                total[key] += c[key]
    return f1(total)
