"""The explorer page in a real browser: Debian's chromium, driven by Playwright, against a real uvicorn
server over an embedded store filled from the bundled sample (records and news).

Never a downloaded browser: Playwright is pointed at ``/usr/bin/chromium`` (``scripts/install-browser.sh``
installs it). Without it the tests skip locally and fail in CI. Screenshots and the 1,000-node layout
measurement go to ``test-artifacts/explorer/``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from loupan.api.app import create_app
from loupan.cli import sample_dir
from loupan.config import Settings
from loupan.graph.ladybug_store import LadybugStore
from loupan.graph.model import EdgeRow, NodeRow, Source
from loupan.ingest.pipeline import Ingestor

from .server import GraphQLClient, running

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "explorer"
CHROMIUM = Path(os.environ.get("LOUPAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EDITOR_KEY = "explorer-test-editor-key"
TIMEOUT_MS = 20_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI must run the browser tests)")
    pytest.skip(f"BROWSER TESTS NOT RUN: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; run scripts/install-browser.sh to install Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing; install the dev extras (pip install -e '.[dev]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugStore]:
    store = LadybugStore(tmp_path_factory.mktemp("explorer") / "store")
    summary = Ingestor(store).ingest_paths([sample_dir() / "records", sample_dir() / "news"])
    assert summary.errors == [] and summary.reports > 0
    yield store
    store.close()


def _serve(store: LadybugStore, *, anonymous_read: bool) -> Any:
    key_entry = f"tester:editor:{hashlib.sha256(EDITOR_KEY.encode()).hexdigest()}"
    return running(create_app(Settings(env="development", api_keys=key_entry, anonymous_read=anonymous_read), store))


@pytest.fixture(scope="module")
def server(sample_store: LadybugStore) -> Iterator[str]:
    """A real uvicorn server over the sample, open to anonymous readers, with one editor key."""
    with _serve(sample_store, anonymous_read=True) as base:
        yield base


@pytest.fixture(scope="module")
def locked_server(sample_store: LadybugStore) -> Iterator[str]:
    """The same data behind a server that lets no one read without a key (as in production)."""
    with _serve(sample_store, anonymous_read=False) as base:
        yield base


HUB = "Developer:巨星地产"
HUB_PROJECTS = 230  # more than two of the page's pages of relations (100 each)


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A developer with more projects than one page of relations holds."""
    store = LadybugStore(tmp_path_factory.mktemp("hub") / "store")
    report = NodeRow(id="Report:hub", type="Report", name="巨星地产项目清单")
    projects = [NodeRow(id=f"Project:410100:巨星{i:03d}号院", type="Project", name=f"巨星{i:03d}号院", code="410100")
                for i in range(HUB_PROJECTS)]
    store.upsert([report, NodeRow(id=HUB, type="Developer", name="巨星地产"), *projects],
                 [EdgeRow("DEVELOPS", HUB, p.id, [Source(report.id, quote=f"巨星地产开发{p.name}")]) for p in projects])
    with _serve(store, anonymous_read=True) as base:
        yield base
    store.close()


@pytest.fixture(scope="module")
def schema_fields(server: str) -> dict[str, set[str]]:
    """Which queries and mutations this server has (the page must adapt to exactly these)."""
    client = GraphQLClient(server)
    try:
        data = client("{ __schema { queryType { fields { name } } mutationType { fields { name } } } }")["__schema"]
    finally:
        client.close()
    return {"query": {f["name"] for f in data["queryType"]["fields"]},
            "mutation": {f["name"] for f in (data["mutationType"] or {}).get("fields", [])}}


class Page:
    """A page with the errors it logged, and screenshots named in order."""

    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.name = name
        self.errors: list[str] = []
        self.shots: list[Path] = []
        self.pending: dict[int, Any] = {}  # requests sent and not yet answered
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)

    def shot(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{len(self.shots) + 1:02d}-{label}.png"
        self.page.screenshot(path=str(path))
        self.shots.append(path)
        return path

    def explain_failure(self) -> str:
        """What the page shows and still waits for: written beside the screenshots and printed, so
        a failure seen once (in CI) can be read afterwards."""
        lines = [f"url: {self.page.url}", f"errors: {self.errors}"]
        for r in self.pending.values():
            lines.append(f"pending: {r.method} {r.url} {(r.post_data or '')[:160]}")
        for selector in ("#status", "#evidence .ev-title", "#evidence"):
            found = self.page.locator(selector)
            lines.append(f"{selector}: {found.first.inner_text()[:300]!r}" if found.count() else f"{selector}: absent")
        text = "\n".join(lines)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{self.name}-failure.txt").write_text(text, encoding="utf-8")
        self.shot("failure")
        return text

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def canvas_point(self, element_id: str) -> tuple[float, float]:
        """Where to click an element of the graph on the screen: a node's centre; for an edge, the point
        along it farthest from every other node and edge, as a reader would aim at a crowded drawing."""
        point: dict[str, float] = self.js("""(id) => {
            const cy = window.loupanExplorer.graph.cy, el = cy.getElementById(id);
            const box = cy.container().getBoundingClientRect();
            const screen = (p) => ({ x: box.left + p.x * cy.zoom() + cy.pan().x, y: box.top + p.y * cy.zoom() + cy.pan().y });
            if (el.isNode()) return screen(el.position());
            const a = el.source().position(), b = el.target().position();
            const toSegment = (p, s, t) => {
                const dx = t.x - s.x, dy = t.y - s.y, len = dx * dx + dy * dy || 1;
                const k = Math.max(0, Math.min(1, ((p.x - s.x) * dx + (p.y - s.y) * dy) / len));
                return Math.hypot(p.x - s.x - k * dx, p.y - s.y - k * dy);
            };
            let best = null, bestGap = -1;
            for (let k = 0.25; k <= 0.75; k += 0.025) {
                const p = { x: a.x + k * (b.x - a.x), y: a.y + k * (b.y - a.y) };
                let gap = Infinity;
                cy.nodes(':visible').forEach((n) => { gap = Math.min(gap, Math.hypot(p.x - n.position().x, p.y - n.position().y) - n.width() / 2); });
                cy.edges(':visible').not(el).forEach((e) => { gap = Math.min(gap, toSegment(p, e.source().position(), e.target().position())); });
                if (gap > bestGap) { bestGap = gap; best = p; }
            }
            return screen(best);
        }""", element_id)
        return point["x"], point["y"]

    def show_only(self, ids: list[str]) -> None:
        """Bring some elements into view at a readable zoom, as a reader would before clicking one."""
        self.js("""(ids) => { const cy = window.loupanExplorer.graph.cy;
            const els = cy.collection(ids.map((id) => cy.getElementById(id)));
            cy.fit(els.union(els.connectedNodes()), 150);
            if (cy.zoom() > 1.5) cy.zoom({ level: 1.5, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }); }""", ids)


@contextmanager
def open_page(browser: Any, server: str, name: str, *, ready: bool = True) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    # Offline by construction: anything not served by the app under test is refused and reported.
    outside: list[str] = []

    def guard(route: Any) -> None:
        if route.request.url.startswith(server) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    p = Page(context.new_page(), name)
    p.page.on("request", lambda r: p.pending.setdefault(id(r), r))
    p.page.on("requestfinished", lambda r: p.pending.pop(id(r), None))
    p.page.on("requestfailed", lambda r: p.pending.pop(id(r), None))
    p.page.goto(server + "/")
    if ready:
        p.page.wait_for_selector("body[data-ready=true]")
    yield p
    context.close()
    assert outside == [], f"the page asked for resources outside the app: {outside}"
    assert p.errors == [], f"the page logged errors: {p.errors}"


@pytest.fixture
def page(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    with open_page(browser, server, request.node.name.removeprefix("test_")) as p:
        yield p
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            print("the page when the test failed:\n" + p.explain_failure())


def search(p: Page, text: str) -> list[str]:
    p.page.fill("#search-input", text)
    p.page.press("#search-input", "Enter")
    wait_for_results(p, text)
    p.page.wait_for_timeout(500)  # past the search-as-you-type delay: its answer (if any) would redraw
    wait_for_results(p, text)
    return result_names(p)


def wait_for_results(p: Page, text: str) -> None:
    """Until the result list answers `text` (the page marks the list with the text it answers)."""
    p.page.wait_for_function("(q) => { const l = document.getElementById('search-results');"
                             " return l.dataset.query === q && !l.hasAttribute('aria-busy'); }", arg=text)


def result_names(p: Page) -> list[str]:
    return [t.strip() for t in p.page.locator("#search-results .result-name").all_inner_texts()]


def evidence_title(p: Page) -> str:
    return str(p.page.locator("#evidence .ev-title").inner_text())


def test_journey_search_open_expand_quote_path(page: Page) -> None:
    p = page
    p.shot("start")
    assert "从左侧搜索" in p.page.locator("#graph-empty").inner_text()

    # 1. Search: the name, pinyin and a homophone typo all find the developer, with type and place.
    names = search(p, "恒大")
    assert names[0] == "恒大"
    first = p.page.locator("#search-results .result").first
    assert "开发商" in first.inner_text()
    assert "郑州市 · 河南省" in p.page.locator("#search-results").inner_text()  # projects show their place
    p.shot("search")
    assert search(p, "hengda")[0] == "恒大"
    assert search(p, "横大")[0] == "恒大"
    p.shot("search-typo")
    assert search(p, "郑州")[0] == "郑州市"  # a short form; the result says which name matched
    first = p.page.locator("#search-results .result").first.inner_text()
    assert "地区" in first and "匹配「郑州」" in first and "河南省" in first
    search(p, "恒大")

    # 2. Open the developer: its evidence, and one node in the graph.
    p.page.locator("#search-results .result-open").first.click()
    p.page.wait_for_function("() => document.querySelector('#evidence .ev-title')?.textContent === '恒大'")
    assert "开发商" in p.page.locator("#evidence .ev-head").inner_text()
    assert "来源与原文" in p.page.locator("#evidence").inner_text()
    assert p.js("() => window.loupanExplorer.graph.size.nodes") == 1

    # 3. Expand its neighbours with the button, then a project's by double-clicking it in the graph.
    p.page.click("#expand-button")
    p.page.wait_for_function("() => window.loupanExplorer.graph.size.nodes > 50")
    assert "已展开「恒大」" in p.page.locator("#status").inner_text()
    assert "图中" in p.page.locator("#graph-count").inner_text()
    p.shot("expanded")
    project = "Project:410100:恒大城"
    assert p.js("(id) => window.loupanExplorer.graph.has(id)", project)
    p.show_only([project])
    p.page.mouse.dblclick(*p.canvas_point(project))
    p.page.wait_for_function("() => window.loupanExplorer.graph.has('Place:410100')")
    # the double click's first tap opens the project and the double tap expands it: two requests,
    # either of which may come back first
    p.page.wait_for_function("() => document.querySelector('#evidence .ev-title')?.textContent === '恒大城'")
    assert evidence_title(p) == "恒大城"
    assert "郑州市" in p.page.locator("#evidence .ev-sub").inner_text()

    # 4. Click the city in the graph, expand it; click a relation in the graph and read its quote.
    before = p.js("() => window.loupanExplorer.graph.size.nodes")
    p.show_only(["Place:410100"])
    p.page.mouse.click(*p.canvas_point("Place:410100"))
    p.page.wait_for_function("() => document.querySelector('#evidence .ev-title')?.textContent === '郑州市'")
    p.page.click("#expand-button")
    p.page.wait_for_function("(n) => window.loupanExplorer.graph.size.nodes > n", arg=before)
    edge = p.js("""() => window.loupanExplorer.graph.cy.edges().filter((e) =>
        e.target().id() === 'Place:410100' && e.source().data('entity').name === '问题楼盘化解工作专题会议')[0].id()""")
    p.show_only([edge])
    p.page.mouse.click(*p.canvas_point(edge))
    p.page.wait_for_selector("#evidence .rel-title")
    panel = p.page.locator("#evidence")
    assert "位于" in p.page.locator("#evidence .rel-title").inner_text()
    quotes = panel.locator(".quote blockquote").all_inner_texts()
    assert any("郑州市市长侯红先后组织召开了两次问题楼盘化解工作专题会议" in q for q in quotes), (quotes, panel.inner_text(), p.js("(id) => JSON.stringify(window.loupanExplorer.graph.relation(id))", edge))
    link = panel.locator("a.report-link").first
    assert link.inner_text().startswith("阅读原文")
    assert (link.get_attribute("href") or "").startswith("http")
    assert "市长半月两次开会表态" in panel.locator(".report-title").first.inner_text()
    p.shot("quote")

    # 5. Choose two entities and find the path between them; it is listed and highlighted.
    for slot, text, name in (("#path-from", "恒大", "恒大"), ("#path-to", "郑州市人民政府", "郑州市人民政府")):
        p.page.fill(f"{slot} .picker-input", text)
        option = p.page.locator(f"{slot} .picker-option", has_text=name).first
        option.wait_for()
        option.click()
        assert name in p.page.locator(f"{slot} .picker-chips").inner_text()
    p.page.click("#path-find")
    p.page.wait_for_selector("#path-results .path")
    steps = p.page.locator("#path-results .path").first.inner_text()
    for name in ("恒大", "恒大城", "郑州市", "郑州市人民政府"):
        assert name in steps
    assert "extra-info.json" not in steps  # "listed in the same file" is no relation
    highlighted = p.js("() => window.loupanExplorer.graph.cy.elements('.path').length")
    assert highlighted == 7  # 4 nodes and 3 relations
    p.shot("path")


SLOW_ANSWERS = """(slow) => {
  // The page's requests for `slow` wait 1.5 s before they go; window.slowLanded counts their answers.
  window.slowLanded = 0;
  const real = window.fetch;
  window.fetch = async (url, init) => {
    const asked = init && typeof init.body === "string" && JSON.parse(init.body).variables?.q === slow;
    if (!asked) return real(url, init);
    await new Promise((r) => setTimeout(r, 1500));
    const res = await real(url, init);
    const text = await res.text();
    setTimeout(() => { window.slowLanded += 1; }, 50);
    return new Response(text, { status: res.status, headers: res.headers });
  };
}"""


def test_a_slow_answer_does_not_draw_over_a_later_search(page: Page) -> None:
    p = page
    p.js(SLOW_ANSWERS, "郑州")
    p.page.fill("#search-input", "郑州")
    p.page.press("#search-input", "Enter")
    p.page.fill("#search-input", "恒大")
    p.page.press("#search-input", "Enter")
    wait_for_results(p, "恒大")
    p.page.wait_for_function("() => window.slowLanded >= 1")
    assert p.page.locator("#search-results").get_attribute("data-query") == "恒大"
    assert result_names(p)[0] == "恒大"

    # The path pickers too: the menu shows the answer to what the box holds, not a slower one.
    p.page.fill("#path-from .picker-input", "郑州")
    p.page.wait_for_timeout(400)  # past the picker's delay: the slow lookup is on its way
    p.page.fill("#path-from .picker-input", "恒大")
    p.page.locator("#path-from .picker-option").first.wait_for()
    p.page.wait_for_function("() => window.slowLanded >= 2")
    options = p.page.locator("#path-from .picker-name").all_inner_texts()
    assert options and options[0].strip() == "恒大", options


def test_timeline_and_corrections_follow_the_server(page: Page, schema_fields: dict[str, set[str]]) -> None:
    p = page
    p.page.goto(p.page.url.split("#")[0] + "#entity=" + "Place%3A410100")
    p.page.reload()
    p.page.wait_for_function("() => document.querySelector('#evidence .ev-title')?.textContent === '郑州市'")

    # Timeline of a place: the server's when it has one, else a clear notice and the dated reports.
    p.page.click(".tab[data-tab=timeline]")
    if "timeline" in schema_fields["query"]:
        p.page.wait_for_selector("#timeline-list .tl-item")
        text = p.page.locator("#timeline").inner_text()
        assert "郑州市 的时间线" in text and "2021" in text
    else:
        notice = p.page.locator("#timeline-unavailable")
        notice.wait_for()
        assert "not available on this server" in notice.inner_text()
    p.shot("timeline")

    # Corrections: one form per operation, enabled exactly when the server has the mutation.
    p.page.click(".tab[data-tab=corrections]")
    p.page.wait_for_selector("#form-addAlias")
    for op in ("addAlias", "mergeEntities", "splitEntity", "judge"):
        form = p.page.locator(f"#form-{op}")
        disabled = form.locator("button[type=submit]").is_disabled()
        if op in schema_fields["mutation"]:
            assert not disabled, op
        else:
            assert disabled, op
            assert "not available on this server" in form.locator(".op-unavailable").inner_text()
    p.shot("corrections")

    # The editor's key: asked once, kept for the tab, sent as a bearer token.
    p.page.click("#editor-login")
    p.page.fill("#key-input", EDITOR_KEY)
    p.page.locator("#key-form button[type=submit]").click()
    p.page.wait_for_function("() => document.getElementById('editor-state').textContent.includes('已登录')")
    assert p.js("() => sessionStorage.getItem('loupan.editorKey')") == EDITOR_KEY
    with p.page.expect_request(lambda r: r.url.endswith("/graphql") and r.method == "POST") as sent:
        search(p, "郑州")
    assert sent.value.headers.get("authorization") == f"Bearer {EDITOR_KEY}"

    if "addAlias" in schema_fields["mutation"]:
        p.page.click(".tab[data-tab=corrections]")
        form = p.page.locator("#form-addAlias")
        form.locator("input[name=alias]").fill("郑州")
        form.locator("textarea[name=reason]").fill("浏览器测试：常用简称")
        form.locator("button[type=submit]").click()
        p.page.wait_for_selector("#form-addAlias .notice-ok")
        # The panel is redrawn with the changed entity; the audit then lists the change, server-side too.
        p.page.locator("#audit-server", has_text="添加别名").wait_for()
        assert "tester" in p.page.locator("#audit-server").inner_text()
        assert "添加别名" in p.page.locator("#audit-local").inner_text()
        p.page.click(".tab[data-tab=evidence]")
        assert "郑州" in p.page.locator("#evidence .chips").inner_text()
        p.page.click(".tab[data-tab=corrections]")
        p.shot("corrections-done")


def synthetic_graph(n: int, seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A graph shaped like the real one: provinces ⊃ cities; developers with a skewed number of projects,
    mostly in a few home cities; agencies and task forces in cities handling some projects."""
    rng = random.Random(seed)
    entities: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []

    def node(kind: str, i: int) -> str:
        entities.append({"id": f"{kind}:{i}", "type": kind, "name": f"{kind[:3]}{i}", "code": None, "date": None})
        return f"{kind}:{i}"

    def rel(kind: str, a: str, b: str) -> None:
        relations.append({"id": f"{kind}|{a}|{b}", "type": kind, "attrs": {}, "sources": [],
                          "source": {"id": a}, "target": {"id": b}})

    provinces = [node("Place", i) for i in range(20)]
    cities = [node("Place", 100 + i) for i in range(100)]
    for c in cities:
        rel("PART_OF", c, rng.choice(provinces))
    developers = [node("Developer", i) for i in range(60)]
    agencies = [node("Agency", i) for i in range(60)]
    for a in agencies:
        rel("LOCATED_IN", a, rng.choice(cities))
    forces = [node("TaskForce", i) for i in range(40)]
    for f in forces:
        rel("LOCATED_IN", f, rng.choice(cities))
    weights = [1 / (k + 1) for k in range(len(developers))]
    home = {d: rng.sample(cities, rng.randint(1, 4)) for d in developers}  # where each one mostly builds
    for i in range(n - len(entities)):
        project = node("Project", i)
        developer = rng.choices(developers, weights)[0]
        rel("DEVELOPS", developer, project)
        rel("LOCATED_IN", project, rng.choice(home[developer] if rng.random() < 0.8 else cities))
        if rng.random() < 0.15:
            rel("HANDLES", rng.choice(forces), project)
    return entities, relations


def test_layout_stays_readable_at_1000_nodes(page: Page) -> None:
    p = page
    entities, relations = synthetic_graph(1000)
    result = p.js("""([entities, relations]) => {
        const g = window.loupanExplorer.graph;
        const ms = g.load(entities, relations);
        const pos = g.cy.nodes().map((n) => n.position());
        const bb = g.cy.nodes().boundingBox();
        return { ms, nodes: g.size.nodes, edges: g.size.edges, overlaps: g.overlaps(),
                 finite: pos.every((q) => Number.isFinite(q.x) && Number.isFinite(q.y)),
                 width: bb.w, height: bb.h };
    }""", [entities, relations])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    record = {**result, "layout": "d3-force 3.0.1 simulation run to the end, no animation", "browser": p.page.context.browser.version}
    (ARTIFACTS / "layout-1000.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    p.shot("layout-1000")
    assert result["nodes"] == 1000 and result["edges"] == len(relations)
    assert result["finite"]
    # Readable: nodes spread over a plane rather than piled up, and almost none drawn on top of another.
    assert min(result["width"], result["height"]) > 10 * math.sqrt(1000)
    assert result["overlaps"] <= 20, result


def test_filters_by_type_and_date(page: Page) -> None:
    p = page
    p.page.goto(p.page.url.split("#")[0] + "#entity=" + "Place%3A410100")
    p.page.reload()
    p.page.wait_for_selector("#expand-button")
    p.page.click("#expand-button")
    p.page.wait_for_function("() => window.loupanExplorer.graph.size.nodes > 20")
    visible = "() => window.loupanExplorer.graph.cy.nodes().not('.filtered').map((n) => n.data('type'))"
    assert "Project" in p.js(visible)

    # Untick a type: its nodes leave the drawing, the count says so, ticking brings them back.
    box = p.page.locator("#type-filters input[value=Project]")
    box.uncheck()
    assert "Project" not in p.js(visible) and "Event" in p.js(visible)
    assert "显示" in p.page.locator("#graph-count").inner_text()
    box.check()
    assert "Project" in p.js(visible)

    # A date range: the December meeting stays, the November one goes; undated nodes go when asked.
    p.page.fill("#date-from", "2021-12")
    p.page.fill("#date-to", "2021年12月")
    p.page.uncheck("#keep-undated")
    p.page.wait_for_function("() => window.loupanExplorer.graph.cy.nodes().not('.filtered').length < 5")
    dates = p.js("() => window.loupanExplorer.graph.cy.nodes().not('.filtered').map((n) => n.data('date'))")
    assert dates and all(d.startswith("2021-12") for d in dates), dates
    p.shot("date-filter")
    p.page.fill("#date-from", "2021-13-99x")
    p.page.wait_for_selector("#date-from.invalid")


def test_a_server_closed_to_anonymous_readers_asks_for_the_key_once(browser: Any, locked_server: str) -> None:
    with open_page(browser, locked_server, "locked", ready=False) as p:
        dialog = p.page.locator("#key-dialog")
        dialog.wait_for()
        assert "密钥" in dialog.inner_text()
        p.shot("asks-key")
        p.page.fill("#key-input", EDITOR_KEY)
        p.page.locator("#key-form button[type=submit]").click()
        p.page.wait_for_selector("body[data-ready=true]")
        assert "收录" in p.page.locator("#stats").inner_text()
        assert search(p, "hengda")[0] == "恒大"


def test_editor_merges_undoes_and_judges_with_the_audit_in_view(page: Page, schema_fields: dict[str, set[str]]) -> None:
    needed = {"mergeEntities", "splitEntity", "judge"}
    if not needed <= schema_fields["mutation"]:
        # The page's side of this (forms disabled, a clear notice) is covered by the test above.
        pytest.skip(f"this server has no {', '.join(sorted(needed - schema_fields['mutation']))} mutation")
    p = page
    keep, other, other_name = "Developer:融创", "Developer:融创建晟", "融创建晟投资有限公司"
    p.page.goto(p.page.url.split("#")[0] + "#entity=" + keep.replace(":", "%3A"))
    p.page.reload()
    p.page.wait_for_function("() => document.querySelector('#evidence .ev-title')?.textContent === '融创'")
    p.page.click(".tab[data-tab=corrections]")

    # Merge: pick the other entity by searching, give a reason; the key is asked for once.
    form = p.page.locator("#form-mergeEntities")
    form.locator(".picker-input").fill("融创建晟")
    form.locator(".picker-option", has_text=other_name).first.click()
    form.locator("textarea[name=reason]").fill("浏览器测试：合并")
    form.locator("button[type=submit]").click()
    p.page.locator("#key-dialog").wait_for()
    p.page.fill("#key-input", EDITOR_KEY)
    p.page.locator("#key-form button[type=submit]").click()
    p.page.wait_for_selector("#form-mergeEntities .notice-ok")
    p.page.wait_for_selector("#audit-server")
    assert "合并" in p.page.locator("#audit-server").inner_text()
    assert "tester" in p.page.locator("#audit-server").inner_text()  # who did it
    p.page.click(".tab[data-tab=evidence]")
    assert other_name in p.page.locator("#evidence .chips").inner_text()  # its name is now an alias here
    assert not p.js("(id) => window.loupanExplorer.graph.has(id)", other)
    p.shot("merged")

    # Undo it: the merge is offered by name; no second key prompt.
    p.page.click(".tab[data-tab=corrections]")
    form = p.page.locator("#form-splitEntity")
    choice = form.locator(".merge-choice, .split-aliases label").first
    choice.wait_for()
    if form.locator(".merge-choice").count():
        assert other_name in choice.inner_text()
    else:  # a server whose split takes aliases
        form.locator(".split-aliases label", has_text=other_name).locator("input").check()
    form.locator("textarea[name=reason]").fill("浏览器测试：撤销合并")
    form.locator("button[type=submit]").click()
    p.page.wait_for_selector("#form-splitEntity .notice-ok")
    assert p.page.locator("#key-dialog[open]").count() == 0
    p.page.wait_for_selector("#audit-server")
    # The page then opens the entity the split restored and puts it in the address. Wait for that
    # before navigating: its late address change would otherwise win over the navigation below.
    p.page.wait_for_function("(id) => decodeURIComponent(location.hash) === '#entity=' + id", arg=other)

    # Judge the pair not the same; the judgement is listed with the audit.
    p.page.goto(p.page.url.split("#")[0] + "#entity=" + keep.replace(":", "%3A"))
    p.page.reload()
    p.page.wait_for_function("() => document.querySelector('#evidence .ev-title')?.textContent === '融创'")
    assert other_name not in p.page.locator("#evidence").inner_text().split("属性")[0]  # alias gone again
    p.page.click(".tab[data-tab=corrections]")
    if p.page.locator("#form-splitEntity .split-merges").count():
        p.page.locator("#no-merges").wait_for()  # the undone merge is no longer offered
    form = p.page.locator("#form-judge")
    form.locator(".picker-input").fill("融创建晟")
    form.locator(".picker-option", has_text=other_name).first.click()
    form.locator("input[value=not_same]").check()
    form.locator("textarea[name=reason]").fill("浏览器测试：不是同一家")
    form.locator("button[type=submit]").click()
    p.page.wait_for_selector("#form-judge .notice-ok")
    audit = p.page.locator("#audit")
    audit.locator("#audit-judgements", has_text="不是同一实体").wait_for()
    server_audit = audit.locator("#audit-server").inner_text()
    assert "拆分" in server_audit and "合并" in server_audit and "tester" in server_audit
    p.shot("audit")


def test_expanding_again_brings_the_next_page_of_relations(browser: Any, hub_server: str) -> None:
    """A node with more relations than a page: each further expansion adds the next page, until all
    of them are drawn, each once."""
    with open_page(browser, hub_server, "hub") as p:
        p.page.goto(hub_server + "/#entity=" + HUB.replace(":", "%3A"))
        p.page.reload()
        p.page.wait_for_selector("#expand-button")
        edges = "() => window.loupanExplorer.graph.size.edges"
        counts = []
        for _ in range(4):
            before = p.js(edges)
            p.page.click("#expand-button")
            if before < HUB_PROJECTS:
                p.page.wait_for_function(f"() => window.loupanExplorer.graph.size.edges > {before}")
            counts.append(p.js(edges))
            if counts[-1] < HUB_PROJECTS:  # the page says there is more, and how to get it
                assert f"已取 {counts[-1]} 条关系，再次展开" in p.page.locator("#status").inner_text()
        assert counts == [100, 200, HUB_PROJECTS, HUB_PROJECTS], counts
        assert p.js("() => window.loupanExplorer.graph.size.nodes") == HUB_PROJECTS + 1
        p.page.wait_for_function("() => document.getElementById('status').textContent.includes('新增 0 个节点')")
        assert "再次展开" not in p.page.locator("#status").inner_text()
        p.shot("all-pages")
