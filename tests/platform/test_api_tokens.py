"""Token pages: created and revoked by a unit's 网站管理员 or a 监管员 above it, shown once, stored
hashed, audited, and scoped by unit (another unit's pages are 404)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from sanshen.api import tokens
from sanshen.api.models import ApiToken
from sanshen.audit.models import AuditEntry
from sanshen.units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(fresh_api):
    fresh_api.LOGIN_URL = "/accounts/login/"


@pytest.fixture
def people(tree, make_user):
    return {
        "a_admin": make_user("edu_admin", (tree["edu"], Role.SITE_ADMIN)),
        "a_editor": make_user("edu_editor", (tree["edu"], Role.EDITOR)),
        "b_admin": make_user("zhanyi_admin", (tree["zhanyi_edu"], Role.SITE_ADMIN)),
        "qilin_sup": make_user("qilin_sup", (tree["qilin"], Role.SUPERVISOR)),
    }


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def unit_url(unit) -> str:
    return reverse("api-tokens-unit", args=[unit.pk])


def create_via_page(client, unit, name="门户网站 CMS") -> tuple[str, str]:
    response = client.post(unit_url(unit), {"name": name})
    assert response.status_code == 200
    html = response.content.decode()
    plain = re.search(r'<code class="token-value" id="new-token">(ssk_[\w-]+)</code>', html).group(1)
    return plain, html


def call_api(token: str):
    return Client().post(
        "/api/v1/check", data=json.dumps({"text": "测试"}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_admin_creates_token_shown_once_and_audited(people, tree):
    client = as_user(people["a_admin"])
    plain, html = create_via_page(client, tree["edu"])
    assert "只显示这一次" in html
    row = ApiToken.objects.get()
    assert row.unit == tree["edu"] and row.created_by == people["a_admin"] and row.name == "门户网站 CMS"
    assert row.hash == tokens.hash_token(plain) and plain.startswith(row.prefix)
    # Never stored, never shown again.
    for value in ApiToken.objects.values_list("name", "prefix", "hash").get():
        assert plain not in value
    later = client.get(unit_url(tree["edu"])).content.decode()
    assert plain not in later and row.prefix in later
    entry = AuditEntry.objects.get(action="api_token_create")
    assert entry.actor_id == people["a_admin"].pk and entry.unit_id == tree["edu"].pk
    assert plain not in json.dumps(entry.after, ensure_ascii=False)
    assert call_api(plain).status_code == 200


def test_creation_page_is_not_cached(people, tree):
    response = as_user(people["a_admin"]).post(unit_url(tree["edu"]), {"name": "CMS"})
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_name_required(people, tree):
    html = as_user(people["a_admin"]).post(unit_url(tree["edu"]), {"name": "  "}).content.decode()
    assert "请填写令牌名称" in html and not ApiToken.objects.exists()


def test_revoke_via_page_audited_and_refused(people, tree):
    client = as_user(people["a_admin"])
    plain, _ = create_via_page(client, tree["edu"])
    row = ApiToken.objects.get()
    response = client.post(reverse("api-token-revoke", args=[tree["edu"].pk, row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == people["a_admin"]
    assert AuditEntry.objects.filter(action="api_token_revoke", actor=people["a_admin"]).count() == 1
    assert call_api(plain).status_code == 401
    # A second revoke changes nothing and writes no second entry.
    client.post(reverse("api-token-revoke", args=[tree["edu"].pk, row.pk]))
    assert AuditEntry.objects.filter(action="api_token_revoke").count() == 1
    assert client.get(reverse("api-token-revoke", args=[tree["edu"].pk, row.pk])).status_code == 405


def test_other_units_pages_are_404(people, tree):
    b_token, _ = tokens.create_token(tree["zhanyi_edu"], "沾益 CMS", by=people["b_admin"])
    a_client = as_user(people["a_admin"])
    assert a_client.get(unit_url(tree["zhanyi_edu"])).status_code == 404
    assert a_client.post(unit_url(tree["zhanyi_edu"]), {"name": "x"}).status_code == 404
    assert a_client.post(reverse("api-token-revoke", args=[tree["zhanyi_edu"].pk, b_token.pk])).status_code == 404
    # Unit B's token through unit A's URL: not found either.
    assert a_client.post(reverse("api-token-revoke", args=[tree["edu"].pk, b_token.pk])).status_code == 404
    b_token.refresh_from_db()
    assert b_token.revoked_at is None
    assert ApiToken.objects.filter(unit=tree["zhanyi_edu"]).count() == 1
    assert "沾益" not in a_client.get(reverse("api-tokens")).content.decode()


def test_editor_of_the_unit_is_forbidden(people, tree):
    client = as_user(people["a_editor"])
    assert client.get(unit_url(tree["edu"])).status_code == 403
    assert client.post(unit_url(tree["edu"]), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()
    assert "不能管理接口令牌" in client.get(reverse("api-tokens")).content.decode()


def test_supervisor_manages_its_subtree_only(people, tree):
    client = as_user(people["qilin_sup"])
    create_via_page(client, tree["edu"])
    assert client.get(unit_url(tree["zhanyi_edu"])).status_code == 404
    index = client.get(reverse("api-tokens")).content.decode()
    assert "麒麟区教育体育局" in index and "越州镇" in index and "沾益" not in index


def test_a_token_cannot_manage_tokens(people, tree):
    _, plain = tokens.create_token(tree["edu"], "CMS", by=people["a_admin"])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    anonymous = Client()
    for url in (reverse("api-tokens"), unit_url(tree["edu"]), unit_url(tree["zhanyi_edu"])):
        response = anonymous.get(url, **bearer)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous.post(unit_url(tree["edu"]), {"name": "x"}, **bearer).status_code == 302
    assert ApiToken.objects.count() == 1


def test_service_refuses_without_permission(people, tree):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        tokens.create_token(tree["zhanyi_edu"], "x", by=people["a_admin"])
    row, _ = tokens.create_token(tree["zhanyi_edu"], "x", by=people["b_admin"])
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(row, by=people["a_editor"])


def test_nav_item_only_for_admins(people):
    assert "接口令牌" in as_user(people["a_admin"]).get(reverse("home")).content.decode()
    assert "接口令牌" not in as_user(people["a_editor"]).get(reverse("home")).content.decode()
