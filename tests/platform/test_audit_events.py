"""What gets written to the audit log: sign-ins, tracked model changes, permission changes."""

import pytest
from django.contrib.auth import authenticate

from sanshen.audit.context import audit_context
from sanshen.audit.models import AuditEntry
from sanshen.audit.services import client_ip, record, verify_chain
from sanshen.units import services
from sanshen.units.models import Membership, Role, Unit, User

pytestmark = pytest.mark.django_db

PASSWORD = "Qj-2026-审校口令"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (审校测试)", "REMOTE_ADDR": "10.1.2.3"}


def last(action=None):
    qs = AuditEntry.objects.order_by("-seq")
    return (qs.filter(action=action) if action else qs).first()


@pytest.fixture
def staff(make_user):
    return make_user("wang", is_staff=True, full_name="王编辑")


# Sign-in events -----------------------------------------------------------------------------


def test_login_logout_and_failed_login_through_the_site(client, staff):
    response = client.post("/admin/login/", {"username": "wang", "password": "wrong"}, **BROWSER)
    assert response.status_code == 200  # form shown again
    failed = last("login_failed")
    assert failed.actor_id is None
    assert failed.actor_username == "wang"
    assert failed.ip == "10.1.2.3"
    assert failed.user_agent == "Mozilla/5.0 (审校测试)"
    assert PASSWORD not in repr(failed.before) + repr(failed.after)

    response = client.post("/admin/login/?next=/admin/", {"username": "wang", "password": PASSWORD}, **BROWSER)
    assert response.status_code == 302
    login = last("login")
    assert (login.actor_id, login.actor_username, login.ip) == (staff.pk, "wang", "10.1.2.3")

    client.post("/admin/logout/", **BROWSER)
    logout = last("logout")
    assert (logout.actor_id, logout.actor_username) == (staff.pk, "wang")
    assert verify_chain().ok


def test_failed_login_of_unknown_user_is_recorded():
    assert authenticate(username="no-such-user", password="x") is None
    entry = last("login_failed")
    assert entry.actor_username == "no-such-user" and entry.ip is None


def test_last_login_update_is_not_a_user_change(client, staff):
    client.force_login(staff)
    client.login(username="wang", password=PASSWORD)
    assert not AuditEntry.objects.filter(object_type="units.user", action="update").exists()


# Tracked models -----------------------------------------------------------------------------


def test_unit_create_update_delete_with_before_and_after(tree):
    city = tree["city"]
    unit = Unit.objects.create(name="市大数据局", kind=Unit.Kind.DEPARTMENT, parent=city)
    created = last("create")
    assert created.object_type == "units.unit" and created.object_id == str(unit.pk)
    assert created.object_repr == "市大数据局" and created.unit_id == unit.pk
    assert created.before is None
    assert created.after["name"] == "市大数据局" and created.after["parent"] == city.pk
    assert "path" not in created.after and "depth" not in created.after

    unit.name = "市政务服务数据管理局"
    unit.save()
    updated = last("update")
    assert updated.before == {"name": "市大数据局"}
    assert updated.after == {"name": "市政务服务数据管理局"}

    count = AuditEntry.objects.count()
    unit.save()  # nothing changed, nothing written
    assert AuditEntry.objects.count() == count

    unit.parent = tree["qilin"]
    unit.save()
    moved = last("update")
    assert moved.before == {"parent": city.pk} and moved.after == {"parent": tree["qilin"].pk}

    unit_id = unit.pk
    unit.delete()
    deleted = last("delete")
    assert deleted.object_id == str(unit_id) and deleted.after is None
    assert deleted.before["name"] == "市政务服务数据管理局"
    assert verify_chain().ok


def test_update_fields_limits_what_is_compared(tree):
    town = tree["town"]
    town.name = "改名但不保存"
    town.is_active = False
    town.save(update_fields=["is_active"])
    entry = last("update")
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}


def test_role_grant_and_revoke_are_permission_changes(tree, make_user):
    boss = make_user("sup", (tree["city"], Role.SUPERVISOR))
    editor = make_user("li")
    services.grant_role(editor, tree["edu"], Role.EDITOR, by=boss)
    grant = last()
    assert grant.action == "permission_change"
    assert (grant.actor_id, grant.actor_username) == (boss.pk, "sup")
    assert grant.unit_id == tree["edu"].pk
    assert grant.before is None
    assert grant.after["role"] == "editor" and grant.after["user"] == editor.pk
    assert "信息员" in grant.object_repr

    services.revoke_role(editor, tree["edu"], Role.EDITOR, by=boss)
    revoke = last()
    assert revoke.action == "permission_change" and revoke.after is None
    assert revoke.before["role"] == "editor"


def test_direct_membership_changes_are_permission_changes(tree, make_user):
    user = make_user("zhao")
    m = Membership.objects.create(user=user, unit=tree["town"], role=Role.EDITOR)
    m.role = Role.SITE_ADMIN
    m.save()
    entry = last()
    assert entry.action == "permission_change"
    assert entry.before == {"role": "editor"} and entry.after == {"role": "site_admin"}


def test_user_flags_are_permission_changes_and_passwords_are_hidden(make_user):
    user = make_user("chen")
    created = last()
    assert created.action == "create" and created.after["password"] == "（已设置）"
    assert "md5$" not in repr(created.after) and "argon2" not in repr(created.after)

    user.is_staff = True
    user.save()
    assert last().action == "permission_change"
    assert last().after == {"is_staff": True}

    user.set_password("另一个口令-2026")
    user.save()
    entry = last()
    assert entry.action == "update"
    assert entry.before == {"password": "（已隐藏）"} and entry.after == {"password": "（已修改）"}

    user.full_name = "陈科长"
    user.save()
    assert last().after == {"full_name": "陈科长"}


def test_changes_through_admin_pages_name_the_actor(client, make_user, tree):
    root = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        "/admin/units/unit/add/",
        {"name": "市档案馆", "kind": "department", "parent": tree["city"].pk, "is_active": "on"},
        **BROWSER,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = last("create")
    assert entry.object_repr == "市档案馆"
    assert (entry.actor_id, entry.actor_username, entry.ip) == (root.pk, "root", "10.1.2.3")


def test_audit_context_names_the_actor_outside_requests(tree, make_user):
    operator = make_user("operator")
    with audit_context(actor=operator):
        Unit.objects.create(name="临时单位", kind=Unit.Kind.OTHER)
    assert last().actor_username == "operator"
    with audit_context(username="命令行:root"):
        Unit.objects.create(name="命令行单位", kind=Unit.Kind.OTHER)
    entry = last()
    assert entry.actor_id is None and entry.actor_username == "命令行:root"


def test_rolled_back_change_leaves_no_entry(tree):
    from django.db import transaction

    count = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        Unit.objects.create(name="回滚单位", kind=Unit.Kind.OTHER)
        raise RuntimeError
    assert AuditEntry.objects.count() == count
    record("update")
    assert verify_chain().ok


def test_deleting_a_user_keeps_its_history(make_user):
    user = make_user("leaver")
    with audit_context(actor=user):
        record("update", object_repr="某条目")
    entry = last("update")
    User.objects.filter(pk=user.pk).delete()
    entry.refresh_from_db()
    assert entry.actor_id == user.pk and entry.actor_username == "leaver"
    assert verify_chain().ok


# Client address -----------------------------------------------------------------------------


class _Request:
    def __init__(self, **meta):
        self.META = meta


def test_client_ip_ignores_forwarded_for_unless_proxies_are_configured(settings):
    request = _Request(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.9")
    assert client_ip(request) == "127.0.0.1"
    settings.SANSHEN_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.9"
    settings.SANSHEN_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.SANSHEN_PROXY_COUNT = 3
    assert client_ip(request) == "127.0.0.1"
    assert client_ip(_Request(REMOTE_ADDR="not an ip")) is None
    assert client_ip(_Request(REMOTE_ADDR="2001:DB8:0:0::1")) == "2001:db8::1"
