"""Check state that survives workers: a patrol's pages seen by different processes (or before and
after a crash) give the same columns, owners and cloaking sample as one process seeing them all."""

from __future__ import annotations

import datetime as dt
import json

from sanshen.patrol.checks.cloaking import CloakingCheck
from sanshen.patrol.checks.columns import ColumnsCheck
from sanshen.patrol.checks.content import ContentCheck
from sanshen.patrol.crawl import _problem_from_record, _problem_to_record, merge_problems

from .fakes import SITE, FakeContext, html_response, layout, make_page, run

AS_OF = dt.date(2026, 11, 20)
WRONG = "习近平新时代中国特设社会主义思想"


def _list(url, name, dates, *, base):
    lis = "\n".join(f'<li><a href="{base}t2026_{i}.html">我县召开第{i}次安全生产会议</a><span>{d}</span></li>'
                    for i, d in enumerate(dates, 1))
    pos = f'<div class="pos">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; {name}</div>'
    pager = '<div>共2页 <a href="index_1.html">下一页</a></div>'
    return make_page(url, layout(f'{pos}<ul class="list">{lis}</ul>{pager}', title=f"{name}_XX县人民政府"))


def _pages():
    gzdt = "http://www.xx.gov.cn/zwgk/gzdt/"
    tzgg = "http://www.xx.gov.cn/zwgk/tzgg/"
    article = make_page(gzdt + "t2026_9.html", layout("<h1>会议</h1><p>发布时间：2026-11-18</p><p>正文。</p>"))
    return [
        _list(gzdt + "index.html", "工作动态", ["2026-10-01"] * 5, base=gzdt),
        _list(gzdt + "index_1.html", "工作动态", ["2026-09-01"] * 4 + [""], base=gzdt + "p1/"),
        _list(tzgg + "index.html", "通知公告", ["2026-01-02"] * 6, base=tzgg),
        article,
        make_page(tzgg + "blank.html", layout('<div class="pos">当前位置：首页 &gt; 人事任免</div><p>暂无信息</p>')),
    ]


def _verdicts(problems):
    return sorted((p.kind.value, p.url, p.detail) for p in problems)


def _columns(check):
    return sorted((c.url, c.name, c.update_class, c.latest, c.item_count, c.undated_items) for c in check.columns)


def test_columns_split_over_workers_equal_one_process():
    ctx = FakeContext(as_of=AS_OF)
    pages = _pages()
    single = ColumnsCheck()
    for page in pages:
        run(single.on_page(page, ctx))
    expected = _verdicts(run(single.finish(ctx)))
    assert any(kind == "stale_column" for kind, _, _ in expected)

    # Two workers, each with its own check, see half the pages (in another order); the states go into
    # the completion records (JSON) and whoever finishes restores from all of them.
    states = []
    for share in (pages[::2], pages[1::2][::-1]):
        worker = ColumnsCheck()
        for page in share:
            run(worker.on_page(page, ctx))
            state = worker.page_state(page)
            if state is not None:
                states.append(json.loads(json.dumps(state)))
    finisher = ColumnsCheck()
    finisher.restore(states[::-1])
    assert _verdicts(run(finisher.finish(ctx))) == expected
    assert _columns(finisher) == _columns(single)


def test_restore_replaces_what_a_resumed_process_saw():
    ctx = FakeContext(as_of=AS_OF)
    pages = _pages()
    states = []
    before = ColumnsCheck()  # the process that crashed
    for page in pages[:3]:
        run(before.on_page(page, ctx))
        states.append(before.page_state(page))
    after = ColumnsCheck()  # the process that resumed: saw only the rest
    for page in pages[3:]:
        run(after.on_page(page, ctx))
        states.append(after.page_state(page))
    after.restore([s for s in states if s])
    single = ColumnsCheck()
    for page in pages:
        run(single.on_page(page, ctx))
    assert _verdicts(run(after.finish(ctx))) == _verdicts(run(single.finish(ctx)))


def test_boilerplate_owner_does_not_depend_on_who_saw_what():
    banner = f'<div id="banner">深入学习贯彻{WRONG}</div>'
    a1 = "http://www.xx.gov.cn/zwgk/a1.html"
    a2 = "http://www.xx.gov.cn/zwgk/a2.html"
    home = make_page(SITE, layout(banner + "<p>首页</p>"), depth=0)
    p1 = make_page(a1, layout(banner + "<p>文章一正文。</p>"), depth=1)
    p2 = make_page(a2, layout(banner + "<p>文章二正文。</p>"), depth=1)
    ctx = FakeContext()

    def patrol(shares):
        problems = []
        for share in shares:
            check = ContentCheck()  # one worker
            for page in share:
                problems += [_problem_from_record(json.loads(json.dumps(_problem_to_record(p, "content"))))
                             for p in run(check.on_page(page, ctx))]
        return merge_problems(problems)

    one = patrol([[home, p1, p2]])
    split = patrol([[p2, home], [p1]])
    late_home = patrol([[p1], [p2], [home]])
    for result in (one, split, late_home):
        assert [(p.url, sorted(p.found_on)) for p in result] == [(SITE, sorted([SITE, a1, a2]))]
        assert result[0].finding == one[0].finding
    without_home = patrol([[p2], [p1]])
    assert [p.url for p in without_home] == [a1]  # the first URL in sort order at the same depth


class _CrawlerContext(FakeContext):
    """What the crawler's Context adds: the home page's links and the page limit."""

    def __init__(self, front, **kw):
        super().__init__(**kw)
        self._front_list = front
        self.max_pages = 100

    def front_pages(self, limit):
        return self._front_list[:limit]


def test_cloaking_sample_is_the_same_in_every_worker():
    normal = layout("<p>正文</p>")
    front = [f"http://www.xx.gov.cn/f{i}.html" for i in range(6)]
    deep = [f"http://www.xx.gov.cn/d/{i}.html" for i in range(60)]
    options = {"cloaking_front": 3, "cloaking_sample": 2}
    pages = [make_page(u, normal, depth=1) for u in front] + [make_page(u, normal, depth=3) for u in deep]

    def sampled(order):
        ctx = _CrawlerContext(front, options=options, handler=lambda url, ua, ref: html_response(url, normal))
        check = CloakingCheck()
        for page in order:
            run(check.on_page(page, ctx))
        return {url for url, _ua, _ref in ctx.fetched}

    forward, backward = sampled(pages), sampled(pages[::-1])
    assert forward == backward
    assert set(front[:5]) <= forward and front[5] not in forward  # front + sample of the home page's links
    assert 0 < len(forward - set(front)) < len(deep)
