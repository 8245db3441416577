"""A deterministic generator of a 区/市 government website with planted defects and their ground truth.

`generate(origins, ...)` returns a `Site`: for every origin (``http://127.0.0.1:PORT``) a dict of
path → `Resource`, plus `expected_problems()` — the problems a patrol must report — and
`expected_columns()`. Page bodies are rendered lazily (the benchmark site has ≥ 20,000 pages).

Ground-truth entries are dicts ``{"kind", "url", "found_on", "note", "tolerate"}``; ``tolerate``
lists other kinds a patrol may also report at the same URL (a hidden gambling block is a
hidden_link and may also give content findings). `Site.unexpected(problems)` and
`Site.missing(problems)` compare a patrol's JSON problems with the ground truth.

Links between the site's own pages are relative (path-only). Links to the other loopback hosts
are absolute ``http://127.0.0.x:PORT/`` URLs, which the engine reports as ``link:ip`` (medium):
pages carrying them (the 友情链接 page and planted articles) tolerate content findings.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sanshen.patrol.model import Kind

from .prose import SENTENCES, TITLES

AS_OF = dt.date(2026, 11, 20)
PER_LIST_PAGE = 20
CHALLENGE_COOKIE = "wzws_cid"
# Every planted defect; pass a subset as ``defects=`` to plant only some.
DEFECTS = (
    "stale_news", "stale_notice", "blank_column", "undated_column", "dead_internal", "dead_external",
    "dead_attachment", "dead_image", "soft_404", "anti_bot", "slow", "id_number", "leader_title",
    "hidden_links", "cloaking_ua", "cloaking_referer", "redirect_loop", "bad_outbound", "robots",
    "script_injection", "gbk",
)
DISTRICTS = ["东城区", "西城区", "南湖区", "北山区", "江滨区", "青山区", "临河区", "金台区", "长安区", "新城区"]

# (slug, name, update class, max age in days, days between articles, days before as_of of the latest)
COLUMNS = [
    ("zwyw", "政务要闻", "news", 14, 1, 1),
    ("bmdt", "部门动态", "news", 14, 1, 20),  # stale_news: latest item 20 days old
    ("xzdt", "乡镇街道动态", "news", 14, 1, 2),  # gbk: every page of this column is GBK
    ("tzgg", "通知公告", "notice", 183, 3, 200),  # stale_notice: latest item 200 days old
    ("zcwj", "政策文件", "notice", 183, 4, 5),
    ("zcjd", "政策解读", "notice", 183, 4, 6),
    ("rsxx", "人事信息", "yearly", 365, 5, 9),
    ("czyjs", "财政预决算", "yearly", 365, 9, 40),
    ("bszn", "办事指南", "none", None, 0, 0),  # undated_column: items carry no date
    ("yjgl", "应急管理", "none", None, 0, 0),  # blank_column: no items at all (class unknown by name)
]
# Columns kept in a host without that defect planted: fresh, dated, non-empty.
_CLEAN_COLUMN = {"bmdt": 2, "tzgg": 3}


@dataclass
class Resource:
    """What the server answers for one path."""

    status: int = 200
    content_type: str = "text/html; charset=utf-8"  # the HTTP header as sent (None: no header)
    render: Callable[[], bytes] | None = None
    location: str | None = None  # redirect target (absolute path or URL)
    slow: bool = False  # sleeps the server's slow delay before answering
    challenge: bool = False  # 412 JS challenge unless the request has the cookie
    # (header name, substring, body): another body when the request header contains the substring
    variants: list[tuple[str, str, bytes]] = field(default_factory=list)
    last_modified: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    role: str = "other"  # home | list | article | attachment | image | planted | robots | other
    encoding: str = "utf-8"  # of the body as written
    _body: bytes | None = None

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self.render() if self.render is not None else b""
        return self._body

    @body.setter
    def body(self, value: bytes) -> None:
        self._body = value
        self.render = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Origins:
    sites: list[str]  # one origin per generated government site, e.g. http://127.0.0.1:41234
    external: str  # an outside site: "/" is a clean page, everything else 404
    casino: str  # an expired friendly-link domain re-registered by a gambling site: every path 200
    closed: str  # nothing listens there: connection refused

    @classmethod
    def fake(cls, hosts: int = 1) -> Origins:
        """Fixed origins for generating without a server (determinism tests)."""
        return cls([f"http://127.0.0.1:{20000 + i}" for i in range(hosts)], "http://127.0.0.2:30000",
                   "http://127.0.0.3:30001", "http://127.0.0.1:30002")


# --------------------------------------------------------------------------------------------------
# Small binary files


@functools.cache
def png_bytes() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"\x00\xcc\x22\x22"  # one red pixel, filter byte 0
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@functools.cache
def docx_bytes() -> bytes:
    import docx

    doc = docx.Document()
    doc.add_heading("中小企业发展扶持办法", level=1)
    for sentence in SENTENCES[24:30]:
        doc.add_paragraph(sentence)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@functools.cache
def pdf_bytes() -> bytes:
    """A minimal valid one-page PDF (ASCII text: no CJK font needed)."""
    stream = b"BT /F1 12 Tf 72 720 Td (Notice on budget disclosure, 2026) Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def id_number(region: str = "330102", birth: str = "19850312", seq: str = "123") -> str:
    """A valid 18-digit 居民身份证号码 (GB 11643 check digit)."""
    body = region + birth + seq
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


# --------------------------------------------------------------------------------------------------
# HTML templates

GAMBLING_TITLE = "澳门新葡京官网_真人百家乐_在线赌场"
GAMBLING_WORDS = ["澳门博彩", "真人百家乐", "在线赌场", "澳门新葡京", "时时彩平台"]


def _page(site_name: str, title: str, body: str, *, charset: str = "utf-8", metas: str = "",
          nav: list[tuple[str, str]] = (), head_extra: str = "") -> str:
    nav_html = "".join(f'<li><a href="{href}">{html.escape(name)}</a></li>' for href, name in nav)
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="{charset}">\n'
        f"<title>{html.escape(title)}</title>\n{metas}{head_extra}"
        '<link rel="stylesheet" href="/css/style.css">\n</head>\n<body>\n'
        f'<div class="header"><img src="/images/logo.png" alt="{html.escape(site_name)}">'
        f"<h1>{html.escape(site_name)}</h1></div>\n"
        f'<ul class="nav"><li><a href="/">首页</a></li>{nav_html}</ul>\n'
        f'<div class="main">\n{body}\n</div>\n'
        f'<div class="footer"><p>主办单位：{html.escape(site_name)}办公室</p>'
        '<p><a href="/wzdt/index.html">网站地图</a> <a href="/yqlj/index.html">友情链接</a></p></div>\n'
        "</body>\n</html>\n"
    )


@dataclass
class _Article:
    path: str
    title: str
    date: dt.date | None
    time: str
    column: str
    sentences: list[str]
    extra_html: str = ""
    encoding: str = "utf-8"
    header: str = "text/html; charset=utf-8"
    attachment: str = ""  # path of an attachment link
    image: str = ""  # path of an image


class Site:
    """The generated site(s): resources per origin and the ground truth."""

    def __init__(self, origins: Origins, as_of: dt.date) -> None:
        self.origins = origins
        self.as_of = as_of
        self.hosts: dict[str, dict[str, Resource]] = {}
        self._expected: list[dict] = []
        self._columns: list[dict] = []
        self.clean_articles: list[str] = []  # URLs of article pages with no planted problem
        self.planted: dict[str, str] = {}  # defect name -> the URL it is planted at
        self._originals: dict[str, tuple] = {}

    # -- ground truth --------------------------------------------------------------------------
    def restore(self) -> None:
        """Undo every mutation (bodies, dates and the problems they added)."""
        for url, (body, last_modified, n_expected) in self._originals.items():
            res = self.resource(url)
            res.body, res.last_modified = body, last_modified
            del self._expected[n_expected:]
        self._originals.clear()

    def expect(self, kind: Kind, url: str, note: str, found_on: list[str] = (), tolerate: list = ()) -> None:
        self._expected.append({"kind": kind.value, "url": url, "found_on": list(found_on), "note": note,
                               "tolerate": [Kind(k).value for k in tolerate]})

    def expected_problems(self, *, challenge_resolved: bool = False) -> list[dict]:
        """The problems a patrol must report. ``challenge_resolved``: the crawler replays the 412
        challenge's cookie and gets the real page, so no anti_bot problem is expected."""
        out = [dict(e) for e in self._expected]
        if challenge_resolved:
            out = [e for e in out if e["kind"] != Kind.ANTI_BOT.value]
        return out

    def expected_columns(self) -> list[dict]:
        return [dict(c) for c in self._columns]

    def tolerated(self, problem: dict) -> bool:
        """True when a reported problem matches the ground truth (expected or tolerated there)."""
        for e in self._expected:
            if e["url"] == problem["url"] and problem["kind"] in (e["kind"], *e["tolerate"]):
                return True
        # Pages carrying absolute links to loopback IPs: the engine says link:ip.
        if problem["kind"] == Kind.CONTENT.value and problem["url"] in self.ip_link_pages:
            rule = (problem.get("finding") or {}).get("rule", "")
            return rule.startswith("link:")
        # Anything about the gambling host (the planted links point there).
        return problem["url"].startswith(self.origins.casino) and problem["kind"] in (
            Kind.BAD_OUTBOUND_LINK.value, Kind.CONTENT.value)

    def unexpected(self, problems: list[dict]) -> list[dict]:
        """Problems (JSON form) the ground truth does not account for: false positives."""
        return [p for p in problems if not self.tolerated(p)]

    def missing(self, problems: list[dict], *, challenge_resolved: bool = False) -> list[dict]:
        """Expected problems a patrol did not report (same kind and URL)."""
        got = {(p["kind"], p["url"]) for p in problems}
        return [e for e in self.expected_problems(challenge_resolved=challenge_resolved)
                if (e["kind"], e["url"]) not in got]

    # -- resources -----------------------------------------------------------------------------
    def resource(self, url: str) -> Resource | None:
        for origin, paths in self.hosts.items():
            if url.startswith(origin + "/") or url == origin:
                path = url[len(origin):] or "/"
                return paths.get(path.split("#")[0])
        return None

    def html_pages(self) -> list[str]:
        return [origin + path for origin, paths in self.hosts.items() for path, r in paths.items()
                if r.content_type and r.content_type.startswith("text/html") and r.status == 200
                and not r.variants and not r.challenge]

    def page_count(self) -> int:
        return sum(len(p) for p in self.hosts.values())

    ip_link_pages: set[str]


# --------------------------------------------------------------------------------------------------


def generate(
    origins: Origins | None = None,
    *,
    seed: int = 20261120,
    hosts: int | None = None,
    columns: int = len(COLUMNS),
    articles_per_column: int = 250,
    pages: int | None = None,
    as_of: dt.date = AS_OF,
    defects: tuple[str, ...] | list[str] = DEFECTS,
    defect_hosts: int = 1,
) -> Site:
    """Generate the site. ``pages``: a target total (over all hosts) that sets articles_per_column.

    Defects are planted in the first ``defect_hosts`` hosts only; the others are clean.
    """
    if origins is None:
        origins = Origins.fake(hosts or 1)
    if hosts is not None and hosts != len(origins.sites):
        raise ValueError("hosts must match the number of site origins")
    columns = max(1, min(columns, len(COLUMNS)))
    if pages is not None:
        dated = max(1, columns - 1)
        per_host = pages / len(origins.sites)
        articles_per_column = max(3, int((per_host - 20) / dated / (1 + 1 / PER_LIST_PAGE)) + 1)
    site = Site(origins, as_of)
    site.ip_link_pages = set()
    for index, origin in enumerate(origins.sites):
        rng = random.Random(f"{seed}:{index}")
        planted = set(defects) if index < defect_hosts else set()
        _build_host(site, origin, index, rng, columns, articles_per_column, planted)
    _build_outside(site)
    return site


def _build_host(site: Site, origin: str, index: int, rng: random.Random, ncols: int, per_col: int,
                planted: set[str]) -> None:
    as_of = site.as_of
    paths: dict[str, Resource] = {}
    site.hosts[origin] = paths
    district = DISTRICTS[index % len(DISTRICTS)] + ("" if index < len(DISTRICTS) else str(index))
    site_name = f"示范市{district}人民政府"
    cols = COLUMNS[:ncols]
    nav = [(f"/{slug}/index.html", name) for slug, name, *_ in cols]
    if "anti_bot" in planted:
        nav.append(("/hdjl/index.html", "互动交流"))
    home = origin + "/"
    stamp = dt.datetime.combine(as_of, dt.time(8, 0), tzinfo=dt.UTC)

    def add(path: str, res: Resource) -> Resource:
        paths[path] = res
        return res

    def html_res(text_fn: Callable[[], str], *, encoding: str = "utf-8", header: str | None = None,
                 role: str = "other", status: int = 200, last_modified: dt.datetime = stamp) -> Resource:
        return Resource(status=status, content_type=header or f"text/html; charset={encoding}",
                        render=lambda: text_fn().encode(encoding), role=role, encoding=encoding,
                        last_modified=last_modified)

    # ---- articles ----------------------------------------------------------------------------
    columns_articles: dict[str, list[_Article]] = {}
    for slug, name, klass, max_age, step, latest_ago in cols:
        if slug in ("bmdt", "tzgg") and slug.replace("bmdt", "stale_news").replace("tzgg", "stale_notice") \
                not in planted:
            latest_ago = _CLEAN_COLUMN[slug]
        blank = slug == "yjgl" and "blank_column" in planted
        undated = slug == "bszn"
        gbk = slug == "xzdt" and "gbk" in planted
        arts: list[_Article] = []
        count = 0 if blank else per_col
        for n in range(count):
            date = None if undated else as_of - dt.timedelta(days=latest_ago + n * max(step, 1))
            ymd = date.strftime("%Y%m%d") if date else f"g{n:04d}"
            path = f"/{slug}/{ymd[:6]}/t{ymd}_{index * 100000 + n}.html"
            k = rng.randrange(len(TITLES))
            title = TITLES[k] if not undated else TITLES[22 + n % 2] + (f"（{n + 1}）" if n > 1 else "")
            encoding, header = "utf-8", "text/html; charset=utf-8"
            if gbk:
                encoding = "gbk"
                header = "text/html; charset=utf-8" if n % 2 == 0 else "text/html"  # wrong or missing
            art = _Article(path, title, date, f"{9 + n % 8:02d}:{(n * 7) % 60:02d}", slug,
                           rng.sample(SENTENCES, rng.randint(4, 8)), encoding=encoding, header=header)
            if slug in ("zcwj", "tzgg") and n % 10 == 3:
                ext = "docx" if n % 20 == 3 else "pdf"
                art.attachment = f"/{slug}/{ymd[:6]}/P0{ymd}{n:04d}.{ext}"
                add(art.attachment, Resource(
                    content_type="application/pdf" if ext == "pdf" else
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    render=pdf_bytes if ext == "pdf" else docx_bytes, role="attachment", last_modified=stamp))
            if slug == "zwyw" and n % 5 == 1:
                art.image = f"/{slug}/{ymd[:6]}/W0{ymd}{n:04d}.png"
                add(art.image, Resource(content_type="image/png", render=png_bytes, role="image"))
            arts.append(art)
        columns_articles[slug] = arts
        latest = max((a.date for a in arts if a.date), default=None)
        site._columns.append({
            "url": f"{origin}/{slug}/index.html", "name": name, "update_class": klass, "max_age_days": max_age,
            "latest": latest.isoformat() if latest else None, "item_count": len(arts),
            "undated_items": sum(1 for a in arts if a.date is None),
        })
        col_url = f"{origin}/{slug}/index.html"
        if slug == "bmdt" and "stale_news" in planted:
            site.expect(Kind.STALE_COLUMN, col_url, f"{name}：最新一条 {latest}，距 {as_of} 20 天（动态类 2 周）")
        if slug == "tzgg" and "stale_notice" in planted:
            site.expect(Kind.STALE_COLUMN, col_url, f"{name}：最新一条 {latest}，超过 6 个月未更新")
        if blank:
            site.expect(Kind.BLANK_COLUMN, col_url, f"{name}：栏目页没有任何条目")

    # ---- planted article content ------------------------------------------------------------
    def pick(slug: str, n: int) -> _Article:
        return columns_articles[slug][n]

    def article_url(a: _Article) -> str:
        return origin + a.path

    special: set[str] = set()
    ext, casino, closed = site.origins.external, site.origins.casino, site.origins.closed
    if "id_number" in planted:
        a = pick("tzgg", 4)
        a.sentences = [*a.sentences[:2], f"经审核，申请人王某某（身份证号：{id_number()}）符合条件，现予公示。"]
        site.expect(Kind.CONTENT, article_url(a), "privacy:id_card 完整身份证号", tolerate=[])
        site.planted["id_number"] = article_url(a)
        special.add(a.path)
    if "leader_title" in planted:
        a = pick("zwyw", 6)
        a.sentences = [*a.sentences[:2], "会议传达学习了国务院总理赵乐际在全国安全生产电视电话会议上的讲话精神。"]
        site.expect(Kind.CONTENT, article_url(a), "leaders:title-mismatch 领导人职务错误（赵乐际不是国务院总理）")
        site.planted["leader_title"] = article_url(a)
        special.add(a.path)
    if "hidden_links" in planted:
        a = pick("zcjd", 2)
        links = "".join(f'<a href="{casino}/{i}/">{w}</a>' for i, w in enumerate(GAMBLING_WORDS))
        a.extra_html += f'<div style="display:none">{links}</div>'
        site.expect(Kind.HIDDEN_LINK, article_url(a), "display:none 的博彩暗链", tolerate=[Kind.CONTENT])
        site.planted["hidden_links"] = article_url(a)
        site.ip_link_pages.add(article_url(a))
        special.add(a.path)
    if "script_injection" in planted:
        a = pick("zcjd", 5)
        a.extra_html += ("<script>document.write('<a href=\"" + casino + "/bet365/\" style=\"position:absolute;"
                         "left:-9999px\">澳门新葡京 真人百家乐</a>');</script>")
        site.expect(Kind.SPAM_INJECTION, article_url(a), "document.write 注入的博彩链接",
                    tolerate=[Kind.CONTENT, Kind.HIDDEN_LINK])
        site.planted["script_injection"] = article_url(a)
        site.ip_link_pages.add(article_url(a))
        special.add(a.path)
    carrier = pick("zwyw", 3)  # an inner page that carries dead links of several kinds
    carrier_url = article_url(carrier)
    if "dead_internal" in planted:
        carrier.extra_html += '<p>相关链接：<a href="/zwyw/201901/t20190101_1.html">往期报道</a></p>'
        site.expect(Kind.DEAD_LINK, origin + "/zwyw/201901/t20190101_1.html", "内页上的站内死链 (404)",
                    found_on=[carrier_url])
        site.expect(Kind.DEAD_LINK, origin + "/xxgk/ndbg/index.html", "首页上的站内死链 (404)", found_on=[home])
    if "dead_external" in planted:
        carrier.extra_html += (f'<p><a href="{ext}/gone.html">上级部门通知原文</a> '
                               f'<a href="{closed}/">市档案馆</a></p>')
        site.expect(Kind.DEAD_LINK, ext + "/gone.html", "外部死链 (404)", found_on=[carrier_url])
        site.expect(Kind.DEAD_LINK, closed + "/", "外部死链（连接被拒绝）", found_on=[carrier_url])
        site.ip_link_pages.add(carrier_url)
    if "dead_attachment" in planted:
        a = pick("zcwj", 1)
        a.attachment = "/zcwj/202611/P020261101000001.docx"
        site.expect(Kind.DEAD_LINK, origin + a.attachment, "附件死链 (404)", found_on=[article_url(a)])
    if "dead_image" in planted:
        a = pick("zwyw", 2)
        a.image = "/zwyw/202611/W020261101000002.png"
        site.expect(Kind.DEAD_LINK, origin + a.image, "图片死链 (404)", found_on=[article_url(a)])
    if "soft_404" in planted:
        carrier.extra_html += ('<p><a href="/zwgk/deleted.html">原文件</a> <a href="/zwyw/removed.html">原报道</a> '
                               '<a href="/old/zwgk.html">政务公开（旧版）</a></p>')
        site.expect(Kind.SOFT_404, origin + "/zwgk/deleted.html", "200 状态但正文为“页面不存在”",
                    found_on=[carrier_url])
        site.expect(Kind.SOFT_404, origin + "/zwyw/removed.html", "200 状态但正文为“您访问的页面已删除”",
                    found_on=[carrier_url])
        site.expect(Kind.SOFT_404, origin + "/old/zwgk.html", "302 跳转到首页", found_on=[carrier_url])
        notfound = "<div class=\"error\"><h2>页面不存在</h2><p>抱歉，您要访问的页面不存在或已被删除。</p></div>"
        add("/zwgk/deleted.html", html_res(lambda: _page(site_name, "页面不存在", notfound)))
        gone = "<div class=\"error\"><p>您访问的页面已删除。</p><p><a href=\"/\">返回首页</a></p></div>"
        add("/zwyw/removed.html", html_res(lambda: _page(site_name, "提示信息", gone)))
        add("/old/zwgk.html", Resource(status=302, location="/", content_type="text/html; charset=utf-8",
                                       render=lambda: b"", role="planted"))
    if "slow" in planted:
        carrier.extra_html += '<p><a href="/zwgk/slow.html">统计数据查询</a></p>'
        site.expect(Kind.DEAD_LINK, origin + "/zwgk/slow.html", "响应超过抓取超时（服务器延迟 slow_seconds）",
                    found_on=[carrier_url], tolerate=[Kind.UNAVAILABLE])
        res = add("/zwgk/slow.html", html_res(lambda: _page(site_name, "统计数据查询", "<p>数据查询</p>")))
        res.slow = True
    if "redirect_loop" in planted:
        carrier.extra_html += '<p><a href="/loop/a.html">办事大厅</a></p>'
        site.expect(Kind.DEAD_LINK, origin + "/loop/a.html", "重定向循环 /loop/a.html → /loop/b.html → /loop/a.html",
                    found_on=[carrier_url])
        add("/loop/a.html", Resource(status=302, location="/loop/b.html", render=lambda: b"", role="planted"))
        add("/loop/b.html", Resource(status=302, location="/loop/a.html", render=lambda: b"", role="planted"))
    if "robots" in planted:
        carrier.extra_html += '<p><a href="/private/index.html">机关事务</a></p>'
        site.planted["robots"] = origin + "/private/index.html"
        add("/private/index.html", html_res(lambda: _page(site_name, "机关事务", "<p>" + SENTENCES[0] + "</p>")))
    if planted & {"dead_internal", "dead_external", "soft_404", "slow", "redirect_loop", "robots"}:
        special.add(carrier.path)
        site.planted["dead_link_carrier"] = carrier_url

    # ---- article pages -----------------------------------------------------------------------
    col_names = {slug: name for slug, name, *_ in cols}
    for arts in columns_articles.values():
        for a in arts:
            def render(a: _Article = a) -> str:
                metas = f'<meta name="ArticleTitle" content="{html.escape(a.title)}">\n'
                metas += f'<meta name="ColumnName" content="{col_names[a.column]}">\n'
                date_line = ""
                if a.date:
                    metas += f'<meta name="PubDate" content="{a.date.isoformat()} {a.time}">\n'
                    date_line = f"<span>发布日期：{a.date.isoformat()}</span>"
                paras = "\n".join(f"<p>{s}</p>" for s in a.sentences)
                extra = ""
                if a.image:
                    extra += f'<p><img src="{a.image}" alt="活动现场"></p>'
                if a.attachment:
                    extra += f'<p>附件：<a href="{a.attachment}">{html.escape(a.title)}</a></p>'
                body = (f'<div class="crumb"><a href="/">首页</a> &gt; <a href="/{a.column}/index.html">'
                        f"{col_names[a.column]}</a></div>\n<h2>{html.escape(a.title)}</h2>\n"
                        f'<div class="info">{date_line}<span>来源：{site_name}办公室</span></div>\n'
                        f'<div class="content">\n{paras}\n{extra}{a.extra_html}\n</div>')
                return _page(site_name, f"{a.title}_{site_name}", body, charset=a.encoding, metas=metas, nav=nav)

            lm = dt.datetime.combine(a.date or as_of, dt.time(9, 30), tzinfo=dt.UTC)
            res = add(a.path, html_res(render, encoding=a.encoding, header=a.header, role="article",
                                       last_modified=lm))
            if a.path in special:
                res.role = "planted"
            else:
                site.clean_articles.append(origin + a.path)
    # ---- list pages --------------------------------------------------------------------------
    for slug, name, *_ in cols:
        arts = columns_articles[slug]
        npages = max(1, -(-len(arts) // PER_LIST_PAGE))
        enc = arts[0].encoding if arts else "utf-8"
        for p in range(npages):
            def render_list(p: int = p, slug: str = slug, name: str = name, arts: list = arts,
                            npages: int = npages, enc: str = enc) -> str:
                chunk = arts[p * PER_LIST_PAGE:(p + 1) * PER_LIST_PAGE]
                items = "\n".join(
                    f'<li><a href="{a.path}">{html.escape(a.title)}</a>'
                    + (f"<span>{a.date.isoformat()}</span>" if a.date else "") + "</li>" for a in chunk)
                pager = ""
                if npages > 1:
                    def page_href(i: int) -> str:
                        return "index.html" if i == 0 else f"index_{i}.html"
                    pager = '<div class="page">'
                    if p > 0:
                        pager += f'<a href="{page_href(p - 1)}">上一页</a> '
                    if p < npages - 1:
                        pager += f'<a href="{page_href(p + 1)}">下一页</a>'
                    pager += f"<span>共{npages}页</span></div>"
                empty = "" if chunk else '<p class="empty">暂无信息</p>'
                body = (f'<div class="crumb"><a href="/">首页</a> &gt; {name}</div>\n<h2>{name}</h2>\n'
                        f'<ul class="list">\n{items}\n</ul>\n{empty}{pager}')
                return _page(site_name, f"{name}_{site_name}", body, charset=enc, nav=nav)

            path = f"/{slug}/index.html" if p == 0 else f"/{slug}/index_{p}.html"
            latest = arts[p * PER_LIST_PAGE].date if arts and arts[p * PER_LIST_PAGE].date else as_of
            add(path, html_res(render_list, encoding=enc, role="list",
                               last_modified=dt.datetime.combine(latest, dt.time(10), tzinfo=dt.UTC)))

    # ---- home, friendly links, site map, misc -----------------------------------------------
    def render_home() -> str:
        blocks = []
        for slug, name, *_ in cols:
            items = "".join(
                f'<li><a href="{a.path}">{html.escape(a.title)}</a>'
                + (f"<span>{a.date.isoformat()}</span>" if a.date else "") + "</li>"
                for a in columns_articles[slug][:6])
            blocks.append(f'<div class="block"><h3><a href="/{slug}/index.html">{name}</a></h3>'
                          f'<ul>{items}</ul><a href="/{slug}/index.html">更多</a></div>')
        extra = ""
        if "dead_internal" in planted:
            extra += '<p><a href="/xxgk/ndbg/index.html">政府信息公开年度报告</a></p>'
        if planted & {"cloaking_ua", "cloaking_referer"}:
            extra += ('<p class="zt">专题：<a href="/ztzl/yhyshj.html">优化营商环境</a> '
                      '<a href="/ztzl/xczx.html">乡村振兴</a></p>')
        return _page(site_name, site_name, "\n".join(blocks) + extra, nav=nav,
                     metas='<meta name="SiteName" content="' + site_name + '">\n')

    add("/", html_res(render_home, role="home"))

    def render_links() -> str:
        items = [f'<li><a href="{ext}/">示范市图书馆</a></li>']
        if "bad_outbound" in planted:
            items.append(f'<li><a href="{casino}/">示范市旅游网</a></li>')
        body = '<h2>友情链接</h2><ul class="links">' + "".join(items) + "</ul>"
        return _page(site_name, f"友情链接_{site_name}", body, nav=nav)

    add("/yqlj/index.html", html_res(render_links, role="other"))
    site.ip_link_pages.add(origin + "/yqlj/index.html")
    if "bad_outbound" in planted:
        site.expect(Kind.BAD_OUTBOUND_LINK, casino + "/", "友情链接“示范市旅游网”的域名已被博彩网站抢注",
                    found_on=[origin + "/yqlj/index.html"], tolerate=[Kind.CONTENT])
        site.planted["bad_outbound"] = casino + "/"

    def render_map() -> str:
        items = "".join(f'<li><a href="/{slug}/index.html">{name}</a></li>' for slug, name, *_ in cols)
        return _page(site_name, f"网站地图_{site_name}", f"<h2>网站地图</h2><ul>{items}</ul>", nav=nav)

    add("/wzdt/index.html", html_res(render_map))
    add("/css/style.css", Resource(content_type="text/css", render=lambda: b"body{font-size:14px}\n"))
    add("/images/logo.png", Resource(content_type="image/png", render=png_bytes, role="image"))
    robots = b"User-agent: *\nDisallow: /private/\n" if "robots" in planted else b"User-agent: *\nDisallow:\n"
    add("/robots.txt", Resource(content_type="text/plain", render=lambda: robots, role="robots"))

    if "anti_bot" in planted:
        def render_hd() -> str:
            return _page(site_name, f"互动交流_{site_name}", "<h2>互动交流</h2><p>" + SENTENCES[39] + "</p>", nav=nav)

        res = add("/hdjl/index.html", html_res(render_hd, role="planted"))
        res.challenge = True
        site.expect(Kind.ANTI_BOT, origin + "/hdjl/index.html",
                    "HTTP 412 + JS 设置 cookie 后刷新；重放 cookie 可得 200（解决则不报，见 challenge_resolved）",
                    found_on=[home])
        site.planted["anti_bot"] = origin + "/hdjl/index.html"
    spam_body = ("<h2>" + GAMBLING_TITLE + "</h2>" + "".join(
        f'<p><a href="{casino}/{i}/">{w}</a> 注册即送彩金</p>' for i, w in enumerate(GAMBLING_WORDS)))
    for defect, path, title, header, needle in (
            ("cloaking_ua", "/ztzl/yhyshj.html", "优化营商环境", "user-agent", "Baiduspider"),
            ("cloaking_referer", "/ztzl/xczx.html", "乡村振兴", "referer", "baidu.com")):
        if defect in planted:
            def render_zt(title: str = title) -> str:
                return _page(site_name, f"{title}_{site_name}",
                             f"<h2>{title}</h2>" + "".join(f"<p>{s}</p>" for s in SENTENCES[30:34]), nav=nav)

            res = add(path, html_res(render_zt, role="planted"))
            res.variants.append((header, needle, _page(site_name, GAMBLING_TITLE, spam_body).encode()))
            site.expect(Kind.CLOAKING, origin + path, f"仅当 {header} 含 {needle} 时返回博彩内容",
                        found_on=[home], tolerate=[Kind.CONTENT, Kind.SPAM_INJECTION])
            site.planted[defect] = origin + path


def _build_outside(site: Site) -> None:
    ext = {
        "/": Resource(render=lambda: _page("示范市图书馆", "示范市图书馆", "<p>" + SENTENCES[22] + "</p>").encode()),
        "/robots.txt": Resource(content_type="text/plain", render=lambda: b"User-agent: *\nDisallow:\n"),
    }
    site.hosts[site.origins.external] = ext
    body = _page(GAMBLING_TITLE, GAMBLING_TITLE, "".join(f"<p>{w} 注册即送彩金</p>" for w in GAMBLING_WORDS)).encode()
    site.hosts[site.origins.casino] = {"*": Resource(render=lambda: body, role="planted")}


def mutate_tamper(site: Site, url: str | None = None) -> str:
    """Tamper with a clean article (gambling title + a hidden link) and expect page_changed there."""
    url = url or site.clean_articles[len(site.clean_articles) // 2]
    res = site.resource(url)
    assert res is not None
    site._originals.setdefault(url, (res.body, res.last_modified, len(site._expected)))
    text = res.body.decode(res.encoding)
    start, end = text.index("<title>") + 7, text.index("</title>")
    text = text[:start] + GAMBLING_TITLE + text[end:]
    text = text.replace('<div class="content">', '<div class="content"><div style="display:none">'
                        f'<a href="{site.origins.casino}/tamper/">真人百家乐</a></div>', 1)
    res.body = text.encode(res.encoding)
    res.last_modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
    site.expect(Kind.PAGE_CHANGED, url, "巡检之间标题被改为博彩标题并加入隐藏链接",
                tolerate=[Kind.CONTENT, Kind.HIDDEN_LINK, Kind.SPAM_INJECTION])
    return url
