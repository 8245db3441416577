"""Two-factor sign-in (django-otp TOTP + recovery codes): enrolment, verification, policy."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanshen.accounts.testing import login, totp_token
from sanshen.audit.models import AuditEntry
from sanshen.units.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Qj-2026-审校口令"


def last(action):
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()


@pytest.fixture
def people(tree, make_user):
    return {
        "sup": make_user("qilin_sup", (tree["qilin"], Role.SUPERVISOR)),
        "admin": make_user("edu_admin", (tree["edu"], Role.SITE_ADMIN)),
        "editor": make_user("edu_editor", (tree["edu"], Role.EDITOR)),
    }


def sign_in(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def enrol(client, user):
    """Go through the enrolment page as the user would; returns (device, recovery codes)."""
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:two_factor_setup"), {"token": totp_token(device)})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:recovery_codes"))
    html = client.get(response["Location"]).content.decode()
    codes = [c.replace(" ", "") for c in re.findall(r"<li><code>([a-z2-7 ]+)</code></li>", html)]
    device.refresh_from_db()
    return device, codes


@pytest.mark.parametrize("who", ["sup", "admin"])
def test_supervisor_and_site_admin_are_sent_to_enrolment_until_done(client, people, who):
    user = people[who]
    response = sign_in(client, user.username)
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_setup"))
    # Every other page too, while the sign-out stays reachable.
    assert client.get(reverse("accounts:ledger"))["Location"].startswith(reverse("accounts:two_factor_setup"))
    device, codes = enrol(client, user)
    assert device.confirmed and len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("home")).status_code == 200
    entry = last("two_factor_enable")
    assert entry.actor_id == user.pk and entry.after == {"更换设备": False}


def test_editor_may_use_the_platform_without_a_second_factor(client, people):
    sign_in(client, "edu_editor")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("accounts:security")).status_code == 200


def test_enrolment_page_shows_inline_svg_qr_and_secret_within_the_csp(client, people):
    sign_in(client, "qilin_sup")
    response = client.get(reverse("accounts:two_factor_setup"))
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=people["sup"], confirmed=False)
    assert '<svg class="qr-code"' in html and "<path" in html
    assert "data:" not in html and " style=" not in html and "<style" not in html
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    # The QR code stays the same on reload (one pending device).
    client.get(reverse("accounts:two_factor_setup"))
    assert TOTPDevice.objects.filter(user=people["sup"]).count() == 1
    assert "otpauth://totp/" in device.config_url and "issuer=%E4%B8%89%E5%AE%A1" in device.config_url


def test_wrong_enrolment_code_is_refused(client, people):
    sign_in(client, "qilin_sup")
    client.get(reverse("accounts:two_factor_setup"))
    response = client.post(reverse("accounts:two_factor_setup"), {"token": "000000"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_next_sign_in_asks_for_the_code_and_audits_failures(client, people):
    user = people["sup"]
    sign_in(client, "qilin_sup")
    device, _ = enrol(client, user)
    client.post(reverse("logout"))

    response = sign_in(client, "qilin_sup")
    response = client.get(reverse("home"))
    verify = reverse("accounts:otp_verify")
    assert response["Location"].startswith(verify)
    html = client.get(response["Location"]).content.decode()
    assert "双因素验证" in html
    response = client.post(verify + "?next=/", {"token": "123456"})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    failed = last("login_failed")
    assert failed.actor_id == user.pk and failed.after == {"环节": "双因素验证"}
    # Throttled by django-otp: even the right code waits after a failure.
    response = client.post(verify, {"token": totp_token(device, 1)})
    assert "尝试过于频繁" in response.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(verify + "?next=/accounts/security/", {"token": totp_token(device, 1)})
    assert response.status_code == 302 and response["Location"] == "/accounts/security/"
    assert client.get(reverse("home")).status_code == 200


def test_recovery_code_signs_in_once(client, people):
    user = people["admin"]
    sign_in(client, "edu_admin")
    _, codes = enrol(client, user)
    client.post(reverse("logout"))
    sign_in(client, "edu_admin")
    verify = reverse("accounts:otp_verify")
    code = codes[0]
    response = client.post(verify, {"token": f"{code[:4]} {code[4:].upper()}"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert last("recovery_code_used").after == {"剩余": 9}
    client.post(reverse("logout"))
    sign_in(client, "edu_admin")
    TOTPDevice.objects.update(throttling_failure_count=0)
    assert client.post(verify, {"token": code}).status_code == 200  # used up
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_new_recovery_codes_replace_the_old_ones(client, people):
    user = people["editor"]
    sign_in(client, "edu_editor")
    _, codes = enrol(client, user)
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 302
    html = client.get(reverse("accounts:recovery_codes")).content.decode()
    fresh = [c.replace(" ", "") for c in re.findall(r"<li><code>([a-z2-7 ]+)</code></li>", html)]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    # Shown once only.
    assert "<li><code>" not in client.get(reverse("accounts:recovery_codes")).content.decode()
    assert last("recovery_codes_new").actor_id == user.pk


def test_optional_user_may_disable_with_password_required_user_may_not(client, people):
    editor = people["editor"]
    sign_in(client, "edu_editor")
    enrol(client, editor)
    response = client.post(reverse("accounts:two_factor_disable"), {"password": "wrong"})
    assert TOTPDevice.objects.filter(user=editor).exists()
    response = client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD})
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=editor).exists()
    assert last("two_factor_disable").after == {"原因": "本人停用"}

    client.post(reverse("logout"))
    login(client, people["sup"])
    client.post(reverse("accounts:two_factor_disable"), {"password": PASSWORD})
    assert TOTPDevice.objects.filter(user=people["sup"], confirmed=True).exists()


def test_replacing_the_authenticator_needs_a_verified_session_and_removes_the_old_one(client, people):
    user = people["sup"]
    sign_in(client, "qilin_sup")
    old, _ = enrol(client, user)
    response = client.get(reverse("accounts:two_factor_setup"))
    assert "更换身份验证器" in response.content.decode()
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(reverse("accounts:two_factor_setup"), {"token": totp_token(new)})
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]
    assert last("two_factor_enable").after == {"更换设备": True}
    assert old.pk != new.pk


def test_required_roles_are_configurable(client, people, settings):
    settings.SANSHEN_2FA_REQUIRED_ROLES = ()
    sign_in(client, "qilin_sup")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    settings.SANSHEN_2FA_REQUIRED_ROLES = ("editor",)
    sign_in(client, "edu_editor")
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_superusers_when_configured(client, make_user, settings):
    make_user("root", is_superuser=True, is_staff=True)
    sign_in(client, "root")
    assert client.get(reverse("home")).status_code == 200
    settings.SANSHEN_2FA_REQUIRED_ROLES = ("supervisor", "site_admin", "superuser")
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_admin_site_is_behind_the_second_factor_too(client, people):
    sign_in(client, "qilin_sup")
    enrol(client, people["sup"])
    client.post(reverse("logout"))
    people["sup"].is_staff = True
    people["sup"].save()
    client.post("/admin/login/", {"username": "qilin_sup", "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_verify"))
