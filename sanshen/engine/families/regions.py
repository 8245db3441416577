"""Taiwan, Hong Kong and Macao wording that needs context (data in ``data/regions/*.yaml``).

* ``region:<place>-country`` — a place listed among countries without 和地区 (美国、日本、台湾等
  国家), or called a state (台湾国);
* ``region:taiwan-office`` — offices and titles of the Taiwan authorities written as those of a
  state (台湾“总统”, 台湾外交部, 蔡英文总统);
* ``region:roc`` — 中华民国 outside a historical (1912–1949) context;
* ``region:<place>-vs-china`` — Hong Kong, Macao or Taiwan set against 中国 as an equal
  (香港和中国之间, 台湾与中国): the right forms are 内地/祖国大陆/大陆;
* ``region:taiwan-guoli`` — 国立 written without quotation marks before a Taiwan institution
  (国立台湾大学, 台湾国立清华大学); the standard is 台湾“国立”…大学 or dropping 国立.

Every check starts from a word found by the shared scanner; the small regexes only run at
those places.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Document
from ..findings import Finding
from ..lexicon import Hit
from ..packs import read_yaml_mapping
from .leaders import corrected

FAMILY = "expression"

_PLACE_ALIASES = {"taiwan": "台湾地区", "hongkong": "香港特别行政区", "macao": "澳门特别行政区",
                  "hkmotw": "港澳台地区", "hkmo": "港澳地区"}
_PLACE_LABEL = {"taiwan": "台湾", "hongkong": "香港", "macao": "澳门", "hkmotw": "港澳台", "hkmo": "港澳"}
_REGION_OK = ("和地区", "及地区", "与地区", "或地区", "、地区", "(地区)", "（地区）", "/地区", "和区域", "及区域",
              "地区", "和城市", "及城市")
_LIST_STOPS = re.compile(r"[，。；：！？\n()（）“”]|等|地区|以及")
_LIST_SPLIT = re.compile(r"、|和|与|及|或")
_NUMBER = r"(?:\d+|[一二三四五六七八九十百几数两]+)\s*(?:多|余|来)?|多"
# 等20多个国家, 等十几个国家, 等多个国家; without 等 the list must end right at the count
# (美国、日本、香港三个国家), and 个国家 must not start 国家级/国家重点… (香港两个国家重点实验室).
_COUNT_RE = re.compile(rf"(等)?\s*(?:{_NUMBER})\s*$")
_NOT_COUNTRY_AFTER = re.compile(
    r"级|重点|队|标准|机关|部委|部门|工程|实验室|中心|战略|安全|项目|公园|示范|层面|意志|利益"
)
# 远销美国、日本、香港等国: 等国 closes the list when no word of 国 follows (等国内, 等国际…).
_DENG_GUO_END = re.compile(r"等国(?=$|[\s，。；：、！？）)”’的和与及以签进出开建合交友市客游投均都也已将])")
_INCLUDING_RE = re.compile(r"在内的\s*(?:\d+|[一二三四五六七八九十百几多数两]+)?\s*$")
_OTHER_RE = re.compile(r"(台湾|香港|澳门|港澳台|港澳)(?:地区|特区)?\s*(?:和|与|及|以及|、|等)\s*$")
_STATE_AFTER = re.compile(r"国(?=$|[\s，。；：！？、”’)）和与及的]|政府|总统|元首|总理)")
_TW_STATE_AFTER = re.compile(r"国(?:旗|歌|徽|号)")
_CJK_LAST = re.compile(r"[\u4e00-\u9fff]$")
_YEAR_RE = re.compile(r"(?:19(?:1[2-9]|[234]\d))\s*年|民国\s*[元一二三四五六七八九十廿\d]{1,3}\s*年")
_TW_QUALIFIER = ("前", "原", "现任", "新任", "时任")
# 香港和中国之间, 台湾与中国: a connector and 中国 right after the place ...
_VS_CHINA = re.compile(r"\s*(?:与|和|及|同|跟|以及|、)\s*中国")
# ... unless 中国 starts a longer name (中国内地, 中国国民党, 中国其他城市, 中国银行).
_VS_CHINA_OK = re.compile(
    r"大陆|内地|香港|澳门|台湾|大陸|內地|澳門|臺灣|台灣|其他|其它|其余|各地|各省|国民党|共产党|人民|政府|中央|"
    r"[^\s的之，。、；：]{0,8}?(?:银行|公司|集团|协会|学会|委员会|科学院|研究院|大学|中心|联合会|总会|商会|论坛|博览会)"
)
_INCLUDED_COUNT = re.compile(r"\s*(?:\d+|[一二三四五六七八九十百几多数两]+)?\s*(?:多|余|来)?\s*个?\s*国家")
_CHINA_COMMA_BEFORE = re.compile(r"(?<![新])中国\s*、\s*$")
_VS_LABEL = {"taiwan": ("大陆", "“大陆”或“祖国大陆”"), "hongkong": ("内地", "“内地”"), "macao": ("内地", "“内地”"),
             "hkmotw": ("内地", "“内地”或“大陆”"), "hkmo": ("内地", "“内地”")}
_QUOTE_OPEN = "“\"「『‘'"
_QUOTE_CLOSE = "”\"」』’'"
# Taiwan places that may follow 国立 (国立台湾大学, 国立台北艺术大学) and institutions it names.
_TW_PLACES = ("台湾", "台北", "台中", "台南", "高雄", "新竹", "嘉义", "屏东", "宜兰", "花莲", "台东", "金门", "澎湖",
              "彰化", "云林", "苗栗", "南投", "基隆", "桃园")
_GUOLI_BODY = re.compile(
    r"[\u4e00-\u9fff]{0,10}?(?:大学|学院|博物院|博物馆|图书馆|美术馆|音乐厅|戏剧院|歌剧院|剧院|中学|高中|高级中学|研究院|"
    r"纪念馆|科学馆|艺术馆|文学馆|档案馆|编译馆|交响乐团|乐团|医院)"
)
_GUOLI_CUE = re.compile(r"台湾|台北|台中|台南|高雄|新竹|赴台|来台|在台|访台|岛内|宝岛")


@dataclass(slots=True)
class RegionData:
    places: dict[str, str] = field(default_factory=dict)
    taiwan_prefixes: list[str] = field(default_factory=list)
    taiwan_offices: dict[str, str] = field(default_factory=dict)
    taiwan_leaders: list[str] = field(default_factory=list)
    taiwan_quoted_ok: list[str] = field(default_factory=list)
    roc_history: list[str] = field(default_factory=list)
    roc_denounce: list[str] = field(default_factory=list)


def load_regions(paths: Iterable[Path]) -> RegionData:
    data = RegionData()
    for path in paths:
        if path.name.endswith((".example.yaml", ".example.yml")):
            continue
        raw = read_yaml_mapping(path, "regions file")
        data.places.update({str(k): str(v) for k, v in (raw.get("places") or {}).items()})
        data.taiwan_offices.update({str(k): str(v) for k, v in (raw.get("taiwan_offices") or {}).items()})
        for key in ("taiwan_prefixes", "taiwan_leaders", "taiwan_quoted_ok", "roc_history", "roc_denounce"):
            getattr(data, key).extend(str(w) for w in raw.get(key) or ())
    return data


@dataclass(frozen=True, slots=True, eq=False)
class RegionTerm:
    kind: str  # place | list | other | including | roc | tw-leader | tw-prefix
    word: str
    place: str = ""


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class RegionChecker:
    def __init__(self, data: RegionData):
        self.data = data
        self.places = data.places
        offices = _alternation(data.taiwan_offices)
        prefixes = _alternation(data.taiwan_prefixes) or "台湾"
        self._office_re = re.compile(
            rf"(?:{prefixes})\s*({'|'.join(_TW_QUALIFIER)})?\s*([“\"「『‘]?)\s*({offices})(?![门分位落])\s*([”\"」』’]?)"
        ) if offices else None
        self._leader_after = re.compile(r"\s*[“\"「『]?\s*(前|原)?\s*[“\"「『]?\s*(副总统|总统)\s*[”\"」』]?")
        self._leader_before = re.compile(r"(前|原)?\s*[“\"「『]?\s*(副总统|总统)\s*[”\"」』]?\s*$")

    def terms(self):
        for place, pid in self.places.items():
            yield place, RegionTerm("place", place, pid)
        for word in ("等国家", "个国家"):
            yield word, RegionTerm("list", word)
        yield "等国", RegionTerm("list", "等国")
        for word in ("其他国家", "其它国家", "别的国家"):
            yield word, RegionTerm("other", word)
        yield "国立", RegionTerm("guoli", "国立")
        yield "在内的", RegionTerm("including", "在内的")
        yield "中华民国", RegionTerm("roc", "中华民国")
        for name in self.data.taiwan_leaders:
            yield name, RegionTerm("tw-leader", name)
        for prefix in self.data.taiwan_prefixes:
            yield prefix, RegionTerm("tw-prefix", prefix)

    def analyze(self, doc: Document, hits: list[Hit]) -> list[Finding]:
        out: list[Finding] = []
        if not hits:
            return out
        places = sorted((h.start, h.end, h.payload.place) for h in hits if h.payload.kind == "place")
        office_starts: set[int] = set()
        vs_ends: set[int] = set()
        for hit in hits:
            kind = hit.payload.kind
            if kind == "place":
                finding = self._state_suffix(doc, hit)
                if finding is None and hit.end not in vs_ends:
                    vs_ends.add(hit.end)
                    finding = self._vs_china(doc, hit)
            elif kind == "guoli":
                finding = self._guoli(doc, hit)
            elif kind in ("list", "other", "including"):
                finding = self._listed(doc, hit, places) if places else None
            elif kind == "tw-prefix":
                if hit.start in office_starts:
                    continue
                office_starts.add(hit.start)
                finding = self._office(doc, hit)
            elif kind == "tw-leader":
                finding = self._tw_leader(doc, hit)
            else:
                finding = self._roc(doc, hit)
            if finding is not None:
                out.append(finding)
        return out

    # 台湾国, 香港国
    def _state_suffix(self, doc: Document, hit: Hit) -> Finding | None:
        pid = hit.payload.place
        if hit.payload.word not in ("台湾", "香港", "澳门"):
            return None
        m = _STATE_AFTER.match(doc.folded, hit.end)
        if not m and pid == "taiwan":
            m = _TW_STATE_AFTER.match(doc.folded, hit.end)
        if not m:
            return None
        start, end = hit.start, m.end()
        if corrected(doc, start, end):
            return None
        label = _PLACE_LABEL[pid]
        return Finding(
            category=FAMILY, rule=f"region:{pid}-country", severity="veto", start=start, end=end,
            text=doc.text[start:end], message=f"“{label}”是中国的一部分，不是国家，不得称“{label}国”",
            suggestion=_PLACE_ALIASES[pid], confidence=0.9,
        )

    # 美国、日本、台湾等国家
    def _listed(self, doc: Document, hit: Hit, places: list[tuple[int, int, str]]) -> Finding | None:
        folded = doc.folded
        s, e = hit.start, hit.end
        word = hit.payload.word
        kind = hit.payload.kind
        k = bisect_left(places, (s,))
        if k == 0 or places[k - 1][0] < s - 48:
            return None
        if word == "在内的":
            m = _INCLUDED_COUNT.match(folded[e:e + 14])
            if not m:
                return None
            tail = e + m.end()
            if folded[tail:tail + 4].startswith(_REGION_OK):
                return None
            head = folded[max(0, s - 40):s]
            cut = max(head.rfind(c) for c in "，。；：！？\n")
            head = head[cut + 1:]
            pid = next((pid for name, pid in self.places.items() if name in head), None)
            if pid is None:
                return None
            span = (s, tail)
            suggestion = doc.text[s:tail] + "和地区"
        else:
            if folded[e:e + 4].startswith(_REGION_OK):
                return None
            if kind == "other":
                m = _OTHER_RE.search(folded[max(0, s - 10):s])
                if not m:
                    return None
                pid = self.places.get(m.group(1))
                list_end = s
            else:
                list_end = s
                if word == "个国家":
                    m = _COUNT_RE.search(folded[max(0, s - 10):s])
                    if not m or _NOT_COUNTRY_AFTER.match(folded, e):
                        return None
                    list_end = s - len(m.group(0))
                    if not m.group(1):
                        # no 等: the place itself must close a list of at least two (A、B三个国家)
                        head = folded[max(0, list_end - 48):list_end]
                        if not head or not _CJK_LAST.search(head) or "、" not in head[-24:]:
                            return None
                        pid = self._place_in_list(head, last_only=True)
                        if pid is None:
                            return None
                elif word == "等国":
                    if not _DENG_GUO_END.match(folded, s):
                        return None
                else:
                    list_end = s  # 等国家: the list ends at 等
                if word != "个国家" or m.group(1):
                    pid = self._place_in_list(folded[max(0, list_end - 48):list_end])
            if pid is None:
                return None
            span = (s, e)
            suggestion = doc.text[s:e] + "和地区"
        if corrected(doc, *span):
            return None
        label = _PLACE_LABEL.get(pid, pid)
        return Finding(
            category=FAMILY, rule=f"region:{pid}-country", severity="veto", start=span[0], end=span[1],
            text=doc.text[span[0]:span[1]],
            message=f"“{label}”与国家并列时应写“国家和地区”，不得把{label}称为国家",
            suggestion=suggestion, confidence=0.85,
        )

    def _place_in_list(self, fragment: str, last_only: bool = False) -> str | None:
        cut = 0
        for m in _LIST_STOPS.finditer(fragment):
            cut = m.end()
        items = [item.strip() for item in _LIST_SPLIT.split(fragment[cut:]) if item.strip()]
        if last_only:
            items = items[-1:] if len(items) >= 2 else []
        for item in items:
            for name, pid in sorted(self.places.items(), key=lambda kv: -len(kv[0])):
                if item.endswith(name):
                    return pid
        return None

    # 香港和中国之间, 台湾与中国
    def _vs_china(self, doc: Document, hit: Hit) -> Finding | None:
        folded = doc.folded
        pid = hit.payload.place
        if pid not in _VS_LABEL or folded[max(0, hit.start - 2):hit.start] == "中国":
            return None
        m = _VS_CHINA.match(folded, hit.end)
        # the text, not the folded view: folding reads 陆 as the numeral 六
        if m and not _VS_CHINA_OK.match(doc.text, m.end()):
            start, end = hit.start, m.end()
        else:
            # 中国、香港、新加坡: a list (the pack has 中国与香港; the scanner drops matches across 、)
            b = _CHINA_COMMA_BEFORE.search(folded, max(0, hit.start - 6), hit.start)
            if not b or folded[hit.end:hit.end + 2] in ("地区", "特区") or folded.startswith("特别行政区", hit.end):
                return None
            if pid not in ("hongkong", "macao", "taiwan") or hit.payload.word not in ("台湾", "香港", "澳门"):
                return None
            start, end = b.start(), hit.end
        if corrected(doc, start, end):
            return None
        right, how = _VS_LABEL[pid]
        label = _PLACE_LABEL[pid]
        text = doc.text[start:end]
        suggestion = text[:-2] + right if text.endswith("中国") else right + text[2:]
        return Finding(
            category=FAMILY, rule=f"region:{pid}-vs-china", severity="high", start=start, end=end,
            text=text, message=f"不得将{label}与“中国”并列，{label}是中国的一部分，应称{how}",
            suggestion=suggestion, confidence=0.85,
        )

    # 国立台湾大学, 台湾国立清华大学 (the standard: 台湾“国立”清华大学, or no 国立)
    def _guoli(self, doc: Document, hit: Hit) -> Finding | None:
        folded = doc.folded
        s, e = hit.start, hit.end
        if s > 0 and folded[s - 1] in _QUOTE_OPEN and folded[e:e + 1] in _QUOTE_CLOSE:
            return None
        body = _GUOLI_BODY.match(folded, e)
        if not body:
            return None
        named_by_place = folded.startswith(_TW_PLACES, e)
        if not named_by_place:
            # 美国国立卫生研究院, 日本国立大学: other countries' bodies may be 国立
            if s > 0 and folded[s - 1] in "国本":
                return None
            head = folded[max(0, s - 30):s]
            cut = max(head.rfind(c) for c in "。；！？\n")
            if not _GUOLI_CUE.search(head[cut + 1:]):
                return None
        window = folded[max(0, s - 60):body.end() + 40]
        if _YEAR_RE.search(window) or any(w in window for w in self.data.roc_history):
            return None
        if corrected(doc, s, body.end()):
            return None
        name = doc.text[e:body.end()]
        return Finding(
            category=FAMILY, rule="region:taiwan-guoli", severity="high", start=s, end=body.end(),
            text=doc.text[s:body.end()],
            message="台湾地区以“国立”冠名的学校、机构，“国立”须加引号或删去，不得直接使用",
            suggestion=name if named_by_place else f"“国立”{name}", confidence=0.85,
        )

    # 台湾“总统”, 台湾外交部
    def _office(self, doc: Document, hit: Hit) -> Finding | None:
        if self._office_re is None:
            return None
        m = self._office_re.match(doc.folded, hit.start)
        if not m:
            return None
        office, qualifier = m.group(3), m.group(1) or ""
        # 新华社: names of those bodies may be used in quotation marks when they cannot be avoided
        quoted = bool(m.group(2) and m.group(4)) and office in self.data.taiwan_quoted_ok
        right = self.data.taiwan_offices[office]
        if qualifier and right.startswith("台湾地区"):
            right = "台湾地区" + ("前" if qualifier in ("前", "原") else qualifier) + right[4:]
        start, end = m.span()
        if corrected(doc, start, end):
            return None
        if quoted:
            return Finding(
                category=FAMILY, rule="region:taiwan-office", severity="medium", start=start, end=end,
                text=doc.text[start:end],
                message=f"台湾当局的“{office}”宜称“{right}”，无法回避时才可加引号使用原名",
                suggestion=right, confidence=0.6,
            )
        return Finding(
            category=FAMILY, rule="region:taiwan-office", severity="veto", start=start, end=end,
            text=doc.text[start:end],
            message=f"不得以国家机构、职务称呼台湾当局的“{office}”，应称“{right}”",
            suggestion=right, confidence=0.9,
        )

    # 蔡英文总统, “总统”赖清德
    def _tw_leader(self, doc: Document, hit: Hit) -> Finding | None:
        folded = doc.folded
        name = hit.payload.word
        m = self._leader_after.match(folded, hit.end)
        if m:
            start, end = hit.start, m.end()
            qualifier, office = m.group(1), m.group(2)
            title_first = False
        else:
            before = folded[max(0, hit.start - 8):hit.start]
            m = self._leader_before.search(before)
            if not m:
                return None
            start, end = hit.start - len(m.group(0)), hit.end
            qualifier, office = m.group(1), m.group(2)
            title_first = True
        # 台湾“总统”蔡英文 is reported once, as an office of the Taiwan authorities.
        if title_first and self._after_prefix(folded, start):
            return None
        if corrected(doc, start, end):
            return None
        role = "台湾地区" + ("前" if qualifier else "") + ("副领导人" if office == "副总统" else "领导人")
        return Finding(
            category=FAMILY, rule="region:taiwan-office", severity="veto", start=start, end=end,
            text=doc.text[start:end], message=f"不得称台湾地区领导人为“{office}”，应称“{role}{name}”",
            suggestion=f"{role}{name}", confidence=0.9,
        )

    def _after_prefix(self, folded: str, start: int) -> bool:
        head = folded[max(0, start - 8):start].rstrip()
        return any(head.endswith(p) for p in self.data.taiwan_prefixes)

    # 中华民国
    def _roc(self, doc: Document, hit: Hit) -> Finding | None:
        folded = doc.folded
        s, e = hit.start, hit.end
        window = folded[max(0, s - 60):e + 60]
        if _YEAR_RE.search(window) or any(w in window for w in self.data.roc_history):
            return None
        if any(w in folded[max(0, s - 12):s] for w in self.data.roc_denounce):
            return None
        if corrected(doc, s, e):
            return None
        return Finding(
            category=FAMILY, rule="region:roc", severity="high", start=s, end=e, text=doc.text[s:e],
            message="“中华民国”已于1949年被中华人民共和国取代，除叙述1912—1949年的历史外不得使用，应称“台湾地区”或“台湾当局”",
            suggestion="台湾地区", confidence=0.8,
        )
