"""Tampering (页面被篡改): per-page baselines kept between patrols, alerts only on suspicious change.

Fingerprint of a page (``ctx.baselines.put(url, …)``): title, meta description/keywords, a
64-bit simhash of the visible text, the set of external hosts it links to, the spam words it
carries, and the hosts of its hidden and script-injected links. The first patrol records it. A
later patrol compares and reports ``page_changed`` only when something suspicious was *added*:

* gambling/porn words not in the baseline (title/metas: veto; text: high);
* hidden elements or scripts with links to outside hosts not in the baseline (veto);
* new external links to blocklisted or betting/porn-looking hosts (veto), or — on the home page
  only — to any non-government host not linked before (low: worth a look, not proof);
* the title replaced by something sharing nothing with the old one (medium, with the old title).

Ordinary edits (article text, new government links, dates) change the fingerprint silently: the
baseline is then updated. A suspicious page keeps its old baseline (the last known-good state),
so the alert comes back on every patrol until the page is repaired.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from sanshen.engine.families.link import urls_in

from ..model import Kind, Page, Problem
from ._common import analyse, bad_host, domain_lists, host, outside_host, spam_words
from .base import PatrolContext, SiteCheck

_TOKEN = re.compile(r"[\u4e00-\u9fff]{2}|[a-z0-9]{2,}", re.I)
VERSION = 1


_W = 40  # bits per counter in `simhash`'s accumulator: no page has 2**40 tokens
_MASK = (1 << _W) - 1
# _SPREAD[j][b]: byte b at position j of a big-endian 64-bit hash, as one _W-bit counter per hash bit.
_SPREAD = [[sum(1 << (_W * (8 * (7 - j) + k)) for k in range(8) if b >> k & 1) for b in range(256)]
           for j in range(8)]


# A site's pages share most of their two-character tokens: each token's spread vector is kept.
_SPREAD_OF: dict[str, int] = {}
_SPREAD_OF_MAX = 100_000


def simhash(text: str) -> int:
    """64-bit simhash of the text's tokens (blake2b-64 each): bit i set when more tokens have it than not.

    The 64 per-bit counts are kept side by side in one big integer (each distinct token hashed once,
    weighted by its count), which gives the same value as a per-token, per-bit loop at a fraction
    of the cost."""
    counts = Counter(_TOKEN.findall(text))
    total = acc = 0
    s0, s1, s2, s3, s4, s5, s6, s7 = _SPREAD
    blake = hashlib.blake2b
    spread = _SPREAD_OF
    if len(spread) > _SPREAD_OF_MAX:
        spread.clear()
    for token, n in counts.items():
        vector = spread.get(token)
        if vector is None:
            d = blake(token.encode(), digest_size=8).digest()
            vector = spread[token] = (s0[d[0]] + s1[d[1]] + s2[d[2]] + s3[d[3]] + s4[d[4]] + s5[d[5]] + s6[d[6]]
                                      + s7[d[7]])
        total += n
        acc += n * vector
    out = 0
    for i in range(64):
        if 2 * (acc >> (_W * i) & _MASK) > total:
            out |= 1 << i
    return out


def distance(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


def fingerprint(page: Page, ctx) -> dict | None:
    analysis = analyse(page, ctx)
    if analysis is None:
        return None
    lists = domain_lists(ctx)
    text = analysis.extracted.text
    body = "\n".join(analysis.seg_text(s) for s in analysis.segments("body"))
    external = sorted({h for lk in page.links if (h := host(lk.url)) and not ctx.is_internal(lk.url)})
    injected = sorted({h for s in analysis.segments("hidden", "script") for u in urls_in(s, text)
                       if outside_host(h := host(u), ctx, lists)})
    return {
        "v": VERSION, "title": page.title, "description": page.metas.get("description", ""),
        "keywords": page.metas.get("keywords", ""), "simhash": format(simhash(body), "016x"),
        "external_hosts": external, "spam_words": sorted(spam_words(analysis.findings)), "injected_hosts": injected,
    }


def _chars(text: str) -> set[str]:
    return set(re.findall(r"[\u4e00-\u9fff]", text))


class TamperingCheck(SiteCheck):
    name = "tampering"

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        if page.response is not None and not page.response.ok:
            return []
        new = fingerprint(page, ctx)
        if new is None:
            return []
        old = ctx.baselines.get(page.url)
        if not old or old.get("v") != VERSION:
            ctx.baselines.put(page.url, new)
            return []
        reasons, severity = self._compare(old, new, page, ctx)
        if not reasons:
            ctx.baselines.put(page.url, new)
            return []
        return [Problem(
            kind=Kind.PAGE_CHANGED, url=page.url, severity=severity, found_on=[],
            detail="页面出现可疑变化，疑似被篡改：" + "；".join(reasons),
            facts={"key": "|".join(sorted(reasons)), "reasons": reasons, "old_title": old.get("title", ""),
                   "new_title": new["title"], "simhash_distance": distance(int(old["simhash"], 16),
                                                                          int(new["simhash"], 16))},
        )]

    def _compare(self, old: dict, new: dict, page: Page, ctx) -> tuple[list[str], str]:
        order = {"veto": 0, "high": 1, "medium": 2, "low": 3}
        found: list[tuple[str, str]] = []
        added_words = [w for w in new["spam_words"] if w not in old.get("spam_words", [])]
        if added_words:
            head = " ".join([new["title"], new["description"], new["keywords"]])
            in_head = [w for w in added_words if w in head]
            found.append((f"新增博彩/色情词语（{'、'.join(added_words[:5])}）", "veto" if in_head else "high"))
        added_injected = [h for h in new["injected_hosts"] if h not in old.get("injected_hosts", [])]
        if added_injected:
            found.append((f"新增隐藏或脚本写入的站外链接（{'、'.join(added_injected[:5])}）", "veto"))
        lists = domain_lists(ctx)
        added_hosts = [h for h in new["external_hosts"] if h not in old.get("external_hosts", [])]
        bad = [h for h in added_hosts if bad_host(h, ctx, lists)]
        if bad:
            found.append((f"新增指向违规网站的链接（{'、'.join(bad[:5])}）", "veto"))
        elif page.is_home:
            plain = [h for h in added_hosts if outside_host(h, ctx, lists)]
            if plain:
                found.append((f"首页新增指向非政府网站的链接（{'、'.join(plain[:5])}）", "low"))
        old_title, new_title = old.get("title", ""), new["title"]
        if old_title and new_title != old_title and len(_chars(old_title)) >= 4 and not (
                _chars(old_title) & _chars(new_title)):
            found.append((f"标题由“{old_title[:40]}”变为“{new_title[:40]}”", "medium"))
        if not found:
            return [], ""
        return [r for r, _ in found], min((s for _, s in found), key=order.__getitem__)
