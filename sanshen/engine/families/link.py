"""Check family ``link``: where the links of an HTML page point.

Looked at: link segments (``attrs["href"]``, anchor text) and the targets of hidden and script
segments (``attrs["hrefs"]`` plus URLs written in their text). Reported, at the segment's span:

* ``link:blocklist`` (veto): a host on a blocklist (``data/blocklist/*.txt`` and the users'
  ``<rules>/blocklist/*.txt``: domains, suffixes and ``/regex/`` lines);
* ``link:spam-anchor`` (high; veto when the link is hidden or written by a script): a
  non-government host whose anchor text is gambling/porn/ad spam (the spam packs' words with their
  context rules, looked at inside the link's own line only, plus words that are suspicious only
  as the text of an outside link: 棋牌, 彩票, 代孕…);
* ``link:spam-domain`` (high, or medium on weaker evidence; veto when hidden or scripted): a
  non-government host whose name looks like a betting/porn site (``ag8866``, ``hg0088``, ``365``,
  ``qp``/``cp``/``yl`` with lucky numbers, pinyin platform names such as ``hth``/``kaiyun``, cheap
  top-level domains such as ``.top .vip .cc .xyz .app .tw``), see :func:`spam_host`;
* ``link:counterfeit`` (medium; high when the host also looks like spam, an IP or a lookalike): a
  link whose anchor text is the name of a government body (国家税务总局, XX市人民政府, XX县公安局)
  while its host is neither government, allow-listed nor the page's own site;
* ``link:hidden-external`` (medium): a hidden or script-written link to a non-government host;
* ``link:ip`` (medium): a link to a raw IP address;
* ``link:lookalike`` (medium): a host that imitates a government domain (punycode or confusable
  letters spelling ``gov``, ``gov.cn`` inside a foreign domain);
  neither of these two for links to the page's own site (its source URL's host or a subdomain):
  a site served by IP links to itself everywhere (the blocklist still applies);
* ``link:script-href`` (medium): ``javascript:``/``data:`` links that carry a payload rather than
  the usual ``javascript:void(0)``.

The domain lists and URL helpers here are shared with the ``spam`` family (hidden and scripted
links). Government hosts (.gov.cn, .政务 …) are never blocklisted.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..base import Recognizer
from ..document import Document, Segment
from ..findings import SEVERITY_RANK, Finding
from ..lexicon import Hit
from ..packs import Entry, PackError, RuleSet

# Suffixes only the state can register, in ASCII (``.政务`` is xn--zfr164b, ``.公益`` xn--55qw42g).
GOV_SUFFIXES = (
    "gov.cn", "mil.cn", "edu.cn", "xn--zfr164b", "xn--55qw42g", "gov", "gov.hk", "gov.mo",
)

_URL_IN_TEXT = re.compile(r"""(?:https?:)?//[^\s'"<>()\\]+|\bwww\.[a-z0-9.-]+\.[a-z]{2,}[^\s'"<>()\\]*""", re.I)

# Letters from other scripts that look like Latin ones: the usual lookalike-domain material.
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "ɡ": "g", "ց": "g", "ν": "v", "ѵ": "v", "ο": "o", "α": "a", "ε": "e", "κ": "k", "ո": "n",
    "ⅰ": "i", "ı": "i", "ɩ": "i", "ӏ": "l", "ℓ": "l", "０": "0", "ｏ": "o", "ｇ": "g", "ｖ": "v",
})


@dataclass(slots=True)
class DomainList:
    """Domains (matching themselves and their subdomains) and regexes over host names."""

    domains: dict[str, str]
    regexes: list[tuple[re.Pattern, str]]
    pattern: re.Pattern | None  # all regexes in one, for the common no-match case

    def match(self, host: str) -> str | None:
        """The entry that matches ``host`` (ASCII, lower case), or None."""
        labels = host.split(".")
        for i in range(len(labels)):
            entry = self.domains.get(".".join(labels[i:]))
            if entry is not None:
                return entry
        if self.pattern is not None and self.pattern.search(host):
            return next((line for regex, line in self.regexes if regex.search(host)), None)
        return None


def _parse_list(paths: Iterable[Path]) -> DomainList:
    domains: dict[str, str] = {}
    regexes: list[tuple[re.Pattern, str]] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise PackError(f"{path}: cannot read domain list: {exc}") from exc
        for n, raw in enumerate(lines, 1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            if len(line) > 2 and line.startswith("/") and line.endswith("/"):
                try:
                    regexes.append((re.compile(line[1:-1]), line))
                except re.error as exc:
                    raise PackError(f"{path}: line {n}: bad regular expression: {exc}") from exc
                continue
            domain = ascii_host(line.lstrip("*").lstrip("."))
            if not domain or " " in domain:
                raise PackError(f"{path}: line {n}: not a domain, suffix or /regex/: {raw.strip()!r}")
            domains[domain] = line
    pattern = re.compile("|".join(f"(?:{r.pattern})" for r, _ in regexes)) if regexes else None
    return DomainList(domains, regexes, pattern)


@lru_cache(maxsize=16)
def _load(paths: tuple[Path, ...], stamps: tuple[float, ...]) -> DomainList:
    return _parse_list(paths)


@dataclass(slots=True)
class DomainLists:
    block: DomainList
    allow: DomainList

    @classmethod
    def load(cls, rules: RuleSet) -> DomainLists:
        files = rules.data_files("blocklist", ".txt")
        allow = tuple(p for p in files if p.name.lower().startswith("allow"))
        block = tuple(p for p in files if not p.name.lower().startswith("allow"))

        def stamps(paths: tuple[Path, ...]) -> tuple[float, ...]:
            return tuple(p.stat().st_mtime for p in paths)

        return cls(_load(block, stamps(block)), _load(allow, stamps(allow)))

    def blocked(self, host: str) -> str | None:
        if is_gov_host(host):
            return None
        return self.block.match(host)

    def trusted(self, host: str) -> bool:
        """Government or allow-listed: a link there is not a suspicious outside target."""
        return is_gov_host(host) or self.allow.match(host) is not None


def ascii_host(host: str) -> str:
    """Lower-case ASCII form of a host name (IDNA for non-ASCII labels)."""
    host = unicodedata.normalize("NFKC", host).strip().strip(".").lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


# Links longer than this (data: URIs, tracking monsters) are not worth keeping in the cache.
_HOST_CACHE_MAX_HREF = 512


def host_of(href: str) -> str | None:
    """The host a link points to, or None for relative links and non-web schemes."""
    if len(href) <= _HOST_CACHE_MAX_HREF:
        return _cached_host_of(href)
    return _host_of(href)


def _host_of(href: str) -> str | None:
    href = href.strip()
    if not href:
        return None
    if href.startswith("//"):
        href = "http:" + href
    elif href[:4].lower() == "www.":
        href = "http://" + href
    try:
        parts = urlsplit(href)
        if parts.scheme.lower() not in ("http", "https", "ftp"):
            return None
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    return ascii_host(host)


# A page's links point to a handful of hosts, and a site's pages to the same ones again.
_cached_host_of = lru_cache(maxsize=8192)(_host_of)


def is_gov_host(host: str) -> bool:
    return any(host == s or host.endswith("." + s) for s in GOV_SUFFIXES)


def is_ip(host: str) -> bool:
    bare = host.strip("[]")
    if ":" not in bare and not bare[:1].isdigit():
        return False  # the common case, without ipaddress's exception
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        return False
    return True


def unicode_host(host: str) -> str:
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def imitates_gov(host: str) -> bool:
    """A host that pretends to be a government one without being one."""
    if is_gov_host(host):
        return False
    shown = unicode_host(host)
    skeleton = unicodedata.normalize("NFKC", shown).lower().translate(_CONFUSABLES)
    if "xn--" in host and ("gov" in skeleton or "政务" in shown or "政府" in shown):
        return True
    if skeleton != host and is_gov_host(skeleton):
        return True
    # www.gov.cn.example.com, gov-cn.example.net
    return bool(re.search(r"(^|[.-])gov[.-]cn([.-]|$)", skeleton))


def urls_in(segment: Segment, text: str) -> list[str]:
    """Targets of a hidden or script segment: its ``hrefs`` plus URLs written in its text."""
    found = [str(h) for h in segment.attrs.get("hrefs") or () if h]
    chunk = text[segment.start:segment.end]
    if "//" in chunk or "www." in chunk.lower():
        found.extend(m.group(0) for m in _URL_IN_TEXT.finditer(chunk))
    return found


# -- lexicon context inside HTML segments (shared with the spam family) ---------------------------

_TITLE_SEPARATOR = re.compile(r"[_|｜\-—–]")
_CONTEXT_KINDS = ("title", "meta", "link", "hidden", "script")


def context_span(doc: Document, seg: Segment | None, start: int, end: int) -> tuple[int, int]:
    """Where the context words of a lexicon hit at ``start:end`` may stand.

    Body text keeps the whole text (a heading's 打击赌博 covers the paragraph under it). A link,
    hidden element, script or meta is its own line: the words of the next link in the [链接]
    list say nothing about this one. A title is cut at its "_"/"|"/"-" separators, because a
    tampered title puts spam chunks in front of the office's own name
    (华体会体育官网_XX县公安局 is not about the police).
    """
    if seg is None or seg.kind not in _CONTEXT_KINDS:
        return 0, len(doc.text)
    if seg.kind != "title":
        return seg.start, seg.end
    text = doc.text
    lo, hi = start, end
    while lo > seg.start and not _TITLE_SEPARATOR.match(text[lo - 1]):
        lo -= 1
    while hi < seg.end and not _TITLE_SEPARATOR.match(text[hi]):
        hi += 1
    return lo, hi


# Page furniture that holds denouncing words without denouncing anything: the 12377 footer link
# next to a row of (hacked) friendly links, the public-security filing number.
_BOILERPLATE = re.compile(
    r"违法和不良信息举报(?:中心|电话|邮箱)?|不良信息举报(?:中心|电话)?|网络违法犯罪举报(?:网站)?|涉企违规收费举报"
    r"|违法信息举报|举报中心|举报电话|举报邮箱|公网安备|公安备案|网安备"
)


def near_within(doc: Document, start: int, end: int, words: Iterable[str], window: int, lo: int, hi: int) -> bool:
    folded = doc.folded
    a, b = max(lo, start - window), min(hi, end + window)
    left, right = folded[a:start], folded[end:b]
    if not any(w in left or w in right for w in words):
        return False
    # Blank out page furniture (also where it is cut by the window's edge) and look again.
    wa, wb = max(lo, a - 12), min(hi, b + 12)
    if "举报" not in folded[wa:wb] and "备" not in folded[wa:wb]:
        return True
    masked = _BOILERPLATE.sub(lambda m: " " * len(m.group(0)), folded[wa:wb])
    left, right = masked[a - wa:start - wa], masked[end - wa:b - wa]
    return any(w in left or w in right for w in words)


def entry_context(doc: Document, start: int, end: int, entry: Entry, seg: Segment | None) -> str | None:
    """None when a pack entry's hit stands in an acceptable context, else ``"unless"`` (a
    denouncing word is near) or ``"only"`` (none of its required words is near).

    ``unless_near`` is looked for in :func:`context_span`; ``only_near`` in the whole segment
    for titles (the chunk after a separator may hold the 官网 of a brand).
    """
    lo, hi = context_span(doc, seg, start, end)
    if entry.unless_near and near_within(doc, start, end, entry.unless_near, entry.window, lo, hi):
        return "unless"
    if entry.only_near:
        if seg is not None and seg.kind == "title":
            lo, hi = seg.start, seg.end
        if not near_within(doc, start, end, entry.only_near, entry.window, lo, hi):
            return "only"
    return None


# -- host names of betting and porn sites ---------------------------------------------------------

# Top-level domains that cost little and carry most of the betting/porn sites hacked pages link to.
CHEAP_TLDS = frozenset({
    "top", "app", "cc", "vip", "xyz", "bet", "tw", "win", "club", "icu", "live", "fun", "site", "online",
    "shop", "pw", "ws", "tk", "ml", "ga", "cf", "gq", "buzz", "work", "ren", "wang", "kim", "ink", "la",
    "asia", "today", "games", "game", "mobi", "fit", "link", "click", "cyou", "bar", "rest", "sbs", "lol",
    "casino", "poker", "porn", "sex", "xxx", "adult", "lotto", "cam", "ag", "bz", "vc",
})
# Words that name betting or porn outright: as a whole token, and the longer ones inside a token.
_EXPLICIT = frozenset({
    "bet", "bets", "betting", "casino", "bocai", "duchang", "dubo", "baijiale", "bjl", "liuhecai", "lhc",
    "xpj", "xinpujing", "pujing", "weinisiren", "huangguan", "hth", "huatihui", "bbin", "manbetx", "betway",
    "pk10", "qipai", "touzhu", "laohuji", "seqing", "huangse", "porn", "porno", "sex", "xxx", "jav",
    "lutube", "yase", "caoliu", "hentai", "shishicai", "amlh", "xglh", "sbobet", "dafabet", "bwin", "slot",
    "slots", "baccarat", "roulette", "xvideos", "avtt",
})
_EXPLICIT_INSIDE = tuple(sorted(w for w in _EXPLICIT if len(w) >= 5))
# Pinyin and Latin names of platforms and their trades: a sign, not proof (kaiyun is also 凯云).
_BRANDS = frozenset({
    "kaiyun", "leyu", "yabo", "jinsha", "yinhe", "xingkong", "bandao", "jiuyou", "milan", "mile", "boyu",
    "aiyouxi", "ayx", "tyc", "taiyangcheng", "yongli", "xinhao", "shaba", "tianbo", "leihuo", "kaifa", "weide",
    "mingsheng", "wanbo", "caipiao", "buyu", "chengren", "vns", "amjs", "bob", "kok", "yb", "ssc", "tema",
    "liuhe", "daiyun", "zhenren", "j9", "m6",
})
# Two-letter abbreviations (ag 亚游, hg 皇冠, qp 棋牌, cp 彩票, yl 娱乐, dy 电影, am 澳门…) that are a
# sign only next to a number: ag8866, hg0088, cp888.
_SHORT = frozenset({"ag", "pg", "qp", "cp", "yl", "hg", "dy", "am", "av", "ky", "mg", "pt", "ob", "im", "sb"})
_PLATFORM = frozenset({
    "tiyu", "ty", "sport", "sports", "yule", "yl", "dianjing", "app", "vip", "guanwang", "gw", "official",
    "zhuce", "denglu", "rukou", "game", "games", "club", "play", "win", "casino", "online", "live",
})
_LUCKY = re.compile(r"([6789])\1\1|365|8866|6688|0088|5566|8899|9988|2288|3388|5588|7788|^(?:66|88|99)$")
_TOKENS = re.compile(r"[a-z]+|[0-9]+")
SPAM_HOST_STRONG = 3


def spam_host(host: str) -> tuple[int, str]:
    """How much ``host`` looks like the name of a betting/porn site, and why.

    Signs: an explicit word (bet, casino, hth, xpj, porn…: 3), a platform's pinyin name (kaiyun,
    leyu…: 1), a two-letter trade abbreviation next to a number (ag8866, hg0088, cp888: 1), lucky
    numbers (888, 8866, 365: 1), a run of three or more digits (1), a cheap top-level domain
    (.top .vip .cc .xyz .app .tw…: 1), a platform word (sports, tiyu, vip, app: 1, only with
    another sign). :data:`SPAM_HOST_STRONG` (3) or more is reported on its own: ``ag8866.com``,
    ``hth-sports.top``, ``365.cc``, ``kaiyun888.com``; ordinary hosts with numbers (``12306.cn``,
    ``163.com``, ``51job.com``, ``1688.com``) score 0 or 1.
    """
    if is_gov_host(host) or is_ip(host):
        return 0, ""
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return 0, ""
    tld = labels[-1]
    names = labels[:-1]
    if len(names) > 1 and names[-1] in ("com", "net", "org", "edu", "gov"):
        names = names[:-1]  # com.cn, net.tw
    names = [n for n in names if n not in ("www", "m", "wap", "h5", "mobile")] or names
    score, why = 0, []
    parts = [_TOKENS.findall(name) for name in names]
    tokens = [t for p in parts for t in p]
    joined = "".join(names)
    explicit = next((t for t in tokens if t in _EXPLICIT), None) or next(
        (w for w in _EXPLICIT_INSIDE if w in joined), None)
    if explicit:
        score += 3
        why.append(f"含“{explicit}”")
    else:
        brand = next((t for t in tokens if t in _BRANDS), None)
        if brand:
            score += 1
            why.append(f"含博彩平台名称“{brand}”")
    for p in parts:
        short = next((p[k] + p[k + 1] for k in range(len(p) - 1)
                      if p[k] in _SHORT and p[k + 1].isdigit() and len(p[k + 1]) >= 2), None)
        if short:
            score += 1
            why.append(f"形如“{short}”")
            break
    digit_runs = [t for t in tokens if t.isdigit()]
    if any(_LUCKY.search(d) for d in digit_runs):
        score += 1
        why.append("含博彩网站常用的吉利数字")
    if any(len(d) >= 3 for d in digit_runs):
        score += 1
    if tld in CHEAP_TLDS:
        score += 1
        why.append(f"使用廉价顶级域名 .{tld}")
        if not explicit and any(t in _SHORT for t in tokens) and not any("形如" in w for w in why):
            score += 1  # pg-game.vip, ag.top
    if score and any(t in _PLATFORM for t in tokens):
        score += 1
    return score, "，".join(why)


# -- anchors that name a government body ------------------------------------------------------------

_GOV_BODY = re.compile(
    r"(?:人民政府|政府门户网站?|政府网站?|国务院|办公厅|税务总局|税务局|税务厅|公安部|公安厅|公安局|财政部|财政厅|财政局"
    r"|人大常委会|人民代表大会常务委员会|人力资源和社会保障(?:部|厅|局)|人社(?:厅|局)|市场监督管理(?:总局|局)|市场监管局"
    r"|卫生健康委员会|卫健委|应急管理(?:部|厅|局)|教育(?:部|厅|局)|住房和城乡建设(?:部|厅|局)|住建局"
    r"|交通运输(?:部|厅|局)|民政(?:部|厅|局)|司法(?:部|厅|局)|海关总署|统计局|生态环境(?:部|厅|局)"
    r"|自然资源(?:部|厅|局)|发展和改革委员会|发改委|医疗保障局|医保局|退役军人事务(?:部|厅|局)|外交部"
    r"|商务(?:部|厅|局)|农业农村(?:部|厅|局)|水利(?:部|厅|局)|文化和旅游(?:部|厅|局)|审计(?:署|厅|局)"
    r"|政务服务(?:网|平台|中心)|国家[\u4e00-\u9fff]{2,8}(?:总局|局|部|委员会|署))"
    r"(?:门户网站|官方网站|网站|官网|首页|网)?$"
)
_ANCHOR_NOISE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff·•|｜>》»→、，,。.:：\-—_【】\[\]()（）“”\"'<《]+")


def claims_gov_body(anchor: str) -> str | None:
    """The government body an anchor text names (国家税务总局, XX市人民政府门户网站), or None.

    Only an anchor that *is* a name counts, not a headline that mentions one
    (县人民政府召开常务会议 ends with 会议).
    """
    text = _ANCHOR_NOISE.sub("", anchor)
    if not 3 <= len(text) <= 24:
        return None
    m = _GOV_BODY.search(text)
    return text if m else None


# Words that are ordinary in a text but, as the whole point of an outside link, mark a betting,
# lottery, porn or surrogacy site (the spam packs hold the words that are spam anywhere).
LINK_ANCHOR_WORDS = (
    "棋牌", "彩票", "投注", "下注", "助孕", "供卵", "娱乐城", "赌场", "色情", "黄色网", "美女直播", "成人视频",
)
_LINK_ANCHOR_UNLESS = (
    "福利彩票", "体育彩票", "福彩", "体彩", "彩票中心", "彩票发行", "彩票管理", "双色球", "大乐透", "打击", "严打",
    "整治", "查处", "违法", "非法", "犯罪", "举报", "禁止", "严禁", "防范", "警惕", "谨防", "远离", "拒绝", "危害",
    "诈骗", "扫黄", "打非", "棋牌室", "协会", "比赛", "老年", "社区", "活动", "文体", "健身", "管理", "监管",
)


def link_anchor_words(anchor: str) -> list[str]:
    text = _ANCHOR_NOISE.sub("", anchor).lower()
    if not text or any(w in text for w in _LINK_ANCHOR_UNLESS):
        return []
    return [w for w in LINK_ANCHOR_WORDS if w in text]


_BENIGN_JS = re.compile(
    r"\s*(?:void\s*\(?\s*0?\s*\)?|;|return\s+false|false|history\.(?:back|go|forward)\s*\([^)]*\)"
    r"|window\.(?:close|print)\s*\(\s*\)|scroll\w*\s*\([^)]*\)|)\s*;?\s*",
    re.I,
)
_OBFUSCATED_JS = re.compile(
    r"eval\s*\(|atob\s*\(|unescape\s*\(|fromcharcode|document\s*\.\s*write|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}"
    r"|base64|createelement\s*\(\s*['\"]script",
    re.I,
)


def script_href_problem(href: str, lists: DomainLists) -> str | None:
    """Why a ``javascript:``/``data:`` link is suspicious, or None."""
    head, _, body = href.strip().partition(":")
    scheme = re.sub(r"[\s\x00-\x1f]", "", head).lower()
    if scheme in ("javascript", "vbscript"):
        body = unquote(body)
        if _BENIGN_JS.fullmatch(body):
            return None
        if scheme == "vbscript" or _OBFUSCATED_JS.search(body):
            return f"{scheme}: 链接中含有编码或动态执行的脚本"
        for m in re.finditer(r"""(?:https?:)?//[^\s'"]+""", body):
            host = host_of(m.group(0))
            if host and not lists.trusted(host):
                return f"脚本链接跳转到非政府网站 {host}"
        return None
    if scheme == "data":
        media = body.split(",", 1)[0].lower()
        if media.startswith("image/") and "svg" not in media:
            return None
        return "data: 链接内嵌了页面或脚本内容"
    return None


# Guarded words that are also ordinary link texts (新闻发布会在线观看, 管家婆 accounting software,
# 香港马会 = the Jockey Club): in an anchor they still need their context words.
_ORDINARY_LINK_TEXTS = ("在线观看", "免费观看", "在线播放", "高清观看", "管家婆", "香港马会", "精准资料", "黑户")


def _anchor_is_word(doc: Document, hit: Hit, seg: Segment) -> bool:
    if seg.kind != "link" or any(w in hit.word for w in _ORDINARY_LINK_TEXTS):
        return False
    anchor = _ANCHOR_NOISE.sub("", str(seg.attrs.get("text") or ""))
    return bool(anchor) and 2 * (hit.end - hit.start) >= len(anchor) and hit.end <= seg.start + len(
        str(seg.attrs.get("text") or ""))


class _Anchor:
    """Payload of a spam word the link family looks for in anchor texts."""

    __slots__ = ("entry",)

    def __init__(self, entry: Entry):
        self.entry = entry


@dataclass(slots=True)
class _Problem:
    rule: str
    severity: str
    message: str
    suggestion: str | None
    confidence: float


@dataclass(frozen=True, slots=True)
class _HostFacts:
    """What the link family needs to know about a host, whatever page links to it."""

    blocked: str | None  # the blocklist entry it matches
    trusted: bool  # government or allow-listed
    ip: bool
    lookalike: bool  # imitates a government domain (only looked at when not an IP)
    spam_score: int
    spam_why: str
    shown: str  # unicode_host(host)


class LinkRecognizer(Recognizer):
    family = "link"

    def __init__(self, rules: RuleSet):
        super().__init__(rules)
        self.lists = DomainLists.load(rules)
        self.spam_entries = rules.entries_of("spam")
        # Facts per host, computed once: a page's links point to a handful of hosts, and the pages
        # of one site to the same ones again. Bounded and thread-safe (the patrol shares engines).
        self._facts = lru_cache(maxsize=4096)(self._host_facts)

    def _host_facts(self, host: str) -> _HostFacts:
        ip = is_ip(host)
        score, why = spam_host(host)
        return _HostFacts(
            blocked=self.lists.blocked(host), trusted=self.lists.trusted(host), ip=ip,
            lookalike=not ip and imitates_gov(host), spam_score=score, spam_why=why, shown=unicode_host(host),
        )

    def terms(self) -> Iterator[tuple[str, object]]:
        yield from super().terms()
        for entry in self.spam_entries:
            anchor = _Anchor(entry)
            for word in entry.words:
                yield word, anchor

    def analyze(self, doc: Document, hits: list[Hit]) -> Iterable[Finding]:
        yield from super().analyze(doc, [h for h in hits if isinstance(h.payload, Entry)])
        if not doc.segments or (len(doc.segments) == 1 and doc.segments[0].kind == "body"):
            return
        spam_words: dict[int, list[str]] = {}
        for hit in hits:
            if isinstance(hit.payload, _Anchor):
                seg = doc.segment_at(hit.start)
                if seg is None or seg.kind not in ("link", "hidden", "script"):
                    continue
                # The same context rules as in text, inside this link's (or block's) own line; a
                # guarded word (刷单, 特码, 开云) that is most of an outside link's text is that
                # link's whole point and needs no more context.
                why_not = entry_context(doc, hit.start, hit.end, hit.payload.entry, seg)
                if why_not == "unless" or (why_not == "only" and not _anchor_is_word(doc, hit, seg)):
                    continue
                spam_words.setdefault(seg.start, []).append(doc.text[hit.start:hit.end])
        site = self._site_host(doc)
        links = [seg for seg in doc.segments if seg.kind == "link"]
        # Hidden anchors also come as link segments: report them there, once each.
        linked: set[str | None] | None = None
        for seg in doc.segments:
            if seg.kind == "link":
                problem = self._link_problem(seg, spam_words.get(seg.start, ()), site)
            elif seg.kind in ("hidden", "script"):
                if linked is None:
                    linked = {host_of(str(s.attrs.get("href") or "")) for s in links}
                urls = urls_in(seg, doc.text)
                problem = self._targets_problem(seg, urls, spam_words.get(seg.start, ()), site, linked)
            else:
                continue
            if problem is not None:
                yield Finding(
                    category="link", rule=problem.rule, severity=problem.severity, start=seg.start, end=seg.end,
                    text=doc.text[seg.start:seg.end], message=problem.message, suggestion=problem.suggestion,
                    confidence=problem.confidence,
                )

    @staticmethod
    def _site_host(doc: Document) -> str | None:
        source = doc.extracted.source or ""
        return host_of(source) if source.lower().startswith(("http://", "https://")) else None

    @staticmethod
    def _own(host: str, site: str | None) -> bool:
        """The page's own site or one of its subdomains."""
        return site is not None and (host == site or host.endswith("." + site))

    def _link_problem(self, seg: Segment, spam: Iterable[str], site: str | None) -> _Problem | None:
        href = str(seg.attrs.get("href") or "")
        hidden = bool(seg.attrs.get("hidden"))
        problems: list[_Problem] = []
        host = host_of(href)
        if host is None:
            why = script_href_problem(href, self.lists)
            if why:
                problems.append(_Problem("link:script-href", "medium", f"可疑的脚本链接：{why}",
                                         "核实链接用途，删除不明脚本并排查网站篡改", 0.8))
            return _worst(problems)
        facts = self._facts(host)
        own = self._own(host, site)
        problems.extend(self._host_problems(host, facts, own))
        if not own and not facts.trusted:
            anchor = str(seg.attrs.get("text") or "")
            spam = sorted(set(spam))
            spam += [w for w in link_anchor_words(anchor) if not any(w in found for found in spam)]
            where = "隐藏的链接" if hidden else "链接"
            problems.extend(self._outside_problems(host, spam, where, hidden))
            problems.extend(self._spam_domain_problems(host, facts, where, hidden))
            body = claims_gov_body(anchor)
            if body is not None:
                problems.append(self._counterfeit_problem(host, facts, body, hidden))
        return _worst(problems)

    @staticmethod
    def _spam_domain_problems(host: str, facts: _HostFacts, where: str, hidden: bool) -> list[_Problem]:
        score, why = facts.spam_score, facts.spam_why
        if score < SPAM_HOST_STRONG:
            return []
        if hidden:
            return [_Problem(
                "link:spam-domain", "veto", f"{where}指向疑似博彩/色情网站 {host}（{why}），属暗链",
                "删除暗链并排查网站篡改（模板、数据库、服务器文件）", 0.9,
            )]
        return [_Problem(
            "link:spam-domain", "high", f"{where}指向疑似博彩/色情网站 {host}（{why}），疑似被挂黑链",
            "核实链接目标，删除该链接并排查网站篡改", 0.8,
        )]

    @staticmethod
    def _counterfeit_problem(host: str, facts: _HostFacts, body: str, hidden: bool) -> _Problem:
        # imitates_gov is False for IPs, so facts.lookalike stands for it here
        strong = facts.spam_score >= 1 or facts.ip or facts.lookalike or hidden
        where = "隐藏的链接" if hidden else "链接"
        return _Problem(
            "link:counterfeit", "high" if strong else "medium",
            f"{where}文字为政府机关“{body}”，却指向非政府网站 {facts.shown}，疑似仿冒或被劫持的链接",
            "核实该机关的官方网址（应为 .gov.cn 等政府域名），改正或删除该链接并排查网站篡改", 0.85 if strong else 0.75,
        )

    def _targets_problem(
        self, seg: Segment, urls: list[str], spam: Iterable[str], site: str | None, linked: set[str | None],
    ) -> _Problem | None:
        problems: list[_Problem] = []
        seen: set[str] = set()
        spam = sorted(set(spam))
        where = "隐藏内容中的链接" if seg.kind == "hidden" else "脚本写入的链接"
        for url in urls:
            host = host_of(url)
            if not host or host in seen or host in linked:
                continue
            seen.add(host)
            facts = self._facts(host)
            own = self._own(host, site)
            for p in self._host_problems(host, facts, own):
                p.message = f"{where}{p.message.removeprefix('链接')}"
                problems.append(p)
            if not own and not facts.trusted:
                problems.extend(self._outside_problems(host, spam, where, True))
                problems.extend(self._spam_domain_problems(host, facts, where, True))
        return _worst(problems)

    @staticmethod
    def _outside_problems(host: str, spam: list[str], where: str, hidden: bool) -> list[_Problem]:
        if spam:
            words = "、".join(spam[:3])
            if hidden:
                return [_Problem(
                    "link:spam-anchor", "veto",
                    f"{where}指向非政府网站 {host}，文字含“{words}”等博彩/色情/广告词语，属暗链",
                    "删除暗链并排查网站篡改（模板、数据库、服务器文件）", 0.95,
                )]
            return [_Problem(
                "link:spam-anchor", "high",
                f"{where}指向非政府网站 {host}，链接文字含“{words}”等博彩/色情/广告词语，疑似被挂黑链",
                "删除该链接并排查网站篡改", 0.9,
            )]
        if hidden:
            return [_Problem(
                "link:hidden-external", "medium", f"{where}指向非政府网站 {host}，页面上看不到，疑似暗链",
                "核实该链接的来源和用途，如非本单位设置请删除并排查网站篡改", 0.75,
            )]
        return []

    @staticmethod
    def _host_problems(host: str, facts: _HostFacts, own: bool = False) -> list[_Problem]:
        """Blocklisted, IP and lookalike hosts (the page's own site is not an IP or lookalike
        problem per link: a site served by IP links to itself everywhere)."""
        problems = []
        entry = facts.blocked
        if entry is not None:
            problems.append(_Problem(
                "link:blocklist", "veto", f"链接指向黑名单域名 {host}（命中“{entry}”），属博彩/色情等违规网站",
                "删除该链接并排查网站篡改", 0.95,
            ))
        if own:
            return problems
        if facts.ip:
            problems.append(_Problem(
                "link:ip", "medium", f"链接直接指向 IP 地址 {host}，无法确认网站主体",
                "核实链接目标，政府网站应链接到有备案域名的网站", 0.8,
            ))
        elif facts.lookalike:
            problems.append(_Problem(
                "link:lookalike", "medium", f"链接域名 {facts.shown} 仿冒政府网站域名",
                "核实链接目标，删除仿冒政府网站的链接", 0.85,
            ))
        return problems


def _worst(problems: list[_Problem]) -> _Problem | None:
    """One finding per segment (the engine keeps one per span): the most severe, naming the rest."""
    if not problems:
        return None
    problems.sort(key=lambda p: SEVERITY_RANK[p.severity])
    first = problems[0]
    others = [p.message for p in problems[1:3]]
    if others:
        first.message = f"{first.message}；另：{'；'.join(others)}"
    return first
