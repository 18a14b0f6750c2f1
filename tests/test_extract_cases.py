"""Case tables for the news extractor: Chinese sentences → expected (and excluded) entities and relations."""

from __future__ import annotations

import pytest

from loupan.errors import UnreadableInput
from loupan.ingest.extract import Extraction, KnownNames, extract
from loupan.ingest.reading import read_text
from loupan.ingest.text import fold


def _has(ex: Extraction, typ: str, form: str) -> bool:
    return any(e.type == typ and (e.name == form or any(m.text == form for m in e.mentions)) for e in ex.entities)


def _rel(ex: Extraction, typ: str, src: str, dst: str) -> bool:
    by_id = {e.id: e for e in ex.entities}

    def forms(eid: str) -> set[str]:
        e = by_id[eid]
        return {e.name, *(m.text for m in e.mentions)}

    return any(r.type == typ and src in forms(r.source) and dst in forms(r.target) for r in ex.relations)


# (text, published, type, surface form)
POSITIVE = [
    ("平顶山市问题楼盘处置化解领导小组副组长、副市长张树营主持召开推进会。", None, "Official", "张树营"),
    ("平顶山市问题楼盘处置化解领导小组副组长、副市长张树营主持召开推进会。", None, "TaskForce", "平顶山市问题楼盘处置化解领导小组"),
    ("平顶山市新华区区长张伟民在会上表示,要依法依规处置。", None, "Official", "张伟民"),
    ("平顶山市新华区区长张伟民在会上表示,要依法依规处置。", None, "Place", "平顶山市新华区"),
    ("郑州市住房保障和房地产管理局相关负责人表示", None, "Agency", "郑州市住房保障和房地产管理局"),
    ("四川省遂宁市住房城乡建设局印发通知", None, "Agency", "四川省遂宁市住房城乡建设局"),
    ("湖北省武汉市江汉区人民政府办公室发布通知", None, "Agency", "湖北省武汉市江汉区人民政府办公室"),
    ("在银保监会发声支持地方推进“保交楼”后", None, "Agency", "银保监会"),
    ("在银保监会发声支持地方推进“保交楼”后", None, "Policy", "保交楼"),
    ("各地坚持做到“一楼一策一专班”,精准施策。", None, "Policy", "一楼一策一专班"),
    ("《冕宁县人民政府办公室关于印发冕宁县促进房地产市场平稳健康发展的措施的通知》", None, "Policy",
     "《冕宁县人民政府办公室关于印发冕宁县促进房地产市场平稳健康发展的措施的通知》"),
    ("更早前,光明日报于今年6月2日发布消息。", "2022-07", "Outlet", "光明日报"),
    ("另据顶端新闻·河南商报7月14日报道", "2022-07", "Outlet", "顶端新闻·河南商报"),
    ("据官方微信公众号“长沙发布”消息,市政府召开常务会议。", None, "Outlet", "长沙发布"),
    ("第一批次为福晟钱隆御品项目、恒大悦珑湾项目。", None, "Project", "恒大悦珑湾"),
    ("第一批次为福晟钱隆御品项目、恒大悦珑湾项目。", None, "Developer", "恒大"),
    ("后因开发商金凤桐房地产开发有限公司资金链断裂一直未能完工", None, "Developer", "金凤桐房地产开发有限公司"),
    ("融創春風十里項目延期交房,五華區住建局回復業主", None, "Agency", "五華區住建局"),
    ("融創春風十里項目延期交房,五華區住建局回復業主", None, "Project", "融創春風十里"),
    ("闽侯县委县政府高度重视,成立工作专班、出台相关文件。", None, "Agency", "闽侯县委县政府"),
    ("闽侯县委县政府高度重视,成立工作专班、出台相关文件。", None, "TaskForce", "工作专班"),
    ("易居研究院智库中心研究总监严跃进指出,帮扶机制有助于盘摸情况。", None, "Person", "严跃进"),
    ("7月11日,长沙的新力铂园也发布告知书。", "2022-07", "Place", "长沙"),
    ("ＡＢＣ全角:郑州市住房保障和房地产管理局", None, "Agency", "郑州市住房保障和房地产管理局"),
    ("會上,河南省住房和城鄉建設廳副廳長王強表示,將加快推進恒大養生谷項目復工。", None, "Project", "恒大養生谷"),
    ("會上,河南省住房和城鄉建設廳副廳長王強表示,將加快推進恒大養生谷項目復工。", None, "Official", "王強"),
    ("业委会主任张华称,业主已向金水区住建局反映。", None, "Person", "张华"),
    ("据大河报报道,郑州市金水区区长李伟主持召开全区问题楼盘化解工作推进会。", None, "Outlet", "大河报"),
    ("涉及的项目分别有富力开远城、高新金茂悦园、天琴湾,主要问题包括房屋质量。", None, "Project", "高新金茂悦园"),
    ("美的置业集团旗下项目正常交付。", None, "Developer", "美的置业集团"),
    ("广东省佛山市南海区近日召开专题会议,区委副书记、区长陈勇强调。", None, "Official", "陈勇"),
    ("Evergrande's projects in Guangzhou and Shenzhen stalled.", None, "Place", "Guangzhou"),
    ("Evergrande's projects in Guangzhou and Shenzhen stalled.", None, "Developer", "Evergrande"),
]

# (text, type, surface form that must NOT be extracted as that type)
NEGATIVE = [
    ("问题楼盘处置化解涉及民生,拆迁安置压力很大,刻不容缓。", "Place", "迁安"),
    ("更早前,光明日报于今年6月2日发布消息。", "Event", "光明日报"),
    ("新华区区长表示要加快进度。", "Place", "新华区"),  # a bare 新华区 without its city is ambiguous
    ("我们要确保定期检查到位。", "Place", "保定"),
    ("市长实地调研安厦工地现场。", "Developer", "实地"),
    ("不少房企因此陷入资金困局,进而引发项目停工。", "Project", "进而引发"),
    ("在确保安全和质量的前提下加快项目建设进度。", "Project", "前提下加快"),
    ("中国菏泽网消息(记者 胡德光)10月15日,市委书记张伦来到牡丹区。", "Person", "胡德光"),
    ("中国菏泽网消息(记者 胡德光)10月15日,市委书记张伦来到牡丹区。", "Official", "张伦来"),
    ("西安9个“问题”项目业主投诉", "Project", "问题"),
    ("业委会主任张华称,业主已反映。", "Official", "张华"),
    ("确定组长单位为市住建局。", "Official", "单位"),
    ("碧桂园服务有限公司表示将继续提供物业服务。", "Developer", "碧桂园服务有限公司"),
    ("区委书记高度重视此事。", "Official", "高度"),
    ("两个地块应该分别于今年4月30日和6月30日交房,但至今未交房。", "Event", "交房"),
    ("据澎湃新闻报道,项目停工。", "Outlet", "澎湃新闻报"),
    ("并指定深圳诚信会计师事务所(特殊普通合伙)担任管理人。", "Place", "深圳"),
    ("《河南开封鼓楼区:“一楼一策一专班”化解问题楼盘》提到", "Policy",
     "《河南开封鼓楼区:“一楼一策一专班”化解问题楼盘》"),
]

# (text, published, relation, source form, target form)
RELATIONS = [
    ("平顶山市新华区人民政府7月15日的消息", "2022-07", "LOCATED_IN", "平顶山市新华区人民政府", "平顶山市新华区"),
    ("平顶山市新华区人民政府发布消息。平顶山市发布消息。", None, "PART_OF", "平顶山市新华区", "平顶山市"),
    ("中山中院法官李世寅如是说。", None, "MEMBER_OF", "李世寅", "中山中院"),
    ("第一批次为福晟钱隆御品项目、恒大悦珑湾项目。", None, "DEVELOPS", "恒大", "恒大悦珑湾"),
    ("禾木花苑项目位于唐山市路北区,于2008年开盘。", None, "LOCATED_IN", "禾木花苑", "唐山市路北区"),
    ("10月15日,市委书记张伦先后来到牡丹区、鲁西新区部分企业、项目,调研督导“保交楼”工作。", "2024-10-16",
     "LEADS", "张伦", "调研督导“保交楼”工作"),
    ("四川遂宁和陕西咸阳于近日出台了“一对一”帮扶政策。", None, "ADOPTED", "遂宁", "“一对一”帮扶政策"),
    ("四川遂宁和陕西咸阳于近日出台了“一对一”帮扶政策。", None, "ADOPTED", "咸阳", "“一对一”帮扶政策"),
    ("闽侯县委县政府高度重视,成立工作专班、出台相关文件。", None, "LEADS", "闽侯县委县政府", "工作专班"),
    ("唐山市中院依法裁定受理金凤桐房地产开发有限公司破产重整一案。", None, "HANDLES", "唐山市中院", "金凤桐房地产开发有限公司"),
    ("正商地产旗下河南正商置业有限公司因资金问题导致项目停工。", None, "SUBSIDIARY_OF", "河南正商置业有限公司", "正商"),
    ("融创春风十里项目最后的两个住宅地块分别为云澜苑和云秀苑。", None, "PART_OF", "云秀苑", "融创春风十里"),
    ("在中丞玖璋台项目,张伦关切询问“保交楼”项目建设情况。", None, "APPLIES_TO", "保交楼", "中丞玖璋台"),
]


@pytest.mark.parametrize(("text", "published", "typ", "form"), POSITIVE)
def test_positive(text: str, published: str | None, typ: str, form: str) -> None:
    ex = extract(text, published=published)
    assert _has(ex, typ, form), [(e.type, e.name, [m.text for m in e.mentions]) for e in ex.entities]


@pytest.mark.parametrize(("text", "typ", "form"), NEGATIVE)
def test_negative(text: str, typ: str, form: str) -> None:
    ex = extract(text)
    assert not _has(ex, typ, form)


@pytest.mark.parametrize(("text", "published", "rel", "src", "dst"), RELATIONS)
def test_relations(text: str, published: str | None, rel: str, src: str, dst: str) -> None:
    ex = extract(text, published=published)
    assert _rel(ex, rel, src, dst), [(r.type, r.source, r.target) for r in ex.relations]


# (text, published, event mention, expected ISO date)
DATES = [
    ("7月15日上午,副市长张树营主持召开市区问题楼盘处置化解工作推进会。", "2022-07", "市区问题楼盘处置化解工作推进会", "2022-07-15"),
    ("昨日,闽侯奥莱项目“保交楼”复工仪式在奥莱时代广场举行。", "2023-07-10", "复工仪式", "2023-07-09"),
    ("自2021年11月停工之后,项目一直推进缓慢。", "2022-09", "停工", "2021-11"),
    ("12月9日,郑州市市长侯红组织召开问题楼盘化解工作专题会议。", "2022-01-05", "问题楼盘化解工作专题会议", "2021-12-09"),
]


@pytest.mark.parametrize(("text", "published", "mention", "iso"), DATES)
def test_event_dates(text: str, published: str, mention: str, iso: str) -> None:
    ex = extract(text, published=published)
    events = [e for e in ex.entities if e.type == "Event" and any(m.text == mention for m in e.mentions)]
    assert events and events[0].attrs.get("date") == iso


def test_traditional_script_spans_point_into_the_original() -> None:
    text = "9月2日,五華區住建局回復了業主的留言。"
    ex = extract(text, published="2022-09")
    agency = next(e for e in ex.entities if e.type == "Agency")
    m = agency.mentions[0]
    assert text[m.start : m.end] == m.text == "五華區住建局"
    assert fold(text) != text and len(fold(text)) == len(text)


def test_place_attrs_carry_code_level_and_province() -> None:
    ex = extract("河南省平顶山市新华区人民政府发布消息")
    place = next(e for e in ex.entities if e.type == "Place" and e.attrs.get("level") == "district")
    assert place.attrs["code"] == "410402" and place.attrs["province"] == "河南"


def test_known_names_are_recognised_and_grow_incrementally() -> None:
    known = KnownNames()
    known.add("格林尚坊", "Project", "格林尚坊花园")
    text = "业主们来到格林尚坊售楼部,并联系了鑫德利置业。"
    ex = extract(text, known=known)
    assert _has(ex, "Project", "格林尚坊")
    assert not _has(ex, "Developer", "鑫德利置业")
    known.add("鑫德利置业", "Developer", "中山市鑫德利置业有限公司")
    ex = extract(text, known=known)
    assert _has(ex, "Developer", "鑫德利置业") and len(known) == 2


def test_known_names_give_canonical_names_and_skip_ordinary_words() -> None:
    known = KnownNames()
    known.add("恒大", "Developer", "中国恒大集团")
    known.add("时代", "Project", "时代")
    ex = extract("第一批次为恒大悦珑湾项目。璀璨时代项目一期交付,新时代的要求。", known=known)
    assert _has(ex, "Project", "恒大悦珑湾")  # a known brand does not hide the project it starts
    developer = next(e for e in ex.entities if e.type == "Developer")
    assert developer.name == "中国恒大集团" and developer.mentions[0].text == "恒大"
    assert not _has(ex, "Project", "时代")
    assert _rel(ex, "DEVELOPS", "恒大", "恒大悦珑湾")


def test_reading_decodes_gb18030_and_strips_html() -> None:
    html = "<html><head><script>var x=1;</script></head><body><p>郑州市人民政府</p></body></html>"
    assert read_text(html.encode("gb18030")) == "郑州市人民政府"
    with pytest.raises(UnreadableInput):
        read_text(b"\x00\x01\x02binary")
    with pytest.raises(UnreadableInput):
        read_text(b"   ")
