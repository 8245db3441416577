"""Check family ``link``: where the links of an HTML page point.

Looked at: link segments (``attrs["href"]``, anchor text) and the targets of hidden and script
segments (``attrs["hrefs"]`` plus URLs written in their text). Reported, at the segment's span:

* ``link:blocklist`` (veto): a host on a blocklist (``data/blocklist/*.txt`` and the users'
  ``<rules>/blocklist/*.txt``: domains, suffixes and ``/regex/`` lines);
* ``link:spam-anchor`` (high; veto when the link is hidden or written by a script): a
  non-government host whose anchor text is gambling/porn/ad spam;
* ``link:hidden-external`` (medium): a hidden or script-written link to a non-government host;
* ``link:ip`` (medium): a link to a raw IP address;
* ``link:lookalike`` (medium): a host that imitates a government domain (punycode or confusable
  letters spelling ``gov``, ``gov.cn`` inside a foreign domain);
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

from ..base import Recognizer, near
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


def host_of(href: str) -> str | None:
    """The host a link points to, or None for relative links and non-web schemes."""
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


def is_gov_host(host: str) -> bool:
    return any(host == s or host.endswith("." + s) for s in GOV_SUFFIXES)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
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


class LinkRecognizer(Recognizer):
    family = "link"

    def __init__(self, rules: RuleSet):
        super().__init__(rules)
        self.lists = DomainLists.load(rules)
        self.spam_entries = [e for e in rules.entries if e.category == "spam"]

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
                entry = hit.payload.entry
                if entry.unless_near and near(doc, hit.start, hit.end, entry.unless_near, entry.window):
                    continue
                spam_words.setdefault(seg.start, []).append(doc.text[hit.start:hit.end])
        site = self._site_host(doc)
        # Hidden anchors also come as link segments: report them there, once each.
        linked = {host_of(str(seg.attrs.get("href") or "")) for seg in doc.segments if seg.kind == "link"}
        for seg in doc.segments:
            if seg.kind == "link":
                problem = self._link_problem(seg, spam_words.get(seg.start, ()), site)
            elif seg.kind in ("hidden", "script"):
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

    def _outside(self, host: str, site: str | None) -> bool:
        """Neither government, allow-listed nor the page's own site."""
        if site is not None and (host == site or host.endswith("." + site)):
            return False
        return not self.lists.trusted(host)

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
        problems.extend(self._host_problems(host))
        if self._outside(host, site):
            problems.extend(self._outside_problems(host, sorted(set(spam)), "隐藏的链接" if hidden else "链接", hidden))
        return _worst(problems)

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
            for p in self._host_problems(host):
                p.message = f"{where}{p.message.removeprefix('链接')}"
                problems.append(p)
            if self._outside(host, site):
                problems.extend(self._outside_problems(host, spam, where, True))
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

    def _host_problems(self, host: str) -> list[_Problem]:
        problems = []
        entry = self.lists.blocked(host)
        if entry is not None:
            problems.append(_Problem(
                "link:blocklist", "veto", f"链接指向黑名单域名 {host}（命中“{entry}”），属博彩/色情等违规网站",
                "删除该链接并排查网站篡改", 0.95,
            ))
        if is_ip(host):
            problems.append(_Problem(
                "link:ip", "medium", f"链接直接指向 IP 地址 {host}，无法确认网站主体",
                "核实链接目标，政府网站应链接到有备案域名的网站", 0.8,
            ))
        elif imitates_gov(host):
            problems.append(_Problem(
                "link:lookalike", "medium", f"链接域名 {unicode_host(host)} 仿冒政府网站域名",
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
