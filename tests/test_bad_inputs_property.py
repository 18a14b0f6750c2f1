"""Bad inputs by the thousand: whatever is thrown at a batch, it finishes, names each bad input exactly
once among its rejects, writes nothing for it, and still accepts every good record and report beside.

Each example is one batch: a folder of generated bad files (binary, empty, truncated JSON, wrong
fields, invalid encoding, oversize, broken sidecar; every format), good records and a good report,
some good records sharing a file with a bad line, plus named inputs that do not exist or have an
unknown kind. The test counts the bad inputs it threw and fails below 1,000 per run.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loupan.graph.ladybug_store import LadybugStore
from loupan.graph.model import NodeRow
from loupan.ingest.batch import Options
from loupan.ingest.build import GAZETTEER_REPORT, records_rows
from loupan.ingest.pipeline import Ingestor
from loupan.ingest.records import parse_records

LIMIT = 2048
EXAMPLES = 60
BAD_PER_EXAMPLE = (18, 28)
MIN_BAD_INPUTS = 1000
TEXT = "长沙市住房和城乡建设局7月12日召开问题楼盘化解工作推进会。"
ALL = (".txt", ".md", ".html", ".json", ".jsonl", ".csv")
REPORT_SUFFIXES = (".txt", ".md", ".html")


@dataclass
class Bad:
    suffix: str
    data: bytes
    ref: str = ""                        # what the reject adds to the file's path: "", ":2", "#0"
    good_records: list[dict[str, str]] = field(default_factory=list)  # good records sharing the file
    good_reports: int = 0
    sidecar: bytes | None = None


# Characters with distinct readings, so that no two generated project names are homophones (which
# the resolver would rightly merge); no digits, which project names lose as phase numbers.
NAME_CHARS = "甲乙丙丁己庚辛壬癸子丑寅卯辰巳未申酉戌亥"


class Unique:
    """Names no earlier example used, so every good input of an example is new to the store."""

    count = 0

    @classmethod
    def name(cls) -> str:
        cls.count += 1
        n, base = cls.count, len(NAME_CHARS)
        return "".join(NAME_CHARS[n // base**k % base] for k in range(3))


def good_record() -> dict[str, str]:
    return {"name": f"{Unique.name()}苑", "city": "长沙市", "province": "湖南省", "developer": "新力"}


def good_report_text() -> str:
    return f"{TEXT}{Unique.name()}小区业主代表参加。"


def jsonl(objs: list[Any]) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs).encode("utf-8")


BAD_RECORDS: list[Any] = [
    {"city": "长沙市", "province": "湖南省"}, {"name": "  ", "city": "长沙市"}, {"name": "无处苑"},
    {"name": "嵌套苑", "city": {"nested": 1}, "province": "湖南省"}, {"name": ["列表"], "city": "长沙市"},
    "某苑", 42, None, [1, 2], True,
]
BAD_ENVELOPES: list[dict[str, Any]] = [
    {"text": 42}, {"html": None}, {"text": "   "}, {"text": TEXT, "url": ["x"]},
    {"text": TEXT, "publishedAt": {"y": 2022}}, {"text": "\x01\x02\x03\x04 控制字符"}, {"text": TEXT, "title": False},
]
BAD_CSV = [("city,province\n长沙市,湖南省\n", ""), ("name,city,province\n某苑,长沙市,湖南省,多余\n", ":2"),
           ("name,city,province\n,长沙市,湖南省\n", ":2"), ("name,city,province\n某苑,,\n", ":2")]


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def binary(draw: st.DrawFn) -> Bad:
    suffix = draw(st.sampled_from(ALL))
    before, after = draw(st.binary(max_size=200)), draw(st.binary(max_size=200))
    return Bad(suffix, before + b"\x00" + after)


@st.composite
def empty(draw: st.DrawFn) -> Bad:
    suffix = draw(st.sampled_from(ALL))
    blank = draw(st.sampled_from(["", " ", "\n\n", "\t \r\n", "\u3000\n", "\ufeff", "\ufeff\u200b \n"]))
    if suffix == ".html" and draw(st.booleans()):
        blank = f"<html><body><p>{blank}</p><script>var x = 1;</script></body></html>"
    return Bad(suffix, blank.encode(draw(st.sampled_from(["utf-8", "gb18030"]))))


@st.composite
def truncated(draw: st.DrawFn) -> Bad:
    suffix = draw(st.sampled_from([".json", ".jsonl", ".jsonl-envelope"]))
    if suffix == ".json":
        doc = json.dumps([good_record() for _ in range(draw(st.integers(1, 3)))], ensure_ascii=False).encode()
        return Bad(".json", doc[: draw(st.integers(1, len(doc) - 1))])
    if suffix == ".jsonl":
        good = [good_record() for _ in range(draw(st.integers(0, 2)))]
        last = json.dumps(good_record(), ensure_ascii=False).encode()
        at = draw(st.integers(1, len(last) - 1))
        while not good and not _is_utf8(last[:at]):
            # alone, a line cut inside a character may pass for GB18030 or not: keep the case clear
            at -= 1
        return Bad(".jsonl", jsonl(good) + last[:at], f":{len(good) + 1}", good_records=good)
    line = json.dumps({"text": good_report_text(), "url": "https://example.org/x"}, ensure_ascii=False).encode()
    first = jsonl([{"text": good_report_text()}])
    return Bad(".jsonl", first + line[: draw(st.integers(1, len(line) - 1))], ":2", good_reports=1)


@st.composite
def wrong_fields(draw: st.DrawFn) -> Bad:
    form = draw(st.sampled_from(["json", "jsonl", "csv", "envelope"]))
    if form == "csv":
        text, ref = draw(st.sampled_from(BAD_CSV))
        return Bad(".csv", text.encode(draw(st.sampled_from(["utf-8", "gbk"]))), ref)
    if form == "envelope":
        return Bad(".jsonl", jsonl([draw(st.sampled_from(BAD_ENVELOPES))]), ":1")
    bad = draw(st.sampled_from(BAD_RECORDS))
    if form == "jsonl":
        return Bad(".jsonl", jsonl([bad]), ":1")
    good = [good_record() for _ in range(draw(st.integers(0, 2)))]
    at = draw(st.integers(0, len(good)))
    items = [*good[:at], bad, *good[at:]]
    return Bad(".json", json.dumps(items, ensure_ascii=False).encode(), f"#{at}", good_records=good)


@st.composite
def bad_encoding(draw: st.DrawFn) -> Bad:
    suffix = draw(st.sampled_from(ALL))
    text = {".json": '[{"name": "某苑", "city": "长沙市", "province": "湖南省"}]',
            ".jsonl": '{"name": "某苑", "city": "长沙市", "province": "湖南省"}\n',
            ".csv": "name,city,province\n某苑,长沙市,湖南省\n"}.get(suffix, TEXT)
    data = text.encode(draw(st.sampled_from(["utf-8", "gbk"])))
    first_line = data.find(b"\n") if suffix == ".jsonl" else len(data)
    at = draw(st.integers(0, first_line))
    # 0xFF is in no UTF-8 and no GB18030 sequence (0x80 can be a GB18030 trail byte)
    return Bad(suffix, data[:at] + draw(st.sampled_from([b"\xff", b"\xfe\xff", b"\xff\xff"])) + data[at:])


@st.composite
def oversize(draw: st.DrawFn) -> Bad:
    suffix = draw(st.sampled_from([*ALL, ".jsonl-envelope"]))
    size = draw(st.integers(LIMIT + 1, 3 * LIMIT))
    if suffix in REPORT_SUFFIXES:
        return Bad(suffix, (TEXT * (size // len(TEXT.encode()) + 1)).encode())
    record = {"name": "大苑", "city": "长沙市", "province": "湖南省"}
    many = [record] * (size // 60 + 1)
    if suffix == ".json":
        return Bad(suffix, json.dumps(many, ensure_ascii=False).encode())
    if suffix == ".csv":
        return Bad(suffix, ("name,city,province\n" + "大苑,长沙市,湖南省\n" * (size // 20 + 1)).encode())
    if suffix == ".jsonl":
        return Bad(suffix, jsonl(many))
    first = jsonl([{"text": good_report_text()}])
    return Bad(".jsonl", first + jsonl([{"text": TEXT * (size // 80 + 1)}]), ":2", good_reports=1)


@st.composite
def broken_sidecar(draw: st.DrawFn) -> Bad:
    sidecar = draw(st.sampled_from([b"{broken", b"[1, 2]", b"\xff\xfe", b'{"url": ["x"]}', b'{"title": {"a": 1}}']))
    return Bad(draw(st.sampled_from(REPORT_SUFFIXES)), good_report_text().encode(), sidecar=sidecar)


BAD = st.one_of(binary(), empty(), truncated(), wrong_fields(), bad_encoding(), oversize(), broken_sidecar())


class Thrown:
    bad = 0


@pytest.fixture(scope="module")
def store() -> Iterator[LadybugStore]:
    with tempfile.TemporaryDirectory() as tmp:
        s = LadybugStore(Path(tmp) / "store")
        yield s
        s.close()


def report_count(store: LadybugStore) -> int:
    """Reports held, not counting the gazetteer's, which the first records bring along."""
    return int(store.count_nodes(["Report"])) - len(store.get_nodes([GAZETTEER_REPORT]))


def project_ids(records: list[dict[str, str]]) -> set[str]:
    parsed = [r for r in parse_records("x.jsonl", jsonl(records).decode()) if not isinstance(r, Exception)]
    rows, _ = records_rows(parsed, NodeRow(id="Report:x", type="Report", name="x"))
    return {n.id for n in rows.nodes if n.type == "Project"}


def test_bad_inputs_never_crash_a_batch_and_good_ones_still_land(store: LadybugStore) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(bad=st.lists(BAD, min_size=BAD_PER_EXAMPLE[0], max_size=BAD_PER_EXAMPLE[1]),
           good_count=st.integers(1, 3), report_as=st.sampled_from([".txt", ".md", ".html", ".jsonl"]))
    def one_batch(bad: list[Bad], good_count: int, report_as: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            expected: Counter[str] = Counter()
            good_records = [good_record() for _ in range(good_count)]
            (folder / "good.jsonl").write_bytes(jsonl(good_records))
            report = good_report_text()
            if report_as == ".jsonl":
                (folder / "report.jsonl").write_bytes(jsonl([{"text": report, "outlet": "长沙晚报"}]))
            elif report_as == ".html":
                (folder / "report.html").write_text(f"<html><body><p>{report}</p></body></html>", encoding="gbk")
            else:
                (folder / f"report{report_as}").write_text(report, encoding="gb18030")
            reports, record_files = 1, 1
            for i, b in enumerate(bad):
                path = folder / f"bad{i:03d}{b.suffix}"
                path.write_bytes(b.data)
                if b.sidecar is not None:
                    path.with_name(path.name + ".meta.json").write_bytes(b.sidecar)
                expected[f"{path}{b.ref}"] += 1
                good_records += b.good_records
                reports += b.good_reports
                record_files += bool(b.good_records)
            named = [str(folder / "missing.txt"), str(folder / "nothing-*.json"), str(folder / "scan.pdf")]
            (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
            expected.update(named)
            reports_before = report_count(store)

            summary = Ingestor(store).batch(Options(max_input_bytes=LIMIT)).run([str(folder), *named])

            assert Counter(e.source for e in summary.errors) == expected, [
                (e.source, e.problem) for e in summary.errors]
            assert all(e.problem for e in summary.errors)
            assert summary.records == len(good_records) and summary.reports == reports
            assert summary.unchanged == 0
            assert report_count(store) - reports_before == reports + record_files
            assert set(store.get_nodes(sorted(project_ids(good_records)))) == project_ids(good_records)
            Thrown.bad += len(expected)

    one_batch()
    assert Thrown.bad >= MIN_BAD_INPUTS, f"only {Thrown.bad} bad inputs were generated"
