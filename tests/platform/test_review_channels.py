"""发布渠道 chosen from the site registry (网站登记): a website channel names a registered site of
the item's unit or of a unit above it, and optionally one of its columns; stored entries carry
site_id/column_id. New-media accounts stay free text; a unit with no registered site at all
still accepts any website name."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from sanshen.api import tokens
from sanshen.review import services
from sanshen.units.models import Role

pytestmark = pytest.mark.django_db

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
URL = "/api/v1/items"


@pytest.fixture(autouse=True)
def _fresh(fresh_api):
    fresh_api.SANSHEN_API_RATE = "off"
    fresh_api.SANSHEN_REVIEW_REQUIRE_CHANNELS = False


@pytest.fixture
def org(tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate
    from sanshen.sites.models import Column, Site

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu, qilin, zhanyi = tree["edu"], tree["qilin"], tree["zhanyi"]
    portal = Site.objects.create(unit=qilin, name="麒麟区人民政府网站", home_url="https://www.qilin.example/")
    notice = Column.objects.create(site=portal, url="https://www.qilin.example/tzgg/", name="通知公告")
    edu_news = Column.objects.create(site=portal, url="https://www.qilin.example/jyxx/", name="教育信息")
    own = Site.objects.create(unit=edu, name="麒麟区教育体育局网站", home_url="https://jy.qilin.example/")
    other = Site.objects.create(unit=zhanyi, name="沾益区人民政府网站", home_url="https://www.zhanyi.example/")
    other_column = Column.objects.create(site=other, url="https://www.zhanyi.example/tzgg/", name="通知公告")
    Site.objects.create(unit=edu, name="已停用网站", home_url="https://old.qilin.example/", is_active=False)
    return {
        **tree,
        "portal": portal,
        "notice": notice,
        "edu_news": edu_news,
        "own": own,
        "other": other,
        "other_column": other_column,
        "admin": make_user("edu_admin", (edu, Role.SITE_ADMIN), full_name="周管理"),
        "editor": make_user("editor", (edu, Role.EDITOR), (qilin, Role.EDITOR), full_name="王拟稿"),
        "zhanyi_editor": make_user("zy_editor", (tree["zhanyi_edu"], Role.EDITOR), full_name="沾益拟稿"),
    }


def _item(user, unit, channels):
    return services.create_item(user, unit, title="学生资助通知", body=CLEAN, category="work_news", channels=channels)


def _messages(excinfo) -> str:
    return "；".join(excinfo.value.messages)


# Resolving names ----------------------------------------------------------------------------


def test_names_resolve_to_the_registry_ids(org):
    item = _item(
        org["editor"],
        org["edu"],
        "麒麟区人民政府网站/通知公告\n麒麟区教育体育局网站/未登记栏目\n新媒体：麒麟教育",
    )
    assert item.channels == [
        {
            "kind": "site",
            "name": "麒麟区人民政府网站",
            "column": "通知公告",
            "site_id": org["portal"].pk,
            "column_id": org["notice"].pk,
        },
        # An unregistered column is kept as text, without column_id.
        {"kind": "site", "name": "麒麟区教育体育局网站", "column": "未登记栏目", "site_id": org["own"].pk},
        {"kind": "newmedia", "name": "麒麟教育", "column": ""},
    ]
    # The text the pages and the 审核表 show is unchanged.
    assert services.channels_text(item.channels, "；") == (
        "麒麟区人民政府网站/通知公告；麒麟区教育体育局网站/未登记栏目；新媒体：麒麟教育"
    )


def test_an_unknown_site_name_is_refused_with_the_registered_ones(org):
    with pytest.raises(ValidationError) as excinfo:
        _item(org["editor"], org["edu"], "曲靖市人民政府网站/通知公告")
    text = _messages(excinfo)
    assert "网站“曲靖市人民政府网站”未在网站登记中，可选：" in text
    assert "麒麟区人民政府网站" in text and "麒麟区教育体育局网站" in text
    # Neither an unrelated unit's site nor an inactive one is offered.
    assert "沾益区人民政府网站" not in text and "已停用网站" not in text
    with pytest.raises(ValidationError, match="已停用网站"):
        _item(org["editor"], org["edu"], "已停用网站/通知公告")


def test_a_unit_without_registered_sites_accepts_free_text(org):
    # 沾益区教育体育局 has no site of its own, but its county (沾益区) has one: that one resolves.
    item = _item(org["zhanyi_editor"], org["zhanyi_edu"], "沾益区人民政府网站/通知公告\n新媒体：沾益教育")
    assert item.channels[0]["site_id"] == org["other"].pk  # the parent county's site, resolved
    # A unit with no registered site anywhere at or above it: any name, as before.
    other_city = org["other_city"]
    from sanshen.units.models import Membership

    Membership.objects.create(user=org["zhanyi_editor"], unit=other_city, role=Role.EDITOR)
    item = _item(org["zhanyi_editor"], other_city, "玉溪市人民政府网站/通知公告")
    assert item.channels == [{"kind": "site", "name": "玉溪市人民政府网站", "column": "通知公告"}]
    assert services.clean_channels([{"kind": "site", "name": "任意网站", "column": "栏目"}], other_city) == [
        {"kind": "site", "name": "任意网站", "column": "栏目"}
    ]


def test_parent_sites_accepted_unrelated_and_child_sites_refused(org):
    edu, qilin = org["edu"], org["qilin"]
    # A site of the unit above (the county portal) serves its departments.
    assert services.clean_channels("麒麟区人民政府网站/教育信息", edu)[0]["column_id"] == org["edu_news"].pk
    # Another county's site: refused by name and by id.
    with pytest.raises(ValidationError, match="网站“沾益区人民政府网站”未在网站登记中"):
        services.clean_channels("沾益区人民政府网站/通知公告", edu)
    with pytest.raises(ValidationError) as excinfo:
        services.clean_channels([{"kind": "site", "site_id": org["other"].pk, "column": "通知公告"}], edu)
    assert f"网站编号 {org['other'].pk} 不是本单位或上级单位登记的网站" in _messages(excinfo)
    # A department's site is not the county's to name.
    with pytest.raises(ValidationError, match="麒麟区教育体育局网站"):
        services.clean_channels("麒麟区教育体育局网站/通知公告", qilin)
    # An id of a column of another site, or a name that contradicts the id.
    with pytest.raises(ValidationError, match="不是所选网站的栏目"):
        services.clean_channels(
            [{"kind": "site", "site_id": org["portal"].pk, "column_id": org["other_column"].pk}], edu
        )
    with pytest.raises(ValidationError, match="与名称“麒麟区教育体育局网站”不符"):
        services.clean_channels(
            [{"kind": "site", "site_id": org["portal"].pk, "name": "麒麟区教育体育局网站", "column": "通知公告"}], edu
        )
    # By ids alone: the names come from the registry.
    assert services.clean_channels([{"kind": "site", "column_id": org["notice"].pk}], edu) == [
        {
            "kind": "site",
            "name": "麒麟区人民政府网站",
            "column": "通知公告",
            "site_id": org["portal"].pk,
            "column_id": org["notice"].pk,
        }
    ]


def test_new_media_entries_are_untouched(org):
    cleaned = services.clean_channels("新媒体：麒麟区人民政府网站\n新媒体：曲靖发布/政务公开", org["edu"])
    assert cleaned == [
        {"kind": "newmedia", "name": "麒麟区人民政府网站", "column": ""},
        {"kind": "newmedia", "name": "曲靖发布", "column": "政务公开"},
    ]
    with pytest.raises(ValidationError, match="新媒体账号不能填写网站编号"):
        services.clean_channels([{"kind": "newmedia", "name": "曲靖发布", "site_id": org["portal"].pk}], org["edu"])


def test_an_old_items_channels_keep_working(org):
    from sanshen.review.models import Status

    # Saved as free text before its sites were registered (stored as an old item would be).
    item = _item(org["editor"], org["edu"], "新媒体：麒麟教育")
    old = [
        {"kind": "site", "name": "旧门户网站", "column": "通知公告"},
        {"kind": "newmedia", "name": "麒麟教育", "column": ""},
    ]
    type(item).objects.filter(pk=item.pk).update(channels=old, status=Status.IN_REVIEW)
    item.refresh_from_db()
    # The drafter revises in review: the same channels text is no change and no error.
    services.add_revision(item, org["editor"], title="学生资助通知", body=CLEAN, channels=services.channels_text(old))
    item.refresh_from_db()
    assert item.channels == old
    # Changing them (in draft) keeps the old entry as stored and resolves the new one.
    type(item).objects.filter(pk=item.pk).update(status=Status.DRAFT)
    item.refresh_from_db()
    services.set_channels(item, org["editor"], services.channels_text(old) + "\n麒麟区人民政府网站/通知公告")
    item.refresh_from_db()
    assert item.channels[:2] == old and item.channels[2]["column_id"] == org["notice"].pk


# The form -----------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_form_offers_the_registered_sites_and_columns(org):
    client = _client(org["editor"])
    html = client.get(reverse("review:new")).content.decode()
    assert '<datalist id="channel-options">' in html and 'list="channel-options"' in html
    for line in ("麒麟区人民政府网站/通知公告", "麒麟区人民政府网站/教育信息", "麒麟区教育体育局网站/"):
        assert f'<option value="{line}">' in html
    assert "沾益区人民政府网站" not in html and "已停用网站" not in html
    assert "新媒体：账号名称" in html
    assert "review/channels.js" in html and "<script>" not in html  # no inline script (CSP)
    assert html.index('name="channels"') < html.index('name="channel_pick"') < html.index('name="body"')

    # A line picked in the datalist is added to the channels on save (without the script).
    data = {
        "unit": org["edu"].pk,
        "title": "学生资助通知",
        "body": CLEAN,
        "category": "work_news",
        "importance": "normal",
        "source": "original",
        "channels": "新媒体：麒麟教育",
        "channel_pick": "麒麟区人民政府网站/通知公告",
    }
    response = client.post(reverse("review:new"), data)
    assert response.status_code == 302, response.content.decode()
    from sanshen.review.models import Item

    item = Item.objects.get()
    assert [(c["name"], c.get("column_id")) for c in item.channels] == [
        ("麒麟教育", None),
        ("麒麟区人民政府网站", org["notice"].pk),
    ]
    # An unknown name comes back as a form error listing the registered sites.
    response = client.post(reverse("review:new"), {**data, "channels": "某某网站/通知公告", "channel_pick": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "网站“某某网站”未在网站登记中，可选：" in page and "麒麟区人民政府网站" in page

    # The item page's 修改稿件 form offers them too.
    html = client.get(reverse("review:item", args=[item.pk])).content.decode()
    assert '<option value="麒麟区人民政府网站/通知公告">' in html


def test_no_datalist_without_registered_sites(org):
    html = _client(org["zhanyi_editor"]).get(reverse("review:new")).content.decode()
    # 沾益区's portal is above 沾益区教育体育局: offered.
    assert '<option value="沾益区人民政府网站/通知公告">' in html
    from sanshen.sites.models import Site

    Site.objects.all().update(is_active=False)
    html = _client(org["zhanyi_editor"]).get(reverse("review:new")).content.decode()
    assert "channel-options" not in html and 'name="channels"' in html


# The API ------------------------------------------------------------------------------------


def _post(client, body, headers):
    return client.post(URL, data=json.dumps(body, ensure_ascii=False), content_type="application/json", **headers)


def test_api_round_trip_with_ids(client, org):
    plain = tokens.create_token(org["edu"], "门户网站 CMS", by=org["admin"])[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    body = {
        "title": "学生资助通知",
        "body": CLEAN,
        "category": "policy",
        "channels": [
            {"kind": "site", "site_id": org["portal"].pk, "column_id": org["notice"].pk},
            {"kind": "site", "name": "麒麟区教育体育局网站", "column": "工作动态"},
            {"kind": "newmedia", "name": "麒麟教育"},
        ],
    }
    response = _post(client, body, headers)
    assert response.status_code == 201, response.content.decode()
    expected = [
        {
            "kind": "site",
            "name": "麒麟区人民政府网站",
            "column": "通知公告",
            "site_id": org["portal"].pk,
            "column_id": org["notice"].pk,
        },
        {
            "kind": "site",
            "name": "麒麟区教育体育局网站",
            "column": "工作动态",
            "site_id": org["own"].pk,
            "column_id": None,
        },
        {"kind": "newmedia", "name": "麒麟教育", "column": "", "site_id": None, "column_id": None},
    ]
    assert response.json()["channels"] == expected
    got = client.get(f"{URL}/{response.json()['id']}", **headers)
    assert got.status_code == 200 and got.json()["channels"] == expected

    # Another unit's site, a column of another site, an unknown name: 400 with a Chinese detail.
    for channels, words in (
        ([{"kind": "site", "site_id": org["other"].pk, "column": "通知公告"}], "不是本单位或上级单位登记的网站"),
        (
            [{"kind": "site", "site_id": org["portal"].pk, "column_id": org["other_column"].pk}],
            "不是所选网站的栏目",
        ),
        ([{"kind": "site", "name": "沾益区人民政府网站", "column": "通知公告"}], "未在网站登记中，可选："),
        ([{"kind": "newmedia", "name": "麒麟教育", "site_id": org["portal"].pk}], "新媒体账号不能填写网站编号"),
    ):
        response = _post(client, {**body, "channels": channels}, headers)
        assert response.status_code == 400, response.content.decode()
        assert words in response.json()["detail"]
