"""Gazetteer of administrative divisions: data invariants and look-up case tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loupan.ingest.places import LEVELS, Division, Gazetteer, gazetteer, short_form

WENEEDHOME = Path(__file__).resolve().parent / "fixtures" / "weneedhome"


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return gazetteer()


# --- data -----------------------------------------------------------------------------------


def test_codes_are_unique_sorted_six_digits(g: Gazetteer) -> None:
    codes = [d.code for d in g]
    assert codes == sorted(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)


def test_parents_exist_and_sit_higher(g: Gazetteer) -> None:
    for d in g:
        assert d.level in LEVELS
        if d.level == "province":
            assert d.parent is None, d
            continue
        assert d.parent is not None, d
        parent = g.get(d.parent)
        assert parent is not None, d
        assert LEVELS.index(parent.level) < LEVELS.index(d.level), d
        assert d.code[:2] == parent.code[:2], d


@pytest.mark.parametrize(
    ("level", "low", "high"),
    [("province", 34, 34), ("prefecture", 330, 340), ("county", 1800, 1950), ("district", 950, 1000)],
)
def test_level_counts(g: Gazetteer, level: str, low: int, high: int) -> None:
    assert low <= sum(d.level == level for d in g) <= high


def test_no_placeholders_or_statistical_units(g: Gazetteer) -> None:
    names = {d.name for d in g}
    assert not names & {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    assert not [
        n for n in names if n.endswith(("开发区", "产业园区", "工业园区", "管委会", "委员会", "示范区"))
    ]


def test_short_forms_are_never_one_character(g: Gazetteer) -> None:
    assert all(len(d.short) >= 2 for d in g)
    assert all(len(surface) >= 2 for surface, _ in g.surface_forms())


# --- short forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "level", "short"),
    [
        ("山东省", "province", "山东"),
        ("北京市", "province", "北京"),
        ("广西壮族自治区", "province", "广西"),
        ("内蒙古自治区", "province", "内蒙古"),
        ("新疆维吾尔自治区", "province", "新疆"),
        ("香港特别行政区", "province", "香港"),
        ("平顶山市", "prefecture", "平顶山"),
        ("凉山彝族自治州", "prefecture", "凉山"),
        ("博尔塔拉蒙古自治州", "prefecture", "博尔塔拉"),
        ("恩施土家族苗族自治州", "prefecture", "恩施"),
        ("大兴安岭地区", "prefecture", "大兴安岭"),
        ("锡林郭勒盟", "prefecture", "锡林郭勒"),
        ("新华区", "district", "新华"),
        ("城区", "district", "城区"),
        ("矿区", "district", "矿区"),
        ("靖江市", "county", "靖江"),
        ("神农架林区", "county", "神农架"),
        ("六枝特区", "county", "六枝"),
        ("大通回族土族自治县", "county", "大通"),
        ("积石山保安族东乡族撒拉族自治县", "county", "积石山"),
        ("双江拉祜族佤族布朗族傣族自治县", "county", "双江"),
        ("东乡族自治县", "county", "东乡"),
        ("鄂伦春自治旗", "county", "鄂伦春"),
        ("鄂温克族自治旗", "county", "鄂温克"),
        ("莫力达瓦达斡尔族自治旗", "county", "莫力达瓦"),
        ("县", "county", "县"),
    ],
)
def test_short_form(name: str, level: str, short: str) -> None:
    assert short_form(name, level) == short


# --- get, chain, display_name ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("410402", "河南省平顶山市新华区"),
        ("110105", "北京市朝阳区"),
        ("321282", "江苏省泰州市靖江市"),
        ("419001", "河南省济源市"),
        ("429021", "湖北省神农架林区"),
        ("441900", "广东省东莞市"),
        ("370000", "山东省"),
        ("999999", ""),
    ],
)
def test_display_name(g: Gazetteer, code: str, display: str) -> None:
    assert g.display_name(code) == display
    assert [d.code for d in g.chain(code)][-1:] == ([code] if display else [])


def test_get(g: Gazetteer) -> None:
    assert g.get("410402") == Division("410402", "新华区", "新华", "district", "410400")
    assert g.get("410400") is not None and g.get("410400").level == "prefecture"  # type: ignore[union-attr]
    assert g.get("4104") is None


# --- find -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "within", "codes"),
    [
        ("山东", None, ["370000"]),
        ("山东省", None, ["370000"]),
        ("遂宁", None, ["510900"]),
        ("广西", None, ["450000"]),
        ("广西省", None, ["450000"]),  # a common slip: 省 for 自治区
        ("恩施州", None, ["422800"]),
        ("凉山", None, ["513400"]),
        ("吉林", None, ["220000", "220200"]),  # province before prefecture
        ("朝阳", None, ["211300", "211321", "110105", "220104"]),
        ("朝阳", "110000", ["110105"]),
        ("朝阳", "210000", ["211300", "211321"]),
        ("朝阳区", None, ["110105", "220104"]),
        ("新华", "410000", ["410402"]),
        ("新华区", "130000", ["130105", "130902"]),
        ("巴南县", None, ["500113"]),  # 县 that became a 区 keeps its stem
        (" 郑州 ", None, ["410100"]),
        ("吉林县", None, []),  # a 县 suffix never names a province or prefecture
        ("城", None, []),
        ("区", None, []),
        ("", None, []),
        ("郑洲", None, []),
        ("朝阳", "370000", []),
    ],
)
def test_find(g: Gazetteer, name: str, within: str | None, codes: list[str]) -> None:
    assert [d.code for d in g.find(name, within=within)] == codes


# --- resolve --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "city", "district", "code"),
    [
        ("山东", "济南市", None, "370100"),
        ("山东省", "济南", None, "370100"),
        ("河南省", "郑州", None, "410100"),
        ("北京市", "朝阳区", None, "110105"),  # district of a municipality given as city
        ("北京", "北京市", None, "110000"),
        ("重庆市", "巴南区", None, "500113"),
        ("江苏省", "靖江市", None, "321282"),  # county-level city given as city
        ("河南省", "荥阳市", None, "410182"),
        ("湖南省", "衡东县", None, "430424"),
        ("河南", "济源市", None, "419001"),
        ("吉林", "吉林", None, "220200"),  # the prefecture, not the province again
        ("辽宁", "朝阳", None, "211300"),  # prefecture before its namesake county
        ("湖北省", "恩施州", None, "422800"),
        ("广西省", "南宁", None, "450100"),
        ("天津市", "天津城区", None, "120000"),  # place + area word
        ("山西", "晋城城区", None, "140502"),  # ... unless it is a real district
        ("山东省", "济南市历下区", None, "370102"),
        ("河南", "郑州市", "金水区", "410105"),
        ("河南", "郑州市", "鼓楼区", "410100"),  # 鼓楼区 is in 开封: keep the city
        ("河南", "平顶山", "新华", "410402"),
        ("山东", "济南", "章丘市", "370114"),  # county-level city turned district
        ("福建", "龙海市", None, "350604"),
        ("福建", "长泰县", None, "350605"),  # county turned district
        ("河南", None, None, "410000"),
        (None, "郑州市", None, "410100"),
        (None, "靖江市", None, "321282"),
        (None, "朝阳", None, "211300"),
    ],
)
def test_resolve(
    g: Gazetteer, province: str | None, city: str | None, district: str | None, code: str
) -> None:
    found = g.resolve(province, city, district)
    assert found is not None and found.code == code


@pytest.mark.parametrize(
    ("province", "city", "district"),
    [
        ("山东", "郑州", None),  # never across provinces
        ("江苏省", "朝阳区", None),
        ("北京市", "浦东新区", None),
        ("河南省", "郑洲", None),  # typo
        ("火星", "郑州", None),  # unknown province
        ("深圳", None, None),  # not a province
        ("河北", "新华区", None),  # 石家庄 and 沧州 both have one
        (None, "新华区", None),
        (None, "朝阳区", None),
        ("天津市", "天津新城", None),
        ("山东省", "济南市历下路", None),
        (None, None, None),
        ("", " ", None),
    ],
)
def test_resolve_refuses(g: Gazetteer, province: str | None, city: str | None, district: str | None) -> None:
    assert g.resolve(province, city, district) is None


# --- real records ---------------------------------------------------------------------------


def weneedhome_pairs() -> list[tuple[str, str]]:
    records = json.loads((WENEEDHOME / "properties-flat.json").read_text(encoding="utf-8"))
    return [(r["province"], r["city"]) for r in records]


def test_weneedhome_records_resolve_inside_their_province(g: Gazetteer) -> None:
    pairs = weneedhome_pairs()
    assert len(pairs) == 351
    resolved = {pair: g.resolve(*pair) for pair in set(pairs)}
    unresolved = [pair for pair in pairs if resolved[pair] is None]
    assert 1 - len(unresolved) / len(pairs) >= 0.99, sorted(set(unresolved))
    for (province, _), d in resolved.items():
        if d is not None:
            top = g.chain(d.code)[0]
            assert province in (top.name, top.short)


def test_weneedhome_extra_info_keys_resolve(g: Gazetteer) -> None:
    keys = json.loads((WENEEDHOME / "extra-info.json").read_text(encoding="utf-8"))
    pairs = [tuple(key.split("-", 2)[:2]) for key in keys]
    unresolved = sorted({p for p in pairs if g.resolve(p[0], p[1]) is None})
    assert len(unresolved) <= len(pairs) // 100, unresolved


def test_gazetteer_is_cached() -> None:
    assert gazetteer() is gazetteer()
