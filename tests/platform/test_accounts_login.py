"""Sign-in page, sign-out, lockout after repeated failures (django-axes) and their audit entries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sanshen.audit.models import AuditEntry
from sanshen.audit.services import verify_chain
from sanshen.units.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Qj-2026-审校口令"
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (账号测试)", "REMOTE_ADDR": "10.9.8.7"}
OTHER_PC = {"HTTP_USER_AGENT": "Mozilla/5.0 (账号测试)", "REMOTE_ADDR": "10.9.8.99"}


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


@pytest.fixture
def editor(tree, make_user):
    return make_user("li_editor", (tree["edu"], Role.EDITOR), full_name="李编辑")


def post_login(client, username, password, meta=BROWSER, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra}, **meta)


def test_login_page_is_chinese_with_csrf_and_strict_csp(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "登录三审" in html and "账号" in html and "密码" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert reverse("login") == "/accounts/login/"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) and " style=" not in html


def test_login_requires_csrf_token(editor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "li_editor", "password": PASSWORD}, **BROWSER)
    assert response.status_code == 403


def test_successful_login_and_logout(client, editor):
    response = post_login(client, "li_editor", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert entries("login")[-1].actor_id == editor.pk
    assert client.get(reverse("logout")).status_code == 405  # sign-out only by POST (CSRF-protected)
    response = client.post(reverse("logout"), **BROWSER)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert entries("logout")[-1].actor_id == editor.pk
    assert client.get(reverse("home")).status_code == 302  # signed out


def test_next_parameter_is_kept_but_not_to_other_sites(client, editor):
    response = post_login(client, "li_editor", PASSWORD, next=reverse("accounts:security"))
    assert response["Location"] == reverse("accounts:security")
    client.post(reverse("logout"))
    response = post_login(client, "li_editor", PASSWORD, next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_a_chinese_error_and_is_audited_once(client, editor):
    before = len(entries("login_failed"))
    response = post_login(client, "li_editor", "wrong-password")
    assert response.status_code == 200
    assert "账号或密码不正确" in response.content.decode()
    failed = entries("login_failed")
    assert len(failed) == before + 1  # the audit app's signal, once per attempt
    assert (failed[-1].actor_username, failed[-1].ip) == ("li_editor", "10.9.8.7")


def test_lockout_after_five_failures_then_refused_even_with_the_right_password(client, editor, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(1, 5):
        response = post_login(client, "li_editor", f"wrong-{attempt}")
        assert response.status_code == 200
    assert "再失败 1 次" in response.content.decode()
    response = post_login(client, "li_editor", "wrong-5")
    assert response.status_code == 429
    html = response.content.decode()
    assert "账号已暂时锁定" in html and "30 分钟" in html and "之后再试" in html
    assert "Content-Security-Policy" in response

    # During the lockout even the right password is refused, from this machine.
    response = post_login(client, "li_editor", PASSWORD)
    assert response.status_code == 429
    assert not client.session.get("_auth_user_id")
    # Another machine is not locked out (the lock is per account and IP address).
    assert post_login(client, "li_editor", PASSWORD, meta=OTHER_PC).status_code == 302

    assert len(entries("login_failed")) == 6  # five wrong passwords + one attempt while locked
    locked = entries("account_locked")
    assert len(locked) == 1  # the lock itself, once
    assert locked[0].object_id == str(editor.pk) and locked[0].ip == "10.9.8.7"
    assert locked[0].after["失败次数"] == 5 and locked[0].after["锁定分钟"] == 30
    assert verify_chain().ok


def test_lockout_ends_after_the_cool_off(client, editor, settings):
    import datetime as dt

    from axes.models import AccessAttempt

    for attempt in range(5):
        post_login(client, "li_editor", f"wrong-{attempt}")
    assert post_login(client, "li_editor", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(minutes=31))
    assert post_login(client, "li_editor", PASSWORD).status_code == 302


def test_lockout_is_configurable(client, editor, settings):
    import datetime as dt

    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=10)
    post_login(client, "li_editor", "wrong-1")
    response = post_login(client, "li_editor", "wrong-2")
    assert response.status_code == 429 and "10 分钟" in response.content.decode()


def test_unknown_user_failures_count_too(client, db):
    for attempt in range(5):
        response = post_login(client, "nobody", f"x{attempt}")
    assert response.status_code == 429
    assert len(entries("account_locked")) == 1 and entries("account_locked")[0].object_id == ""


def test_success_resets_the_failure_count(client, editor):
    for attempt in range(4):
        post_login(client, "li_editor", f"wrong-{attempt}")
    assert post_login(client, "li_editor", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for attempt in range(4):
        assert post_login(client, "li_editor", f"again-{attempt}").status_code == 200


def test_disabled_dormant_account_gets_a_clear_message_only_with_the_right_password(client, editor):
    from django.utils import timezone

    from sanshen.accounts.models import AccountState

    editor.is_active = False
    editor.save()
    AccountState.objects.update_or_create(user_id=editor.pk, defaults={"dormant_disabled_at": timezone.now()})
    html = post_login(client, "li_editor", PASSWORD).content.decode()
    assert "长期未登录已被停用" in html
    html = post_login(client, "li_editor", "wrong").content.decode()
    assert "停用" not in html and "账号或密码不正确" in html


def test_authenticate_without_request_still_works(editor):
    from django.contrib.auth import authenticate

    assert authenticate(username="li_editor", password=PASSWORD) == editor
    assert authenticate(username="li_editor", password="nope") is None
