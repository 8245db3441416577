"""Session timeouts, cookie flags and the Content-Security-Policy header on pages."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from sanshen.accounts.signals import AUTH_AT, SEEN_AT
from sanshen.accounts.testing import login
from sanshen.audit.models import AuditEntry
from sanshen.units.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Qj-2026-审校口令"


@pytest.fixture
def editor(tree, make_user):
    return make_user("edu_editor", (tree["edu"], Role.EDITOR))


def shift(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"auth": AUTH_AT, "seen": SEEN_AT}[key]] = now - ago
    session.save()


def test_idle_session_is_signed_out(client, editor, settings):
    assert settings.SANSHEN_SESSION_IDLE_MINUTES == 30
    client.post(reverse("login"), {"username": "edu_editor", "password": PASSWORD})
    shift(client, seen=29 * 60)
    assert client.get(reverse("home")).status_code == 200  # activity renews the idle clock
    shift(client, seen=31 * 60)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next=%2F"
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="logout", actor_id=editor.pk).exists()
    html = client.get(response["Location"]).content.decode()
    assert "超过 30 分钟没有操作" in html


def test_absolute_timeout_even_when_active(client, editor):
    client.post(reverse("login"), {"username": "edu_editor", "password": PASSWORD})
    shift(client, auth=8 * 3600 + 5, seen=10)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "登录已满 8 小时" in client.get(response["Location"]).content.decode()


def test_timeouts_are_configurable_and_htmx_gets_a_full_page_redirect(client, editor, settings):
    settings.SANSHEN_SESSION_IDLE_MINUTES = 5
    client.post(reverse("login"), {"username": "edu_editor", "password": PASSWORD})
    shift(client, seen=6 * 60)
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("login"))


def test_last_seen_is_written_at_most_once_a_minute(client, editor):
    client.post(reverse("login"), {"username": "edu_editor", "password": PASSWORD})
    seen = client.session[SEEN_AT]
    client.get(reverse("home"))
    assert client.session[SEEN_AT] == seen


def test_session_cookie_flags(client, editor, settings):
    response = client.post(reverse("login"), {"username": "edu_editor", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["max-age"]  # ends with the browser; the server still ends it after 8 hours
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.CSRF_COOKIE_HTTPONLY


def test_https_deployments_get_secure_host_only_cookies(tmp_path, monkeypatch):
    import runpy

    from .test_settings import SETTINGS_FILE

    monkeypatch.delenv("SANSHEN_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SANSHEN_HTTPS", "1")
    cfg = runpy.run_path(SETTINGS_FILE, run_name="probe")
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["CSRF_COOKIE_SECURE"]
    assert cfg["SESSION_COOKIE_NAME"].startswith("__Host-") and cfg["CSRF_COOKIE_NAME"].startswith("__Host-")


@pytest.mark.parametrize(
    "url_name", ["login", "home", "accounts:security", "accounts:password_change", "accounts:two_factor_setup"]
)
def test_strict_csp_on_pages(client, editor, url_name):
    if url_name != "login":
        login(client, editor)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    policy = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    assert " style=" not in html and "<style" not in html


def test_csp_on_the_ledger_and_the_lockout_page(client, tree, make_user):
    admin = make_user("edu_admin", (tree["edu"], Role.SITE_ADMIN))
    login(client, admin)
    response = client.get(reverse("accounts:ledger"))
    assert response.status_code == 200 and "frame-ancestors 'none'" in response["Content-Security-Policy"]
    client.post(reverse("logout"))
    for i in range(5):
        response = client.post(reverse("login"), {"username": "edu_admin", "password": f"bad-{i}"})
    assert response.status_code == 429 and "default-src 'self'" in response["Content-Security-Policy"]
