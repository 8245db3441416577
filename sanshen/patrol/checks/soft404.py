"""Soft 404 (软 404): a page that answers 200 but says it does not exist, or a deep URL sent home.

Said in the title: a title chunk (split at "_ | - —") that is essentially the phrase
(页面不存在, 内容已删除, 404 Not Found…). Said in the text: a short line that is essentially the
phrase, on a page with little running text (an article that discusses "页面不存在" has long
paragraphs and the phrase inside them, so it is not flagged). Redirected home: a URL below the
root whose redirects end on the site's home page.
"""

from __future__ import annotations

import re

from ..model import Kind, Link, Page, Problem, Response
from ._common import is_home, is_root_path, same_url
from .base import PatrolContext, SiteCheck

PHRASES = (
    "您访问的页面不存在", "您所访问的页面不存在", "你访问的页面不存在", "页面不存在", "网页不存在", "文章不存在",
    "信息不存在", "内容不存在", "该信息不存在", "内容已删除", "页面已删除", "信息已删除", "该信息已被删除",
    "文章已删除", "内容已被删除", "无权访问", "没有权限访问", "您无权访问该页面", "404 not found", "not found",
    "找不到页面", "找不到该页面", "页面找不到了", "页面未找到", "无法找到该页", "抱歉，页面出错了", "信息已过期",
    "页面已失效", "信息已撤稿", "404错误", "错误404", "error 404", "404 error", "404",
)
_PHRASE = re.compile("|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)), re.I)
_CHUNKS = re.compile(r"[_|｜\-—–]+")
_NOISE = re.compile(r"[\s!！。.,，:：;；~～…（）()\[\]【】'\"“”‘’]|对不起|抱歉|很抱歉|sorry"
    r"|啊|了|哦|呀|可能|您|你|请返回首页|返回首页|或")
LONG_LINE = 40  # a line of running text
MAX_RUNNING_CHARS = 80  # a soft-404 page carries less running text than this (footers aside)
_FOOTER = re.compile(
    r"主办|承办|协办|地址|电话|邮编|备案|ICP|标识码|版权|copyright|技术支持|维护|建议使用|分辨率|浏览器", re.I)
SLACK_TITLE = 6  # what may stand around the phrase in a title chunk
SLACK_LINE = 12  # … and in a line of text


def _essentially(text: str, slack: int) -> str | None:
    """The phrase when ``text`` is little more than a not-found message."""
    m = _PHRASE.search(text)
    if m is None:
        return None
    rest = _NOISE.sub("", text[:m.start()] + text[m.end():])
    bare_404 = m.group(0) == "404" and not re.fullmatch(r"\s*404\s*", text)
    if bare_404 and "页面" not in text and "not" not in text.lower():
        return None
    return m.group(0) if len(rest) <= slack else None


def soft404_reason(page: Page) -> str | None:
    title = page.title or ""
    for chunk in _CHUNKS.split(title):
        if chunk.strip():
            phrase = _essentially(chunk.strip(), SLACK_TITLE)
            if phrase:
                return f"标题为“{title[:60]}”"
    lines = [ln.strip() for ln in (page.text or "").splitlines() if ln.strip()]
    running = sum(len(ln) for ln in lines if len(ln) >= LONG_LINE and not _FOOTER.search(ln))
    if running > MAX_RUNNING_CHARS:
        return None
    for ln in lines:
        if len(ln) <= 40:
            phrase = _essentially(ln, SLACK_LINE)
            if phrase:
                return f"页面正文提示“{ln[:60]}”"
    return None


def redirected_home(response: Response, ctx) -> bool:
    if not response.redirects and same_url(response.url, response.final_url):
        return False
    return is_home(response.final_url, ctx) and not is_root_path(response.url) and not is_home(response.url, ctx)


class Soft404Check(SiteCheck):
    name = "soft404"

    def __init__(self):
        self.seen: set[str] = set()

    def _problem(self, url: str, detail: str, found_on: list[str], reason: str) -> list[Problem]:
        if url in self.seen:
            return []
        self.seen.add(url)
        return [Problem(kind=Kind.SOFT_404, url=url, detail=detail, severity="medium", found_on=list(found_on),
                        facts={"key": url, "reason": reason})]

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        response = page.response
        if response is not None and redirected_home(response, ctx):
            return self._problem(page.url, "链接返回 200 但被重定向到首页，实为不存在的页面（软 404）",
                                 page.found_on, "redirect_home")
        if page.is_home or (response is not None and not response.ok):
            return []
        reason = soft404_reason(page)
        if reason:
            return self._problem(page.url, f"链接返回 200 但{reason}，实为不存在的页面（软 404）",
                                 page.found_on, "message")
        return []

    async def on_resource(
        self, response: Response, link: Link, found_on: list[str], ctx: PatrolContext
    ) -> list[Problem]:
        if response.ok and ctx.is_internal(response.url) and redirected_home(response, ctx):
            return self._problem(response.url, "链接被重定向到首页，实为不存在的页面（软 404）", found_on,
                                 "redirect_home")
        return []
