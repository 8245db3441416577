"""Dormant accounts: flagged after N days without sign-in, disabled M days later, audited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from sanshen.accounts import dormant
from sanshen.accounts.models import AccountState
from sanshen.audit.models import AuditEntry
from sanshen.audit.services import verify_chain
from sanshen.units.models import Role, User

pytestmark = pytest.mark.django_db

PASSWORD = "Qj-2026-审校口令"


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


def run(*args):
    out = io.StringIO()
    call_command("accounts_dormant", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def accounts(tree, make_user):
    users = {
        "active": make_user("active", (tree["edu"], Role.EDITOR)),
        "idle": make_user("idle", (tree["edu"], Role.EDITOR)),
        "never": make_user("never", (tree["town"], Role.EDITOR)),
        "soon": make_user("soon", (tree["town"], Role.EDITOR)),
    }
    User.objects.filter(pk=users["active"].pk).update(last_login=days_ago(3), date_joined=days_ago(400))
    User.objects.filter(pk=users["idle"].pk).update(last_login=days_ago(95), date_joined=days_ago(400))
    User.objects.filter(pk=users["never"].pk).update(last_login=None, date_joined=days_ago(120))
    User.objects.filter(pk=users["soon"].pk).update(last_login=days_ago(80), date_joined=days_ago(400))
    return users


def test_dry_run_reports_and_changes_nothing(accounts):
    count = AuditEntry.objects.count()
    out = run()
    assert "标记休眠\tidle" in out and "标记休眠\tnever" in out
    assert "active" not in out and "soon" not in out
    assert "演练" in out and "--apply" in out
    assert not AccountState.objects.filter(dormant_flagged_at__isnull=False).exists()
    assert AuditEntry.objects.count() == count


def test_flag_then_disable_after_the_grace_period(accounts, settings):
    assert (settings.SANSHEN_DORMANT_DAYS, settings.SANSHEN_DORMANT_DISABLE_AFTER_DAYS) == (90, 30)
    out = run("--apply")
    assert "已标记休眠 2 个，停用 0 个" in out
    flagged = AuditEntry.objects.filter(action="dormant_flag").order_by("seq")
    assert [e.object_repr for e in flagged] == ["idle", "never"]
    assert flagged[0].actor_username.startswith("命令行:") and flagged[0].after["未登录天数"] == 95
    # Running again the same day changes nothing.
    assert "没有需要处理" in run("--apply")
    assert AuditEntry.objects.filter(action="dormant_flag").count() == 2

    later = (timezone.now() + dt.timedelta(days=31)).isoformat()
    out = run("--apply", "--now", later)
    assert "停用 2 个" in out
    for name in ("idle", "never"):
        user = User.objects.get(username=name)
        assert not user.is_active
        assert AccountState.objects.get(user=user).dormant_disabled_at is not None
    disabled = AuditEntry.objects.filter(action="dormant_disable")
    assert disabled.count() == 2
    assert disabled.first().before == {"is_active": True} and disabled.first().after["is_active"] is False
    # One entry per disabled account, not a second bare permission change.
    assert not AuditEntry.objects.filter(action="permission_change", object_type="units.user").exists()
    assert User.objects.get(username="active").is_active
    assert verify_chain().ok


def test_signing_in_clears_the_flag(client, accounts):
    run("--apply")
    assert AccountState.objects.get(user=accounts["idle"]).dormant_flagged_at is not None
    client.post(reverse("login"), {"username": "idle", "password": PASSWORD})
    assert AccountState.objects.get(user=accounts["idle"]).dormant_flagged_at is None
    later = (timezone.now() + dt.timedelta(days=31)).isoformat()
    run("--apply", "--now", later)
    assert User.objects.get(username="idle").is_active


def test_thresholds_are_settings(accounts, settings):
    settings.SANSHEN_DORMANT_DAYS = 60
    out = run()
    assert "soon" in out and "active" not in out


def test_ledger_shows_dormancy_and_the_disable_date(client, accounts, tree, make_user):
    from sanshen.accounts.testing import login

    run("--apply")
    admin = make_user("town_admin", (tree["town"], Role.SITE_ADMIN))
    login(client, admin)
    html = client.get(reverse("accounts:ledger"), {"unit": tree["town"].pk}).content.decode()
    disable_on = timezone.localdate(timezone.now() + dt.timedelta(days=30)).isoformat()
    assert f"休眠，{disable_on} 起停用" in html  # never signed in, flagged
    assert "即将休眠（80 天未登录）" in html  # soon


def test_the_last_superuser_is_never_disabled(make_user):
    root = make_user("root", is_superuser=True)
    User.objects.filter(pk=root.pk).update(last_login=days_ago(200), date_joined=days_ago(400))
    run("--apply")
    later = (timezone.now() + dt.timedelta(days=31)).isoformat()
    out = run("--apply", "--now", later)
    assert "唯一可用的超级管理员" in out
    assert User.objects.get(pk=root.pk).is_active


def test_reactivate_from_the_command_line(accounts):
    run("--apply")
    run("--apply", "--now", (timezone.now() + dt.timedelta(days=31)).isoformat())
    out = run("--reactivate", "idle")
    assert "已重新启用 idle" in out
    user = User.objects.get(username="idle")
    assert user.is_active
    state = AccountState.objects.get(user=user)
    assert state.dormant_flagged_at is None and state.dormant_disabled_at is None
    # The idle clock restarts at reactivation.
    assert all(d.user.pk != user.pk for d in dormant.plan())
    entry = AuditEntry.objects.filter(action="account_reactivate").latest("seq")
    assert entry.actor_username.startswith("命令行:")
