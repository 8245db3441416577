"""Check family ``sensitive``: politically harmful, violent/terror, cult, drug and similar words.

Entries come from the packs whose category is ``sensitive`` (``data/packs/sensitive-*.yaml``).
Government texts also *denounce* these things (打击“法轮功”邪教组织, 禁毒宣传): the packs use
``unless_near`` for such contexts and ``only_near`` for words that are harmful only in a
trading context (drug names next to 出售/微信).

On top of the pack rules:

* a word in a sentence that reports, condemns or refutes it is not reported, even when the
  marker is further away than the entry's window: “东突厥斯坦伊斯兰运动”（“东伊运”）已被联合国
  安理会列为恐怖组织 is a neutral fact; 所谓“台湾是一个主权独立的国家”的谬论 is a refutation;
* statements in full sentence form that no single word captures (rules ``sensitive:…``):

  - ``sensitive:separatist-statement`` (veto): 台湾是一个主权独立的国家, 台独是台湾唯一的选择,
    西藏不属于中国, 台湾前途由台湾人民决定;
  - ``sensitive:terror-call`` (veto): calls to violent jihad (号召穆斯林拿起武器参加圣战,
    圣战到底, 殉道者必得天堂, 杀死异教徒, 加入伊斯兰国).

  The same sentence-level markers keep reports and condemnations of such statements clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..base import Recognizer
from ..document import Document
from ..findings import Finding
from ..lexicon import Hit
from ..packs import Entry

# Words by which a sentence reports, condemns, refutes or classifies what it quotes.
NEUTRAL_MARKERS = (
    "恐怖组织", "恐怖主义", "恐怖势力", "恐怖分子", "暴恐", "暴力恐怖", "安理会", "列为", "认定为", "定性为", "制裁",
    "谴责", "批驳", "驳斥", "揭批", "揭露", "揭穿", "批判", "所谓", "谬论", "歪理", "邪说", "鼓吹", "煽动", "宣扬",
    "蛊惑", "妄图", "妄称", "叫嚣", "炮制", "散布", "声称", "宣称", "扬言", "分裂势力", "分裂分子", "分裂活动",
    "分裂行径", "分裂图谋", "分裂国家", "分裂主义", "罪行", "依法惩治", "依法打击", "严厉打击", "坚决打击", "反恐",
    "去极端化", "极端主义", "极端思想", "宗教极端", "反分裂", "坚决反对", "决不允许", "绝不允许", "绝不容忍",
    "决不容忍", "挑衅", "荒谬", "错误言论", "错误观点", "违法犯罪", "犯罪", "判处", "查处", "警惕", "防范", "抵御",
    "识破", "辨别", "真面目", "抛出", "据报道", "报道称", "谣言", "污蔑", "歪曲", "颠倒黑白", "一派胡言", "痴心妄想",
    "图谋", "防止", "阻止", "严防", "被骗", "受骗", "误入", "诱骗", "裹挟", "死路", "绝路", "走不通", "倒退", "逆流",
    "否认", "不承认", "错误", "谎言", "无稽之谈", "站不住脚", "违背", "违反", "一个中国原则", "一中原则", "国台办",
    "发言人", "回应", "驳", "批评", "抨击", "说法", "论调", "伎俩", "闹剧",
)
# A sentence that denies what it states: 台独是逆历史潮流的绝路, 台湾从来不是一个国家.
_NEGATION = re.compile(r"不|没|非|逆|违背|背离|绝路|死路")
# Packs (by tag) whose names are stated as facts in news and policy texts (组织被列为恐怖组织):
# their words are also judged by the whole sentence.
SENTENCE_SCOPED_TAGS = ("分裂", "暴恐")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_REACH = 100

_GAP = r"[^。！？!?；;\n]"
_PLACE = r"(?:台湾|台澎金马|西藏|新疆|东突厥斯坦|香港)"
_STATEHOOD = re.compile(
    # 台湾是一个主权独立的国家, 西藏自古就是独立国家
    _PLACE + r"(?:自古以来|从来|本来|历来|早已|已经|早就|实际上|事实上)?(?:就|都)?(?:是|为|乃|成为|作为)(?:一个)?"
    r"(?:主权独立|独立自主|独立|主权)(?:的)?(?:主权)?国家"
    # 台独是台湾唯一的选择, 台湾独立才是正确的道路
    r"|(?:(?<![平舞讲站柜吧前后擂月灶看阳出上下登])台独|藏独|疆独|港独|" + _PLACE + r"独立)"
    r"(?:是|才是|乃是|就是|为)" + _GAP + r"{0,12}?"
    r"(?:唯一|正确|必然|必由|最好|光明|正义)" + _GAP + r"{0,4}?(?:选择|出路|道路|方向|之路|事业)"
    # 台湾的前途由 2300 万台湾人民决定
    r"|" + _PLACE + r"(?:的)?前途(?:应|应该|必须|只能)?(?:由)" + _GAP + r"{0,10}"
    + _PLACE + r"人(?:民)?(?:自己)?(?:来)?决定"
)
# 台湾不是中国的一部分, 西藏自古以来就不属于中国 (the negation is the statement itself).
_NOT_CHINA = re.compile(
    _PLACE + r"(?:自古以来|从来|自古|历来|根本|本来)?(?:就|都)?(?:不是|不属于)"
    r"(?:中国|中华人民共和国|中华民族)(?:的(?:一部分|领土))?"
)
# 圣战 also sits inside 神圣战争/神圣战斗 (the War of Resistance, the Great Patriotic War).
_JIHAD = r"(?:(?<!神)圣战|吉哈德)"
_TERROR = re.compile(
    r"(?:号召|呼吁|鼓励|动员|起来|拿起武器|拿起刀|投身|加入|参加|参与|发动|践行|走上|奔赴|献身)"
    + _GAP + r"{0,10}" + _JIHAD
    + r"|" + _JIHAD + r"(?:到底|万岁|光荣|必胜|是" + _GAP + r"{0,10}(?:义务|责任|天职|使命|主命|荣耀|正道))"
    r"|殉(?:道|教)(?:者|的人|的兄弟|的勇士)?" + _GAP + r"{0,6}(?:进入|升入|进|上|得|入|获得|直通|直升)天堂"
    r"|" + _JIHAD + r"(?:士|者|中牺牲的人)?" + _GAP + r"{0,6}(?:进入|升入|上|直通|直升)天堂"
    r"|(?:杀死|杀光|杀掉|消灭|处死|斩首)(?:所有|一切|全部)?(?:的)?(?:异教徒|卡菲尔|叛教者|不信道者)"
    r"|为(?:真主|安拉)而战"
    r"|(?:加入|投奔|效忠|追随)(?:伊斯兰国|isis|isil|基地组织|东伊运)"
)
# Cheap test before the regexes.
_CUES = (
    "独立", "台独", "藏独", "疆独", "港独", "不是中国", "不属于中国", "前途", "圣战", "吉哈德", "天堂", "异教徒",
    "卡菲尔", "叛教者", "不信道者", "真主而战", "安拉而战", "伊斯兰国", "isis", "isil", "基地组织", "东伊运",
)


# Words every match of a pattern contains: the patterns are tried only around them.
_PLACE_CUES = ("台湾", "台澎金马", "西藏", "新疆", "东突厥斯坦", "香港", "台独", "藏独", "疆独", "港独")
_TERROR_CUES = ("圣战", "吉哈德", "天堂", "异教徒", "卡菲尔", "叛教者", "不信道者", "真主", "安拉", "伊斯兰国", "isis",
                "isil", "基地组织", "东伊运")


def _matches_around(folded: str, pattern: re.Pattern, cues: tuple[str, ...], reach: int = 30) -> list[tuple[int, int]]:
    """Spans of ``pattern`` that contain one of ``cues``, found by searching near each cue only."""
    spans: set[tuple[int, int]] = set()
    for cue in cues:
        at = folded.find(cue)
        while at >= 0:
            for m in pattern.finditer(folded, max(0, at - reach), min(len(folded), at + len(cue) + reach)):
                if m.start() <= at and at + len(cue) <= m.end():
                    spans.add(m.span())
            at = folded.find(cue, at + 1)
    return sorted(spans)


def neutral_sentence(doc: Document, start: int, end: int) -> bool:
    """True when the sentence holding ``start:end`` reports, condemns or refutes what it says."""
    folded = doc.folded
    lo = max(0, start - _REACH)
    left = folded[lo:start]
    cut = [m.end() for m in _SENTENCE_END.finditer(left)]
    if cut:
        lo += cut[-1]
    hi = min(len(folded), end + _REACH)
    m = _SENTENCE_END.search(folded, end, hi)
    if m is not None:
        hi = m.start()
    sentence = folded[lo:hi]
    return any(w in sentence for w in NEUTRAL_MARKERS)


class SensitiveRecognizer(Recognizer):
    family = "sensitive"

    def entry_finding(self, doc: Document, hit: Hit, entry: Entry) -> Finding | None:
        finding = super().entry_finding(doc, hit, entry)
        if finding is None or (entry.tag in SENTENCE_SCOPED_TAGS and neutral_sentence(doc, hit.start, hit.end)):
            return None
        return finding

    def analyze(self, doc: Document, hits: list[Hit]) -> Iterable[Finding]:
        yield from super().analyze(doc, hits)
        folded = doc.folded
        if not any(cue in folded for cue in _CUES):
            return
        separatist = "鼓吹国家分裂的言论（把台湾、西藏、新疆、香港说成独立国家或不属于中国），政府网站严禁出现"
        for pattern, cues, rule, message in (
            (_STATEHOOD, _PLACE_CUES, "sensitive:separatist-statement", separatist),
            (_NOT_CHINA, _PLACE_CUES, "sensitive:separatist-statement", separatist),
            (_TERROR, _TERROR_CUES, "sensitive:terror-call",
             "煽动暴力恐怖活动（“圣战”号召、殉道升天、杀戮异教徒）的言论，政府网站严禁出现"),
        ):
            for start, end in _matches_around(folded, pattern, cues):
                if not doc.same_segment(start, end) or neutral_sentence(doc, start, end):
                    continue
                if pattern is _STATEHOOD and _NEGATION.search(folded, start + 2, end - 2):
                    continue
                yield Finding(
                    category="sensitive", rule=rule, severity="veto", start=start, end=end, text=doc.text[start:end],
                    message=message, suggestion="立即删除并排查网站是否被篡改，必要时报告公安机关", confidence=0.9,
                )
