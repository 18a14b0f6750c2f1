"""A deterministic synthetic graph at scale N, written through ``GraphStore.upsert`` in batches.

    python bench/generate.py --scale 100000 --data-dir bench/.data/ladybug-100000   # embedded store
    python bench/generate.py --scale 100000 --neo4j-uri bolt://127.0.0.1:7687 --password ...

The same ``--seed`` and ``--scale`` give the same rows, byte for byte. What is in it:

- every real division of the gazetteer (``Place:<code>``, ``PART_OF`` its parent);
- developer families: a parent with subsidiaries (``SUBSIDIARY_OF``, up to two levels), among them
  two fixed ones the benchmark queries: ``Developer:bench-flagship`` (a dozen cities, a few dozen
  projects, task forces on some) and ``Developer:bench-giant`` (10,000 projects from 100k nodes up);
- projects in real district / county codes (``DEVELOPS``, ``LOCATED_IN``);
- agencies (住建局 of a city), task forces (专班) set up in a city or district, handling projects there
  (``HANDLES``, ``PART_OF`` their agency);
- officials (``Person``, ``Official``) with roles (``HOLDS_POSITION`` with a role, ``LEADS``,
  ``MEMBER_OF``);
- policies (``ISSUED``, ``ADOPTED``, ``APPLIES_TO``), dated events (``INVOLVES``, ``LOCATED_IN``);
- reports from outlets (``PUBLISHED_BY``, ``MENTIONS`` with a quote), and every fact edge cites one.

The total node count is N within a fraction of a percent (the 3,209 divisions included).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loupan.graph.model import EdgeRow, NodeRow, Source, city_code
from loupan.graph.store import GraphStore
from loupan.ingest.places import Division, gazetteer

DEFAULT_SEED = 20220701
GIANT_PROJECTS = 10_000
FLAGSHIP = "Developer:bench-flagship"
GIANT = "Developer:bench-giant"
ANCHORS_FILE = "anchors.json"
DEFAULT_BATCH = 1000   # rows per write transaction (the stores' default)
NEO4J_BATCH = 1000     # on Neo4j (see bench_neo4j_write.py --batch)

# shares of the non-place nodes
SHARES = {"Project": 0.37, "Report": 0.20, "Event": 0.12, "Official": 0.08, "TaskForce": 0.08,
          "Developer": 0.06, "Agency": 0.06, "Policy": 0.02, "Outlet": 0.01}

BRAND = "恒融碧龙华鑫泰远阳光金地海德富力世茂新佳兆盛中建荣信祥禾锦城万正美宝绿"
DEV_SUFFIX = ("集团", "地产", "置业", "房地产开发有限公司", "控股", "实业")
PROJ_SUFFIX = ("花园", "府", "城", "湾", "苑", "华庭", "公馆", "天地", "名邸", "悦府")
PHASE = ("", "一期", "二期", "三期", "北区", "南区")
SURNAME = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红"
ROLES = ("组长", "副组长", "成员", "局长", "副局长", "副市长", "区长", "主任")
TF_KIND = ("问题楼盘处置化解工作专班", "保交楼工作专班", "房地产风险处置领导小组", "保交楼工作指挥部")
POLICIES = ("一楼一策一专班", "保交楼专项借款", "商品房预售资金监管办法", "保交楼稳民生", "白名单融资协调机制",
            "房票安置", "问题楼盘分类处置办法", "烂尾楼盘活专项行动")
EVENT_KIND = ("复工仪式", "交付仪式", "推进会", "业主座谈会", "停工", "司法拍卖", "债务重组公告")
OUTLETS = ("新华网", "人民网", "澎湃新闻", "财新", "第一财经", "21世纪经济报道", "大河报", "南方都市报")


@dataclass
class Anchors:
    """Ids the query benchmark asks about, found by the generator itself."""

    scale: int
    seed: int
    nodes: int = 0
    edges: int = 0
    flagship: str = FLAGSHIP
    giant: str = GIANT
    giant_projects: int = 0
    neighbour: str = ""        # a task force: projects, agency, officials, policies, reports
    path_source: str = FLAGSHIP
    path_target: str = ""      # an agency in one of the flagship's cities
    search: str = ""           # a developer name, typed with a short form
    counts: dict[str, int] = field(default_factory=dict)
    written_s: float = 0.0     # how long writing took through GraphStore.upsert, when it was written
    batch: int = 0             # rows per write transaction then

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Graph:
    nodes: list[NodeRow] = field(default_factory=list)
    edges: list[EdgeRow] = field(default_factory=list)


def _name(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(BRAND) for _ in range(n))


def build(scale: int, seed: int = DEFAULT_SEED) -> tuple[Graph, Anchors]:
    """All rows of the graph at ``scale`` nodes; nothing random outside ``random.Random(seed)``."""
    rng = random.Random(seed)
    g = Graph()
    anchors = Anchors(scale=scale, seed=seed)
    gaz = gazetteer()
    divisions = sorted(gaz, key=lambda d: d.code)
    by_code = {d.code: d for d in divisions}
    for d in divisions:
        g.nodes.append(NodeRow(f"Place:{d.code}", "Place", d.name, aliases=[d.short] if d.short != d.name else [],
                               key=d.code, code=d.code, level=d.level))
        if d.parent and d.parent in by_code:
            g.edges.append(EdgeRow("PART_OF", f"Place:{d.code}", f"Place:{d.parent}"))
    rest = max(scale - len(divisions), 1000)
    want = {t: max(int(rest * s), 8) for t, s in SHARES.items()}
    anchors.counts = dict(want)

    # -- reports and outlets first: every fact cites one --------------------------------------
    outlets = [f"Outlet:bench-{i}" for i in range(want["Outlet"])]
    for i, oid in enumerate(outlets):
        g.nodes.append(NodeRow(oid, "Outlet", f"{OUTLETS[i % len(OUTLETS)]}{i // len(OUTLETS) or ''}", key=oid))
    reports = [f"Report:bench-{i}" for i in range(want["Report"])]
    report_dates = []
    for i, rid in enumerate(reports):
        date = f"{2021 + i % 4}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
        report_dates.append(date)
        g.nodes.append(NodeRow(rid, "Report", f"问题楼盘化解进展报道第{i}篇", key=rid, date=date,
                               attrs={"url": f"https://news.example.cn/{i}.html", "kind": "news",
                                      "outlet": OUTLETS[i % len(OUTLETS)]}))
        g.edges.append(EdgeRow("PUBLISHED_BY", rid, outlets[i % len(outlets)]))

    def cite(quote: str) -> list[Source]:
        rid = reports[rng.randrange(len(reports))]
        return [Source(rid, quote, 0, len(quote), by="bench")]

    mentions: list[tuple[str, str]] = []   # (entity id, surface form), a report mentions it later

    def node(row: NodeRow) -> str:
        g.nodes.append(row)
        if rng.random() < 0.6:
            mentions.append((row.id, row.name))
        return row.id

    def edge(type_: str, a: str, b: str, quote: str, **attrs: Any) -> None:
        g.edges.append(EdgeRow(type_, a, b, cite(quote), attrs))

    # -- places where things happen: prefecture cities and their districts / counties ----------
    leaves: dict[str, list[Division]] = {}
    for d in divisions:
        if d.level in ("district", "county") and city_code(d.code) in by_code:
            leaves.setdefault(city_code(d.code), []).append(d)
    cities = [by_code[c] for c in sorted(leaves)]

    # -- agencies: one 住建局 (and more bureaus) per city --------------------------------------
    agencies_in: dict[str, list[str]] = {}
    bureaus = ("住房和城乡建设局", "自然资源和规划局", "人民政府", "住房保障和房地产管理局")
    for i in range(want["Agency"]):
        city = cities[i % len(cities)]
        name = f"{city.name}{bureaus[(i // len(cities)) % len(bureaus)]}"
        if i >= len(cities) * len(bureaus):
            name += f"第{i // (len(cities) * len(bureaus))}分局"
        aid = node(NodeRow(f"Agency:{city.code}:bench-{i}", "Agency", name, key=name, code=city.code))
        agencies_in.setdefault(city.code, []).append(aid)
        edge("PART_OF", aid, f"Place:{city.code}", f"{name}是{city.name}的政府部门")

    # -- developers in families -----------------------------------------------------------------
    developers: list[str] = []
    family_of: dict[str, list[str]] = {}

    def developer(did: str, name: str, parent: str | None) -> str:
        home = rng.choice(cities)
        node(NodeRow(did, "Developer", name, aliases=[name[:2]] if len(name) > 4 else [], key=name,
                     code=home.code, attrs={"listed": rng.random() < 0.3}))
        developers.append(did)
        if parent:
            edge("SUBSIDIARY_OF", did, parent, f"{name}为{parent}的全资子公司")
        return did

    giant_size = min(GIANT_PROJECTS, want["Project"] // 2)
    flagship_family = [developer(FLAGSHIP, "恒泰地产集团", None)]
    for k in range(4):
        sub = developer(f"Developer:bench-flagship-{k}", f"恒泰{'东南西北'[k]}区置业有限公司", FLAGSHIP)
        flagship_family.append(sub)
        if k < 2:
            flagship_family.append(developer(f"Developer:bench-flagship-{k}-0", f"恒泰{'东南'[k]}区项目公司", sub))
    giant_family = [developer(GIANT, "融鑫控股集团", None)]
    for k in range(9):
        giant_family.append(developer(f"Developer:bench-giant-{k}", f"融鑫第{k + 1}置业有限公司", GIANT))
    family_of[FLAGSHIP], family_of[GIANT] = flagship_family, giant_family
    i = 0
    while len(developers) < want["Developer"]:
        parent = developer(f"Developer:bench-{i}", f"{_name(rng, 2)}{rng.choice(DEV_SUFFIX)}", None)
        fam = [parent]
        for k in range(rng.choice((0, 0, 1, 2, 3, 5))):
            sub = developer(f"Developer:bench-{i}-{k}", f"{_name(rng, 2)}{rng.choice(DEV_SUFFIX)}",
                            rng.choice(fam))
            fam.append(sub)
        family_of[parent] = fam
        i += 1
    families = [f for p, f in family_of.items() if p not in (FLAGSHIP, GIANT)]

    # -- projects ---------------------------------------------------------------------------------
    projects_in: dict[str, list[str]] = {}   # city code -> project ids
    flagship_cities = rng.sample(cities, 12)
    n_projects = 0

    def project(owner: str, city: Division) -> None:
        nonlocal n_projects
        leaf = rng.choice(leaves[city.code])
        name = f"{city.short or city.name}{_name(rng, 2)}{rng.choice(PROJ_SUFFIX)}{rng.choice(PHASE)}"
        pid = node(NodeRow(f"Project:{leaf.code}:bench-{n_projects}", "Project", name, key=name, code=leaf.code,
                           attrs={"units": rng.randrange(100, 3000), "status": rng.choice(("停工", "复工", "交付"))}))
        n_projects += 1
        edge("DEVELOPS", owner, pid, f"{name}由该公司开发")
        edge("LOCATED_IN", pid, f"Place:{leaf.code}", f"{name}位于{leaf.name}")
        projects_in.setdefault(city.code, []).append(pid)

    for j in range(40):
        project(flagship_family[j % len(flagship_family)], flagship_cities[j % len(flagship_cities)])
    giant_cities = rng.sample(cities, 120)
    for j in range(giant_size):
        project(giant_family[j % len(giant_family)], giant_cities[j % len(giant_cities)])
    anchors.giant_projects = giant_size
    while n_projects < want["Project"]:
        fam = rng.choice(families)
        home = rng.choice(cities)
        for _ in range(rng.randrange(1, 8)):
            if n_projects >= want["Project"]:
                break
            project(rng.choice(fam), home if rng.random() < 0.7 else rng.choice(cities))

    # -- task forces, handling projects of their city -------------------------------------------
    task_forces: list[str] = []
    tf_city: dict[str, str] = {}
    weighted = flagship_cities[:6] + cities
    for i in range(want["TaskForce"]):
        city = weighted[i % len(weighted)]
        district = city if rng.random() < 0.5 else rng.choice(leaves[city.code])
        name = f"{district.name}{rng.choice(TF_KIND)}" + (f"（第{i // len(weighted)}组）" if i >= len(weighted) else "")
        tid = node(NodeRow(f"TaskForce:{district.code}:bench-{i}", "TaskForce", name, key=name, code=district.code,
                           date=f"{2022 + i % 2}-{1 + i % 12:02d}"))
        task_forces.append(tid)
        tf_city[tid] = city.code
        edge("LOCATED_IN", tid, f"Place:{district.code}", f"{district.name}成立{name}")
        if agencies_in.get(city.code):
            edge("PART_OF", tid, rng.choice(agencies_in[city.code]), f"{name}设在住建部门")
        pool = projects_in.get(city.code, [])
        for pid in rng.sample(pool, min(len(pool), rng.randrange(1, 6))):
            edge("HANDLES", tid, pid, f"{name}负责该项目的复工复产")

    # -- officials with roles -----------------------------------------------------------------------
    for i in range(want["Official"]):
        name = rng.choice(SURNAME) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        tid = task_forces[i % len(task_forces)]
        city = tf_city[tid]
        oid = node(NodeRow(f"Official:{city}:bench-{i}", "Official", name, labels=["Person"], key=name, code=city))
        role = rng.choice(ROLES)
        if agencies_in.get(city):
            edge("HOLDS_POSITION", oid, rng.choice(agencies_in[city]), f"{role}{name}", role=role)
        if role in ("组长", "副组长"):
            edge("LEADS", oid, tid, f"{name}任{role}", role=role)
        else:
            edge("MEMBER_OF", oid, tid, f"{name}为专班成员", role=role)

    # -- policies ---------------------------------------------------------------------------------
    for i in range(want["Policy"]):
        city = rng.choice(cities)
        name = POLICIES[i % len(POLICIES)] + (f"（{city.short or city.name}）" if i >= len(POLICIES) else "")
        pid = node(NodeRow(f"Policy:bench-{i}", "Policy", name, key=name, code=city.code if i >= len(POLICIES) else ""))
        if agencies_in.get(city.code):
            edge("ISSUED", rng.choice(agencies_in[city.code]), pid, f"印发《{name}》")
        for _ in range(rng.randrange(1, 4)):
            adopter = rng.choice(cities)
            edge("ADOPTED", f"Place:{adopter.code}", pid, f"{adopter.name}落实“{name}”",
                 date=f"{2022 + rng.randrange(2)}-{1 + rng.randrange(12):02d}")
        pool = projects_in.get(city.code, [])
        for proj in rng.sample(pool, min(len(pool), 2)):
            edge("APPLIES_TO", pid, proj, f"《{name}》适用于该项目")

    # -- events -------------------------------------------------------------------------------------
    project_ids = [pid for pool in projects_in.values() for pid in pool]
    for i in range(want["Event"]):
        pid = project_ids[rng.randrange(len(project_ids))]
        code = pid.split(":")[1]
        kind = rng.choice(EVENT_KIND)
        date = f"{2021 + rng.randrange(4)}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
        eid = node(NodeRow(f"Event:{code}:bench-{i}", "Event", f"项目{kind}", key=f"{kind}{i}", code=code, date=date,
                           attrs={"kind": kind}))
        edge("INVOLVES", eid, pid, f"项目举行{kind}")
        edge("LOCATED_IN", eid, f"Place:{code}", f"{kind}在当地举行")

    # -- mentions: each report names a few entities --------------------------------------------
    for k, (eid, surface) in enumerate(mentions):
        rid = reports[k % len(reports)] if k < len(reports) else reports[rng.randrange(len(reports))]
        g.edges.append(EdgeRow("MENTIONS", rid, eid, [Source(rid, f"……{surface}……", 10, 10 + len(surface),
                                                             field=surface, by="bench")]))

    anchors.nodes, anchors.edges = len(g.nodes), len({e.id for e in g.edges})
    handled: dict[str, int] = {}
    for e in g.edges:
        if e.type == "HANDLES":
            handled[e.source] = handled.get(e.source, 0) + 1
    busiest = max(sorted(handled), key=lambda t: handled[t])
    anchors.neighbour = busiest
    anchors.path_target = agencies_in[flagship_cities[0].code][0]
    anchors.search = "恒泰地产"
    return g, anchors


def chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def write(store: GraphStore, graph: Graph, chunk: int = 50_000,
          progress: Callable[[str], None] | None = None) -> float:
    """Nodes then edges through ``store.upsert`` (which batches by ``store.batch_size``); seconds."""
    started = time.perf_counter()
    for kind, rows in (("nodes", graph.nodes), ("edges", graph.edges)):
        done = 0
        for part in chunks(rows, chunk):
            store.upsert(nodes=part) if kind == "nodes" else store.upsert(edges=part)
            done += len(part)
            if progress:
                progress(f"{kind} {done}/{len(rows)} {time.perf_counter() - started:.0f}s")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-dir", help="embedded store directory (created)")
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default="")
    parser.add_argument("--batch", type=int, help=f"rows per write transaction (default {DEFAULT_BATCH}, "
                        f"{NEO4J_BATCH} on Neo4j)")
    parser.add_argument("--dry-run", action="store_true", help="build the rows, print the anchors, write nothing")
    args = parser.parse_args()
    graph, anchors = build(args.scale, args.seed)
    if not args.dry_run:
        store: GraphStore
        if args.neo4j_uri:
            from loupan.graph.neo4j_store import Neo4jStore

            store = Neo4jStore(args.neo4j_uri, args.user, args.password, batch_size=args.batch or NEO4J_BATCH)
            store.apply_schema()
        elif args.data_dir:
            from loupan.graph.ladybug_store import LadybugStore

            store = LadybugStore(args.data_dir, batch_size=args.batch or DEFAULT_BATCH)
        else:
            parser.error("give --data-dir or --neo4j-uri (or --dry-run)")
        with store:
            seconds = write(store, graph, progress=lambda m: print(m, file=sys.stderr, flush=True))
        anchors.written_s, anchors.batch = round(seconds, 1), store.batch_size
        if args.data_dir:  # marks the directory complete: bench_queries.py reuses it
            Path(args.data_dir, ANCHORS_FILE).write_text(json.dumps(anchors.to_json(), ensure_ascii=False))
        print(f"wrote {anchors.nodes} nodes, {anchors.edges} edges in {seconds:.1f}s", file=sys.stderr)
    json.dump(anchors.to_json(), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
