"""Cloaking (针对搜索引擎的伪装内容): spam shown only to search-engine spiders or search visitors.

For the home page, the pages it links to directly (where a spider enters; up to
``ctx.options["cloaking_front"]``, default 60) and a sample of deeper pages
(``ctx.options["cloaking_sample"]``, default 20; ``ctx.options["cloaking"] = False`` turns the check
off), the same URL is
fetched again through ``ctx.fetch`` as Baiduspider and with a Baidu search Referer
(``https://www.baidu.com/s?wd=<site name>``). Each variant goes through the engine; ``cloaking``
(veto) is reported only when a variant carries gambling/porn words or links to betting/porn/
blocklisted hosts that the normal page does not (or redirects off-site to such content). Layout
differences, other ads-free content, failed variant fetches are not reported.

It must see its sample whether or not the page changed (the variants can change alone):
``skip_unchanged = False``.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from sanshen.engine.families.link import urls_in

from ..model import Kind, Page, Problem
from ._common import (
    Analysis,
    analyse,
    analyse_bytes,
    bad_host,
    domain_lists,
    host,
    is_home,
    page_bytes,
    response_is_html,
    spam_words,
)
from .base import PatrolContext, SiteCheck

BAIDUSPIDER = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
DEFAULT_SAMPLE = 20
DEFAULT_FRONT = 60


def _bad_hosts(analysis: Analysis, ctx) -> set[str]:
    lists = domain_lists(ctx)
    text = analysis.extracted.text
    hosts: set[str] = set()
    for seg in analysis.extracted.segments:
        if seg.kind == "link":
            urls = [str(seg.attrs.get("href") or "")]
        elif seg.kind in ("hidden", "script"):
            urls = urls_in(seg, text)
        else:
            continue
        for u in urls:
            h = host(u)
            if h and not ctx.is_internal(u) and bad_host(h, ctx, lists):
                hosts.add(h)
    return hosts


class CloakingCheck(SiteCheck):
    name = "cloaking"
    skip_unchanged = False

    def __init__(self):
        self.sampled = 0
        self.front = 0

    def _chosen(self, page: Page, ctx, options: dict) -> bool:
        """The home page; the first ``cloaking_front`` pages the home page links to; a sample of deeper pages.

        Under the crawler (``ctx.front_pages``), the choice depends on the page alone, not on which
        pages this process happened to see first, so workers sharing a patrol sample the same pages:
        the front pages are read from the home page's links (the first ``cloaking_front +
        cloaking_sample``), deeper pages are chosen by a hash of their URL (about ``cloaking_sample``
        per ``ctx.max_pages`` pages). Without it, first come, first sampled. A page redirected to the
        home page is not sampled again.
        """
        front_limit = int(options.get("cloaking_front", DEFAULT_FRONT))
        sample = int(options.get("cloaking_sample", DEFAULT_SAMPLE))
        if page.is_home:
            return True
        final = page.response.final_url if page.response is not None else ""
        if final and final != page.url and is_home(final, ctx):
            return False  # an old address sent to the home page: the home page itself is checked
        front_pages = getattr(ctx, "front_pages", None)
        # The pages the home page links to: the first ``cloaking_front``, and as many more as the deep
        # sample would take (first come, first sampled took them, the home page's links coming first).
        front = front_pages(front_limit + sample) if callable(front_pages) else None
        if front is None:
            if page.depth <= 1 and self.front < front_limit:
                self.front += 1
                return True
            if self.sampled < sample:
                self.sampled += 1
                return True
            return False
        if page.url in front:
            return True
        if sample <= 0:
            return False
        every = max(1, int(getattr(ctx, "max_pages", 0) or 0) // sample)
        return int(hashlib.sha1(page.url.encode("utf-8")).hexdigest()[:12], 16) % every == 0

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        options = ctx.options or {}
        if options.get("cloaking", True) is False:
            return []
        if not self._chosen(page, ctx, options):
            return []
        normal = analyse(page, ctx)
        if normal is None:
            return []
        normal_body = page_bytes(page)
        normal_url = (page.response.final_url if page.response is not None else "") or page.url
        normal_words = set(spam_words(normal.findings))
        normal_hosts = _bad_hosts(normal, ctx)
        site_name = page.metas.get("sitename") or (page.title.split("_")[-1] if page.title else "") or ctx.site_url
        variants = [("以百度蜘蛛（Baiduspider）身份访问", {"user_agent": BAIDUSPIDER}),
                    ("从百度搜索结果进入", {"referer": "https://www.baidu.com/s?wd=" + quote(site_name)})]
        for label, kwargs in variants:
            try:
                response = await ctx.fetch(page.url, **kwargs)
            except Exception:  # a variant that cannot be fetched proves nothing
                continue
            if not response.ok or not response.body or not response_is_html(response):
                continue
            if response.body == normal_body and (response.final_url or page.url) == normal_url:
                continue  # the very same bytes: nothing shown only to spiders or search visitors
            variant = analyse_bytes(response.body, response.final_url or page.url, ctx)
            if variant is None:
                continue
            words = [w for w in spam_words(variant.findings) if w not in normal_words]
            hosts = sorted(_bad_hosts(variant, ctx) - normal_hosts)
            if not words and not hosts:
                continue
            what = []
            if words:
                what.append(f"博彩/色情词语（{'、'.join(words[:5])}）")
            if hosts:
                what.append(f"违规网站链接（{'、'.join(hosts[:5])}）")
            moved = response.final_url and not ctx.is_internal(response.final_url)
            how = f"被跳转到 {host(response.final_url)}，" if moved else ""
            return [Problem(
                kind=Kind.CLOAKING, url=page.url, severity="veto",
                detail=f"{label}时{how}页面出现正常访问看不到的{'及'.join(what)}，属针对搜索引擎的伪装篡改",
                facts={"key": label, "variant": label, "words": words, "hosts": hosts,
                       "variant_title": variant.extracted.text.split("\n", 1)[0][:120],
                       "final_url": response.final_url},
            )]
        return []
