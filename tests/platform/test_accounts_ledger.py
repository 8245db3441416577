"""The account ledger (账号台账): who may see which unit's ledger, its columns, CSV, actions."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanshen.accounts.models import AccountState
from sanshen.accounts.testing import login, verified_device
from sanshen.audit.models import AuditEntry
from sanshen.units.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree, make_user):
    p = {
        "city_sup": make_user("city_sup", (tree["city"], Role.SUPERVISOR), full_name="市监管"),
        "qilin_sup": make_user("qilin_sup", (tree["qilin"], Role.SUPERVISOR)),
        "edu_admin": make_user("edu_admin", (tree["edu"], Role.SITE_ADMIN), full_name="教育网管"),
        "edu_editor": make_user("edu_editor", (tree["edu"], Role.EDITOR), full_name="=HYPERLINK(1)"),
        "zhanyi_admin": make_user("zhanyi_admin", (tree["zhanyi_edu"], Role.SITE_ADMIN)),
        "zhanyi_editor": make_user("zhanyi_editor", (tree["zhanyi_edu"], Role.EDITOR)),
        "root": make_user("root", is_superuser=True, is_staff=True),
    }
    return p


def ledger(client, unit=None, **params):
    query = {"unit": unit.pk} if unit is not None else {}
    return client.get(reverse("accounts:ledger"), {**query, **params})


def test_site_admin_sees_own_unit_ledger_with_all_columns(client, people, tree):
    verified_device(people["qilin_sup"])  # 2FA on
    AccountState.objects.update_or_create(
        user_id=people["edu_editor"].pk, defaults={"password_changed_at": timezone.now() - dt.timedelta(days=100)}
    )
    User.objects.filter(pk=people["edu_editor"].pk).update(last_login=timezone.now() - dt.timedelta(days=3))
    login(client, people["edu_admin"])
    response = ledger(client)  # defaults to the admin's unit
    assert response.status_code == 200
    html = response.content.decode()
    assert "账号台账" in html and "麒麟区教育体育局" in html
    assert "edu_admin" in html and "edu_editor" in html and "zhanyi_editor" not in html
    assert "信息员" in html and "网站管理员" in html
    assert "100 天" in html and "已过期" in html  # password age under dengbao
    assert "已启用" in html  # the admin's own (test) authenticator
    assert "正常" in html


def test_user_of_unit_a_cannot_see_unit_b_ledger(client, people, tree):
    login(client, people["edu_admin"])
    assert ledger(client, tree["zhanyi_edu"]).status_code == 404
    assert ledger(client, tree["zhanyi_edu"], format="csv").status_code == 404
    assert ledger(client, tree["qilin"]).status_code == 404  # the parent unit is not its own
    client.post(reverse("logout"))
    login(client, people["zhanyi_admin"])
    assert ledger(client, tree["edu"]).status_code == 404
    assert ledger(client, unit=None, sub="1").content.decode().count("edu_editor") == 0


def test_editor_gets_403_even_for_own_unit(client, people, tree):
    login(client, people["edu_editor"])
    assert ledger(client, tree["edu"]).status_code == 403
    assert ledger(client).status_code == 403
    assert client.get(reverse("accounts:ledger"), {"unit": "abc"}).status_code == 404


def test_supervisor_sees_units_below_and_can_include_them(client, people, tree):
    login(client, people["qilin_sup"])
    assert ledger(client, tree["edu"]).status_code == 200
    assert ledger(client, tree["zhanyi_edu"]).status_code == 404  # another district
    html = ledger(client, tree["qilin"], sub="1").content.decode()
    assert "edu_editor" in html and "qilin_sup" in html and "zhanyi_editor" not in html
    html = ledger(client, tree["qilin"]).content.decode()
    assert "edu_editor" not in html  # only the unit itself without sub=1
    client.post(reverse("logout"))
    login(client, people["city_sup"])
    html = ledger(client, tree["city"], sub="1").content.decode()
    assert "edu_editor" in html and "zhanyi_editor" in html


def test_superuser_sees_every_ledger(client, people, tree):
    login(client, people["root"])
    assert ledger(client, tree["other_city"]).status_code == 200
    assert ledger(client, tree["zhanyi_edu"]).status_code == 200


def test_csv_export_is_audited_and_safe_for_spreadsheets(client, people, tree):
    login(client, people["edu_admin"])
    response = ledger(client, tree["edu"], format="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:4] == ["账号", "姓名", "单位与角色", "状态"]
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"edu_admin", "edu_editor"}
    assert by_name["edu_editor"][1] == "'=HYPERLINK(1)"  # not a formula
    assert by_name["edu_editor"][2] == "麒麟区教育体育局：信息员"
    assert by_name["edu_admin"][6] == "已启用"
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.actor_id == people["edu_admin"].pk and entry.unit_id == tree["edu"].pk
    assert entry.after["行数"] == 2


def test_two_factor_state_in_the_ledger(client, people, tree):
    login(client, people["city_sup"])
    rows = list(csv.reader(io.StringIO(ledger(client, tree["edu"], format="csv").content.decode()[1:])))
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["edu_admin"][6] == "未启用（必须启用）"
    assert by_name["edu_editor"][6] == "未启用"


def test_site_admin_resets_an_editor_s_second_factor_and_unlocks(client, people, tree):
    editor = people["edu_editor"]
    verified_device(editor)
    for i in range(5):
        client.post(reverse("login"), {"username": "edu_editor", "password": f"bad-{i}"})
    login(client, people["edu_admin"])
    html = ledger(client, tree["edu"]).content.decode()
    assert "锁定至" in html and "解除锁定" in html and "重置双因素" in html
    url = reverse("accounts:ledger_action", args=[editor.pk])
    response = client.post(url, {"unit": tree["edu"].pk, "action": "unlock"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="account_unlock", object_id=str(editor.pk)).exists()
    client.post(url, {"unit": tree["edu"].pk, "action": "reset_2fa"})
    assert not TOTPDevice.objects.filter(user=editor).exists()
    entry = AuditEntry.objects.filter(action="two_factor_disable").latest("seq")
    assert entry.actor_id == people["edu_admin"].pk and entry.after == {"原因": "管理员重置"}
    assert entry.unit_id == tree["edu"].pk
    client.post(reverse("logout"))
    assert client.post(reverse("login"), {"username": "edu_editor", "password": "Qj-2026-审校口令"}).status_code == 302


def test_ledger_actions_respect_rank_and_units(client, people, tree, make_user):
    verified_device(people["qilin_sup"])
    both = make_user("edu_sup", (tree["edu"], Role.SUPERVISOR))
    verified_device(both)
    login(client, people["edu_admin"])
    edu = tree["edu"].pk
    # Not on a supervisor, not on a user of another unit, not on oneself.
    for target in (both, people["zhanyi_editor"], people["edu_admin"], people["root"]):
        response = client.post(
            reverse("accounts:ledger_action", args=[target.pk]), {"unit": edu, "action": "reset_2fa"}
        )
        assert response.status_code == 403, target
    assert TOTPDevice.objects.filter(user=both).exists()
    # Through another unit's id: not found.
    url = reverse("accounts:ledger_action", args=[people["zhanyi_editor"].pk])
    assert client.post(url, {"unit": tree["zhanyi_edu"].pk, "action": "reactivate"}).status_code == 404
    # An editor cannot act at all.
    client.post(reverse("logout"))
    login(client, people["edu_editor"])
    url = reverse("accounts:ledger_action", args=[people["edu_admin"].pk])
    assert client.post(url, {"unit": edu, "action": "unlock"}).status_code == 403
    # The district supervisor may act on the unit's supervisor below it.
    client.post(reverse("logout"))
    login(client, people["qilin_sup"])
    url = reverse("accounts:ledger_action", args=[both.pk])
    assert client.post(url, {"unit": edu, "action": "reset_2fa"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=both).exists()


def test_reactivating_a_disabled_account(client, people, tree):
    editor = people["edu_editor"]
    User.objects.filter(pk=editor.pk).update(is_active=False)
    login(client, people["edu_admin"])
    html = ledger(client, tree["edu"]).content.decode()
    assert "已停用" in html and "重新启用" in html
    client.post(reverse("accounts:ledger_action", args=[editor.pk]), {"unit": tree["edu"].pk, "action": "reactivate"})
    editor.refresh_from_db()
    assert editor.is_active
    assert AccountState.objects.get(user_id=editor.pk).reactivated_at is not None
    entry = AuditEntry.objects.filter(action="account_reactivate").latest("seq")
    assert entry.before == {"is_active": False} and entry.after == {"is_active": True}


def test_nav_shows_the_ledger_to_admins_only(client, people):
    login(client, people["edu_admin"])
    assert reverse("accounts:ledger") in client.get(reverse("home")).content.decode()
    client.post(reverse("logout"))
    login(client, people["edu_editor"])
    html = client.get(reverse("home")).content.decode()
    assert reverse("accounts:ledger") not in html and reverse("accounts:security") in html
