"""Case tables for matching: Chinese name pairs that are, might be, or are not one entity.

Each row: entity type, name and division code of each side, and the expected outcome — ``auto``
(score at or above AUTO_MERGE), ``review`` (in the review band) or ``apart`` (below it). The first
rows are the pairs quoted when the issue was filed: raw similarity gets them wrong, structure right.
"""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from loupan.ingest.matching import (
    AUTO_MERGE,
    REVIEW_MIN,
    Matcher,
    agency_parts,
    blocks,
    entry_for,
    project_key,
    score_pair,
    split_phase,
)

CASES = [
    # type, name a, code a, name b, code b, expected
    ("Agency", "遂宁住建", "", "遂宁市住房城乡建设局", "", "auto"),
    ("Agency", "平顶山市住建局", "", "平顶山市新华区住建局", "", "apart"),
    ("Developer", "碧桂园服务", "", "碧桂园", "", "review"),
    ("Agency", "郑州市住房和城乡建设局", "", "郑州市住房保障和房地产管理局", "", "apart"),
    ("Agency", "郑州市房管局", "", "郑州市住房保障和房地产管理局", "", "auto"),
    ("Agency", "平顶山市人民政府", "", "平顶山市政府", "", "auto"),
    ("Agency", "郑州住建局", "410100", "开封住建局", "410200", "apart"),
    # developers: brand and legal name
    ("Developer", "恒大", "", "中国恒大集团", "", "auto"),
    ("Developer", "融創中國", "", "融创", "", "auto"),
    ("Developer", "金科地产集团股份有限公司", "", "金科", "", "auto"),
    ("Developer", "世茂集团", "", "世贸集团", "", "review"),
    ("Developer", "阳光城集团", "", "阳光100", "", "apart"),
    # projects: bracket notes, places before the name, phases
    ("Project", "恒大中心（8月）", "340100", "恒大中心", "340100", "auto"),
    ("Project", "桂林恒大城（10月）", "450300", "恒大城", "450300", "auto"),
    ("Project", "隆基泰和涿州紫悦小区", "130600", "隆基泰和紫悦小区", "130681", "auto"),
    ("Project", "太原富力天禧城3期", "140100", "富力天禧城三期", "140100", "auto"),
    ("Project", "恒大名都", "500000", "恒大名都二期", "500000", "review"),
    ("Project", "恒大金碧天下五期", "140100", "恒大金碧天下八期", "140100", "apart"),
    ("Project", "融创文旅城N5地块", "450300", "融创文旅城N7地块", "450300", "apart"),
    ("Project", "郑州新田城湖光里二期(原洞林文苑)", "410100", "郑州新田城湖光里三期(原洞林文苑)", "410100", "apart"),
    # homophone typos (pinyin input), brand prefixes, a missing character, aliases
    ("Project", "世茂璀璨倾城二期", "610100", "世贸璀璨倾城二期", "610100", "auto"),
    ("Project", "平舆县湖珀蓝岸", "411700", "平舆县琥珀蓝岸", "411700", "auto"),
    ("Project", "绿地新里城二期", "140100", "太原绿地新里程2期", "140100", "auto"),
    ("Project", "融创中新国际城四期南区", "370100", "中新国际城四期南区", "370100", "auto"),
    ("Project", "阳光城未来悦二期", "500112", "阳城未来悦二期", "500112", "auto"),
    ("Project", "泰禾知音湖院子（君悦花园）", "420100", "君悦花园（知音湖院子）", "420100", "auto"),
    ("Project", "当代铭山筑(人福国际健康城)", "420100", "人福国际健康城", "420100", "auto"),
    ("Project", "[奥山首府", "420100", "奥山首府", "420100", "auto"),
    ("Project", "中天·吾乡", "520100", "中天吾乡", "520100", "auto"),
    # the same name in different cities is never one project; look-alikes in one city wait for a person
    ("Project", "恒大悦府", "410500", "恒大悦府", "411100", "apart"),
    ("Project", "绿地城际空间站", "421200", "绿地城际空间站", "430200", "apart"),
    ("Project", "五象澜庭府沁苑", "450100", "五象澜庭府臻苑", "450100", "review"),
    ("Project", "华晨神农府", "430200", "华晨神农湾", "430200", "review"),
    ("Project", "中鼎绿地中心", "450900", "中鼎绿城中心", "450900", "review"),
    ("Project", "恒大城", "410100", "融创城", "410100", "apart"),
    ("Project", "恒大悦府", "410100", "恒大御府", "410100", "review"),
    # a project placed by its province alone may meet one in a city of that province
    ("Project", "四季春晓", "120000", "四季春晓", "120116", "auto"),
    # persons: never merged with a different name; the same name elsewhere is not the same person
    ("Person", "张伟", "410400", "张伟", "410400", "auto"),
    ("Person", "张伟", "410400", "张玮", "410400", "apart"),
    ("Person", "张伟", "410400", "张伟", "440300", "apart"),
    ("Person", "张伟", "", "张伟", "410400", "review"),
]


def outcome(score: float) -> str:
    return "auto" if score >= AUTO_MERGE else "review" if score >= REVIEW_MIN else "apart"


@pytest.mark.parametrize(("type_", "name_a", "code_a", "name_b", "code_b", "expected"), CASES)
def test_pair(type_: str, name_a: str, code_a: str, name_b: str, code_b: str, expected: str) -> None:
    a = entry_for("a", type_, name_a, [], code_a)
    b = entry_for("b", type_, name_b, [], code_b)
    assert a is not None and b is not None
    score, features = score_pair(a, b)
    assert outcome(score) == expected, (score, features)
    assert score_pair(b, a)[0] == score  # symmetric
    if expected != "apart" or (code_a == code_b and type_ != "Person"):
        # a pair the rules score must also be found by blocking
        matcher = Matcher()
        matcher.add(b)
        found = {c.id for c in matcher.candidates(a)}
        assert "b" in found or expected == "apart", list(blocks(a))


def test_raw_scores_overlap_which_is_why_structure_decides() -> None:
    """The measurement the issue was filed with: a false pair outscores a true one."""
    assert fuzz.ratio("遂宁住建", "遂宁市住房城乡建设局") < fuzz.ratio("平顶山市住建局", "平顶山市新华区住建局")


@pytest.mark.parametrize(("name", "code", "key"), [
    ("恒大中心（8月）", "340100", "340100:恒大中心"),
    ("眉山市彭山区融创水郡未来城（江口水镇）（10月）", "511400", "511400:融创水郡未来城"),
    ("隆基泰和涿州紫悦小区", "130681", "130600:隆基泰和涿州紫悦"),
    ("宝坻区实地海棠雅著圣景豪庭", "120115", "120000:实地海棠雅著圣景豪庭"),
    ("太原富力天禧城3期", "140100", "140100:富力天禧城三期"),
    ("长沙文景", "430100", "430100:长沙文景"),  # a place name that is the name itself stays
    ("富阳区泰禾大城小院楼盘", "330100", "330100:泰禾大城小院"),
    ("某苑", "", "某苑"),
])
def test_project_key(name: str, code: str, key: str) -> None:
    assert project_key(name, code) == key


@pytest.mark.parametrize(("core", "parts"), [
    ("绿地城五期六区", ("绿地城", "五期六区")),
    ("融创融公馆11、12号楼", ("融创融公馆", "11、12号楼")),
    ("恒大城二期、三期", ("恒大城", "二期、三期")),
    ("香墅岭西区", ("香墅岭", "西区")),
    ("恒大中心", ("恒大中心", "")),
    ("一期", ("一期", "")),
])
def test_split_phase(core: str, parts: tuple[str, str]) -> None:
    assert split_phase(core) == parts


@pytest.mark.parametrize(("name", "parts"), [
    ("遂宁住建", ("510900", "住建局", "")),
    ("遂宁市住房城乡建设局", ("510900", "住建局", "")),
    ("平顶山市新华区住房和城乡建设局", ("410402", "住建局", "")),
    ("郑州市住房保障和房地产管理局", ("410100", "房管局", "")),
    ("河南省人民政府", ("410000", "政府", "")),
])
def test_agency_parts(name: str, parts: tuple[str, str, str]) -> None:
    assert agency_parts(name) == parts


def test_prefix_table_strips_the_longest_prefix_the_way_a_scan_would() -> None:
    """The length-indexed prefix table must give what a longest-first ``startswith`` scan gives."""
    from loupan.ingest.matching import PrefixTable, place_prefixes, strip_places

    def scan(text: str, prefixes: tuple[str, ...], keep: int) -> str:
        changed = True
        while changed:
            changed = False
            for prefix in sorted(prefixes, key=len, reverse=True):
                if text.startswith(prefix) and len(text) - len(prefix) >= keep:
                    text, changed = text[len(prefix):], True
                    break
        return text

    prefixes = place_prefixes("511403")  # 眉山市彭山区: province, city and its counties
    assert {"四川省", "四川", "眉山市", "眉山", "彭山区", "彭山"} <= set(prefixes)
    assert "成都" not in prefixes
    for text in ("眉山市彭山区融创水郡未来城", "四川眉山彭山恒大城", "眉山花园", "眉山市彭山", "成都眉山城",
                 "彭山区眉山市彭山区某某苑", "东坡区东坡印象"):
        for keep in (2, 3):
            assert strip_places(text, "511403", keep) == scan(text, prefixes, keep), (text, keep)
    table = PrefixTable(["恒大", "恒大地产", "华"])
    assert table.longest("恒大地产城市之光", keep=2) == "恒大地产"
    assert table.longest("恒大地产", keep=2) == "恒大"
    assert table.longest("万科城", keep=2) == ""


def test_fold_converts_traditional_script_and_leaves_simplified_text_alone() -> None:
    from loupan.ingest.normalize import fold

    assert fold("恆大 集團") == "恒大集团"
    assert fold("碧桂園（ＡＢ）") == "碧桂园(AB)"
    assert fold("萬科") == "万科"
    assert fold("郑州市住房保障和房地产管理局") == "郑州市住房保障和房地产管理局"
