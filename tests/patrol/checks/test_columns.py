import datetime as dt

from sanshen.patrol.checks.columns import ColumnsCheck, breadcrumb, update_class
from sanshen.patrol.checks.dates import item_date, pub_date, url_date
from sanshen.patrol.model import Kind

from .fakes import SITE, FakeContext, layout, make_page, run

AS_OF = dt.date(2026, 11, 20)
GZDT = "http://www.xx.gov.cn/zwgk/gzdt/"
TZGG = "http://www.xx.gov.cn/zwgk/tzgg/index.html"


def _list(name, items, *, crumb=True, pager=True):
    lis = "\n".join(f'<li><a href="{href}">{title}</a><span>{date}</span></li>' for href, title, date in items)
    pos = f'<div class="pos">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; {name}</div>' if crumb else ""
    pages = '<div>共5页 <a href="index_1.html">下一页</a> <a href="index_4.html">尾页</a></div>' if pager else ""
    return layout(f'{pos}<ul class="list">{lis}</ul>{pages}', title=f"{name}_XX县人民政府")


def _items(dates, base="http://www.xx.gov.cn/zwgk/gzdt/"):
    return [(f"{base}2026{i:02d}/t2026_{i}.html", f"我县召开第{i}次安全生产会议", d) for i, d in enumerate(dates, 1)]


def _run(pages, ctx=None):
    ctx = ctx or FakeContext(as_of=AS_OF)
    check = ColumnsCheck()
    for page in pages:
        assert run(check.on_page(page, ctx)) == []
    return check, run(check.finish(ctx))


def test_dates():
    assert item_date("标题 2026-11-10", AS_OF) == dt.date(2026, 11, 10)
    assert item_date("标题 2026/11/9", AS_OF) == dt.date(2026, 11, 9)
    assert item_date("2026年11月10日", AS_OF) == dt.date(2026, 11, 10)
    assert item_date("标题[11-10]", AS_OF) == dt.date(2026, 11, 10)
    assert item_date("标题[12-28]", AS_OF) == dt.date(2025, 12, 28)  # not in the future
    assert item_date("标题 11-10", AS_OF, "http://x/202511/t20251110_1.html") == dt.date(2025, 11, 10)
    assert item_date("联系电话：0551-62345678", AS_OF) is None
    assert item_date("第1-2期", AS_OF) is None
    assert item_date("2027-05-01", AS_OF) is None  # a forged future date is not believed
    assert url_date("http://x/art/t20261110_1.html", AS_OF) == dt.date(2026, 11, 10)
    assert pub_date({"pubdate": "2026-11-10 09:30"}, "", AS_OF) == dt.date(2026, 11, 10)
    assert pub_date({}, "标题\n发布时间：2026-11-09 来源：县政府办", AS_OF) == dt.date(2026, 11, 9)


def test_classes_and_breadcrumb():
    assert update_class("工作动态") == ("news", 14)
    assert update_class("图片新闻") == ("news", 14)
    assert update_class("通知公告") == ("notice", 183)
    assert update_class("政策解读") == ("notice", 183)
    assert update_class("人事任免") == ("yearly", 365)
    assert update_class("财政预决算") == ("yearly", 365)
    assert update_class("机构职能") == ("none", None)
    assert update_class("办事指南", {"办事指南": 90}) == ("custom", 90)
    assert breadcrumb("当前位置：首页 > 政务公开 > 通知公告") == "通知公告"


def test_stale_news_column():
    page = make_page(GZDT, _list("工作动态", _items(["2026-10-01", "2026-09-20", "2026-09-10", "2026-09-01",
                                                     "2026-08-20"])))
    check, problems = _run([page])
    assert [p.kind for p in problems] == [Kind.STALE_COLUMN]
    p = problems[0]
    assert p.facts["column"] == "工作动态" and p.facts["latest"] == "2026-10-01" and p.facts["max_age_days"] == 14
    assert "2026-10-01" in p.detail and "工作动态" in p.detail and p.severity == "high"
    assert [(c.name, c.update_class, c.latest, c.item_count) for c in check.columns] == [
        ("工作动态", "news", dt.date(2026, 10, 1), 5)]


def test_fresh_and_unknown_columns_are_not_reported():
    fresh = make_page(GZDT, _list("工作动态", _items(["[11-18]", "[11-10]", "[10-30]", "[10-01]", "[09-12]"])))
    notice = make_page(TZGG, _list("通知公告", _items(["2026-06-01"] * 5, "http://www.xx.gov.cn/zwgk/tzgg/")))
    other = make_page("http://www.xx.gov.cn/zjxx/lsyg/", _list("历史沿革", _items(["2019-01-01"] * 6)))
    check, problems = _run([fresh, notice, other])
    assert problems == []
    assert {c.name: c.update_class for c in check.columns} == {"工作动态": "news", "通知公告": "notice",
                                                               "历史沿革": "none"}


def test_undated_items_use_article_dates_or_count_as_not_updated():
    items = [(f"http://www.xx.gov.cn/zwgk/tzgg/202610/t2026101{i}_{i}.htm", f"关于开展第{i}批检查的通知", "")
             for i in range(4)]
    list_page = make_page(TZGG, _list("通知公告", items))  # paginated, no dates
    article = make_page(items[0][0], layout("<h1>关于开展第0批检查的通知</h1><p>发布日期：2026-10-10</p><p>正文。</p>",
                                            head='<meta name="PubDate" content="2026-10-10">'))
    check, problems = _run([list_page, article])
    assert problems == [] and check.columns[0].latest is not None
    # without the articles and with no date in the URLs: not updated
    bare = [(f"http://www.xx.gov.cn/zwgk/rsxx/a{i}.htm", f"张三等同志任职通知{i}", "") for i in range(4)]
    check, problems = _run([make_page("http://www.xx.gov.cn/zwgk/rsxx/", _list("人事信息", bare))])
    assert [p.kind for p in problems] == [Kind.STALE_COLUMN] and "未注明发布时间" in problems[0].detail
    assert check.columns[0].undated_items == 4


def test_pages_of_one_column_merge():
    p1 = make_page(GZDT, _list("工作动态", _items(["2026-11-18"] + ["2026-11-01"] * 4)))
    p2 = make_page(GZDT + "index_1.html", _list("工作动态", _items(["2026-10-01"] * 5, GZDT + "x/")))
    check, problems = _run([p1, p2])
    assert problems == [] and len(check.columns) == 1 and check.columns[0].item_count == 10


def test_blank_column():
    body = '<div class="pos">当前位置：首页 &gt; 政务公开 &gt; 政策解读</div><div class="list">暂无信息</div>'
    head = '<meta name="ColumnName" content="政策解读">'
    _, problems = _run([make_page("http://www.xx.gov.cn/zwgk/zcjd/", layout(body, head=head))])
    assert [(p.kind, p.facts["column"]) for p in problems] == [(Kind.BLANK_COLUMN, "政策解读")]


def test_home_page_not_updated_is_veto():
    home = make_page(SITE, layout("<ul>" + "".join(
        f'<li><a href="/a{i}.html">县政府召开第{i}次常务会议</a> 2026-10-0{i}</li>' for i in range(1, 7)) + "</ul>"))
    _, problems = _run([home])
    assert [(p.kind, p.severity, p.url) for p in problems] == [(Kind.STALE_COLUMN, "veto", SITE)]
    fresh = make_page(SITE, layout("<ul>" + "".join(
        f'<li><a href="/a{i}.html">县政府召开第{i}次常务会议</a> 2026-11-1{i}</li>' for i in range(1, 7)) + "</ul>"))
    assert _run([fresh])[1] == []


def test_article_and_ordinary_pages_are_not_columns():
    article = make_page("http://www.xx.gov.cn/zwgk/gzdt/202611/t20261110_1.html", layout(
        '<div class="pos">当前位置：首页 &gt; 工作动态</div><h1>我县召开会议</h1><p>发布时间：2026-11-10</p>'
        '<p>会议强调，联系电话：0551-62345678。</p><ul class="related">' + "".join(
            f'<li><a href="/r{i}.html">相关新闻标题第{i}条</a></li>' for i in range(8)) + "</ul>",
        head='<meta name="PubDate" content="2026-11-10">'))
    about = make_page("http://www.xx.gov.cn/zjxx/", layout("<h1>走进XX</h1><p>XX县位于安徽省中部。</p>"))
    check, problems = _run([article, about])
    assert problems == [] and check.columns == []
