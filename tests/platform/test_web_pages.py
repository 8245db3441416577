"""The shell pages: layout, navigation, dashboard, unit tree and detail with unit isolation."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sanshen.units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _login_path(settings):
    # The path of the accounts app's `login` page, whether or not that app is installed yet.
    settings.LOGIN_URL = "/accounts/login/"


@pytest.fixture
def users(tree, make_user):
    return {
        # editor of a department in 麒麟区 (unit A)
        "a": make_user("edu_editor", (tree["edu"], Role.EDITOR), full_name="张三"),
        # editor of a department in 沾益区 (unit B)
        "b": make_user("zhanyi_editor", (tree["zhanyi_edu"], Role.EDITOR)),
        # supervisor of 麒麟区: sees its subtree
        "sup": make_user("qilin_sup", (tree["qilin"], Role.SUPERVISOR)),
        "root": make_user("root", is_superuser=True, is_staff=True),
    }


def _client(client, user):
    return _login(client, user)


def _login(client, user):
    """Sign in as a real sign-in would (second factor included where the policy asks for it)."""
    from django.apps import apps

    if not apps.is_installed("sanshen.accounts"):
        client.force_login(user)
        return client
    from sanshen.accounts.testing import login

    return login(client, user)


def test_pages_need_login(client, tree):
    for url in (reverse("home"), reverse("units:tree"), reverse("units:detail", args=[tree["edu"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_layout_header_nav_and_static(client, users):
    html = _client(client, users["a"]).get(reverse("home")).content.decode()
    assert "三审" in html
    assert "张三" in html and "麒麟区教育体育局" in html
    assert reverse("units:tree") in html  # left navigation
    assert "/static/web/css/sanshen.css" in html
    assert "/static/web/vendor/htmx/htmx.min.js" in html
    # Strict CSP: no inline scripts, styles or handlers in the layout.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert "cdn" not in html.lower()


def test_admin_link_only_for_superuser(client, users):
    admin_url = reverse("admin:index")
    assert admin_url not in _client(client, users["a"]).get(reverse("home")).content.decode()
    client.logout()
    assert admin_url in _client(client, users["root"]).get(reverse("home")).content.decode()


def test_nav_skips_unresolvable_and_forbidden_items(rf, users):
    from sanshen.web import nav

    request = rf.get("/")
    request.user = users["a"]
    items = [
        nav.NavItem("尚未安装", "no_such:page"),
        nav.NavItem("仅监管员", "units:tree", section=nav.SYSTEM, allowed=nav.any_role(Role.SUPERVISOR)),
        nav.NavItem("首页", "home", order=1),
    ]
    sections = nav.sections_for(request, items)
    assert [(s, [link.label for link in links]) for s, links in sections] == [(nav.WORK, ["首页"])]
    request.user = users["sup"]
    del request._sanshen_roles
    labels = [link.label for _, links in nav.sections_for(request, items) for link in links]
    assert labels == ["首页", "仅监管员"]


def test_dashboard_shows_own_units_counts_and_scoped_audit(client, users, tree):
    from sanshen.audit.services import record

    record("update", unit=tree["edu"], object_repr="麒麟区教体局的记录")
    record("update", unit=tree["zhanyi_edu"], object_repr="沾益区教体局的记录")
    html = _client(client, users["a"]).get(reverse("home")).content.decode()
    assert "信息员" in html
    assert "麒麟区教体局的记录" in html
    assert "沾益区教体局的记录" not in html
    response = client.get(reverse("home"))
    dash = response.context["dash"]
    assert dash.unit_count == 1
    assert dash.user_count == 1  # only the editor itself holds a role in 麒麟区教育体育局


def test_dashboard_counts_for_supervisor(client, users, tree):
    dash = _client(client, users["sup"]).get(reverse("home")).context["dash"]
    # 麒麟区, its 教育体育局, 越州镇 and the 办公室 below the bureau
    assert dash.unit_count == 4
    assert dash.user_count == 2  # the supervisor and the bureau's editor


def test_unit_tree_lists_only_visible_units(client, users, tree):
    html = _client(client, users["a"]).get(reverse("units:tree")).content.decode()
    assert "麒麟区教育体育局" in html
    for hidden in ("沾益区", "曲靖市", "玉溪市", "越州镇"):
        assert hidden not in html.replace("沾益区教育体育局", "")  # not even as a name
    client.logout()
    html = _client(client, users["sup"]).get(reverse("units:tree")).content.decode()
    assert "越州镇" in html and "办公室" in html
    assert "沾益区" not in html


def test_unit_detail_a_cannot_see_b(client, users, tree):
    c = _client(client, users["a"])
    assert c.get(reverse("units:detail", args=[tree["edu"].pk])).status_code == 200
    for key in ("zhanyi_edu", "zhanyi", "city", "other_city", "qilin", "town"):
        assert c.get(reverse("units:detail", args=[tree[key].pk])).status_code == 404, key
    # An id that does not exist looks the same as one that is not visible.
    assert c.get(reverse("units:detail", args=[999999])).status_code == 404
    client.logout()
    c = _client(client, users["b"])
    assert c.get(reverse("units:detail", args=[tree["edu"].pk])).status_code == 404
    assert c.get(reverse("units:detail", args=[tree["zhanyi_edu"].pk])).status_code == 200


def test_unit_detail_members_and_roles(client, users, tree, make_user):
    make_user("edu_admin", (tree["edu"], Role.SITE_ADMIN), (tree["edu"], Role.EDITOR), full_name="李四")
    html = _client(client, users["sup"]).get(reverse("units:detail", args=[tree["edu"].pk])).content.decode()
    assert "edu_editor" in html and "李四" in html
    assert "网站管理员" in html and "信息员" in html
    assert "zhanyi_editor" not in html
    assert "办公室" in html  # a visible child unit


def test_supervisor_subtree_and_superuser(client, users, tree):
    c = _client(client, users["sup"])
    assert c.get(reverse("units:detail", args=[tree["office"].pk])).status_code == 200
    assert c.get(reverse("units:detail", args=[tree["zhanyi"].pk])).status_code == 404
    assert c.get(reverse("units:detail", args=[tree["city"].pk])).status_code == 404
    client.logout()
    c = _client(client, users["root"])
    for unit in tree.values():
        assert c.get(reverse("units:detail", args=[unit.pk])).status_code == 200


def test_inactive_user_sees_nothing(client, users, tree):
    user = users["a"]
    c = _client(client, user)
    user.is_active = False
    user.save()
    response = c.get(reverse("units:detail", args=[tree["edu"].pk]))
    assert response.status_code in (302, 404)


def test_unit_tree_nesting_and_escaping(client, users, tree):
    from sanshen.units.models import Unit

    Unit.objects.create(name="<script>x</script>科", kind=Unit.Kind.OFFICE, parent=tree["town"])
    html = _client(client, users["sup"]).get(reverse("units:tree")).content.decode()
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;科" in html
    # 麒麟区 > 越州镇 > the new office: nested lists, in tree order.
    tree_html = html[html.index('<ul class="tree">'):]
    assert tree_html.index("麒麟区") < tree_html.index("越州镇") < tree_html.index("&lt;script&gt;")
    assert tree_html.count("<ul") == tree_html.count("</ul>")
    assert f'href="/units/{tree["town"].pk}/"' in tree_html
