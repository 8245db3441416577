"""Password policy profiles (dengbao / asvs), history, rotation, forced change, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from sanshen.accounts.models import AccountState, PasswordHistory
from sanshen.accounts.profiles import password_profile
from sanshen.audit.models import AuditEntry
from sanshen.units.models import Role, User

from .conftest import PRODUCTION_HASHERS

pytestmark = pytest.mark.django_db

PASSWORD = "Qj-2026-审校口令"


def profile(name):
    settings = password_profile(name)
    return override_settings(SANSHEN_PASSWORD_PROFILE=name, **settings)


def codes(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.fixture
def zhang(make_user, tree):
    return make_user("zhangwei", (tree["edu"], Role.EDITOR), full_name="张伟")


# dengbao ------------------------------------------------------------------------------------


def test_dengbao_length_and_three_of_four_classes(zhang):
    with profile("dengbao"):
        assert "password_too_short" in codes("Ab1!xyz", zhang)
        assert "password_too_simple" in codes("abcdefgh12", zhang)  # two classes
        assert codes("Qingjing-2026", zhang) == set()  # upper, lower, digit, symbol
        assert codes("qingjing-2026", zhang) == set()  # lower, digit, symbol
        assert codes("审校工作2026qj", zhang) == set()  # Chinese counts as "other"
        assert "password_too_long" in codes("Aa1-" * 40, zhang)


def test_dengbao_not_like_the_account_or_the_name(zhang):
    with profile("dengbao"):
        assert "password_contains_username" in codes("Zhangwei#2026", zhang)
        assert "password_contains_username" in codes("Xy-iewgnahz-7", zhang)  # reversed
        assert "password_contains_name" in codes("张伟-Office-2026", zhang)
        other = User(username="lms", full_name="李明山")
        assert "password_contains_name" in codes("Q7-limingshan!", other)  # the name in pinyin
        assert "password_too_similar" in codes("zhangwei1", zhang)  # Django's similarity check


def test_common_and_decorated_common_passwords_are_refused_in_both_profiles(zhang):
    for name in ("dengbao", "asvs"):
        with profile(name):
            for weak in ("Admin@123", "P@ssw0rd2024!", "Zwgk@2026", "woaini1314", "1qaz2wsx3edc", "Sanshen2026!!"):
                assert "password_breached" in codes(weak, zhang) or "password_too_common" in codes(weak, zhang), weak
            assert "password_too_common" in codes("qwertyuiop123", zhang)  # Django's list


def test_dengbao_no_reuse_of_the_last_five(zhang, settings):
    passwords = [f"Lx-{i}-审校-Quarter" for i in range(7)]
    with profile("dengbao"):
        for pw in passwords:
            assert codes(pw, zhang) == set(), pw
            zhang.set_password(pw)
            zhang.save()
        assert PasswordHistory.objects.filter(user=zhang).count() == 5
        for recent in passwords[-5:]:
            assert "password_reused" in codes(recent, zhang), recent
        assert codes(passwords[0], zhang) == set()  # six changes ago: allowed again
        assert codes(passwords[1], zhang) == set()


def test_history_check_works_with_the_production_hasher(zhang, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS  # argon2, as deployed
    with profile("dengbao"):
        zhang.set_password("Argon-2026-Check")
        zhang.save()
        assert zhang.password.startswith("argon2")
        assert PasswordHistory.objects.get(user=zhang).password.startswith("argon2")
        zhang.set_password("Argon-2026-Other")
        zhang.save()
        assert "password_reused" in codes("Argon-2026-Check", zhang)


def test_dengbao_expired_password_sends_the_user_to_the_change_page(client, zhang):
    with profile("dengbao"):
        AccountState.objects.update_or_create(
            user_id=zhang.pk, defaults={"password_changed_at": timezone.now() - dt.timedelta(days=91)}
        )
        client.post(reverse("login"), {"username": "zhangwei", "password": PASSWORD})
        response = client.get(reverse("home"))
        change = reverse("accounts:password_change")
        assert response.status_code == 302 and response["Location"].startswith(change)
        page = client.get(response["Location"])
        html = page.content.decode()
        assert "已超过 90 天未更换" in html and "四类中的至少 3 类" in html
        response = client.post(
            change + "?next=/",
            {"old_password": PASSWORD, "new_password1": "Xin-Mima-2026q3", "new_password2": "Xin-Mima-2026q3"},
        )
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get(reverse("home")).status_code == 200  # session kept, no longer expired
        entry = AuditEntry.objects.filter(action="password_change").latest("seq")
        assert entry.actor_id == zhang.pk and entry.after == {"原因": "到期更换"}


def test_password_not_yet_expired_is_left_alone(client, zhang):
    with profile("dengbao"):
        AccountState.objects.update_or_create(
            user_id=zhang.pk, defaults={"password_changed_at": timezone.now() - dt.timedelta(days=89)}
        )
        client.post(reverse("login"), {"username": "zhangwei", "password": PASSWORD})
        assert client.get(reverse("home")).status_code == 200


def test_users_without_a_recorded_change_age_from_account_creation(client, zhang):
    User.objects.filter(pk=zhang.pk).update(date_joined=timezone.now() - dt.timedelta(days=200))
    with profile("dengbao"):
        client.post(reverse("login"), {"username": "zhangwei", "password": PASSWORD})
        assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:password_change"))


def test_password_set_by_someone_else_must_be_changed_by_the_owner(client, zhang, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post(
        f"/admin/units/user/{zhang.pk}/password/",
        {"password1": "Chongzhi-2026-x", "password2": "Chongzhi-2026-x", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AccountState.objects.get(user_id=zhang.pk).must_change_password
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "zhangwei", "password": "Chongzhi-2026-x"})
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("accounts:password_change"))
    assert "管理员设置或重置" in client.get(response["Location"]).content.decode()
    client.post(
        reverse("accounts:password_change"),
        {"old_password": "Chongzhi-2026-x", "new_password1": "Benren-2026-Zj", "new_password2": "Benren-2026-Zj"},
    )
    assert not AccountState.objects.get(user_id=zhang.pk).must_change_password
    assert client.get(reverse("home")).status_code == 200
    entry = AuditEntry.objects.filter(action="password_change").latest("seq")
    assert entry.after == {"原因": "管理员重置后本人设置"}


def test_change_form_rejects_a_weak_password_in_chinese(client, zhang):
    client.force_login(zhang)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Admin@123", "new_password2": "Admin@123"},
    )
    assert response.status_code == 200
    assert "过于常见" in response.content.decode()


# asvs ---------------------------------------------------------------------------------------


def test_asvs_length_without_composition_rules(zhang):
    with profile("asvs"):
        assert "password_too_short" in codes("Kx8#mQ2!vL9", zhang)  # 11 characters
        assert codes("correct horse battery staple", zhang) == set()  # no composition rules
        assert codes("今天的会议纪要明天上午交", zhang) == set()  # 12 Chinese characters
        assert codes("a quiet morning in qujing " * 2 + "then lunch!!", zhang) == set()  # 64 allowed
        assert "password_too_long" in codes("y" * 129, zhang)


def test_asvs_no_rotation_and_no_history(client, zhang):
    with profile("asvs"):
        AccountState.objects.update_or_create(
            user_id=zhang.pk, defaults={"password_changed_at": timezone.now() - dt.timedelta(days=800)}
        )
        client.post(reverse("login"), {"username": "zhangwei", "password": PASSWORD})
        assert client.get(reverse("home")).status_code == 200
        zhang.set_password("a long passphrase 2026")
        zhang.save()
        assert not PasswordHistory.objects.filter(user=zhang).exists()
        assert "password_reused" not in codes("a long passphrase 2026", zhang)


def test_profile_from_the_environment(tmp_path, monkeypatch):
    import runpy

    from .test_settings import SETTINGS_FILE

    for name in ("SANSHEN_PASSWORD_PROFILE", "SANSHEN_PASSWORD_MAX_AGE_DAYS", "SANSHEN_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    default = runpy.run_path(SETTINGS_FILE, run_name="probe")
    assert default["SANSHEN_PASSWORD_PROFILE"] == "dengbao" and default["SANSHEN_PASSWORD_MAX_AGE_DAYS"] == 90
    monkeypatch.setenv("SANSHEN_PASSWORD_PROFILE", "asvs")
    asvs = runpy.run_path(SETTINGS_FILE, run_name="probe")
    assert asvs["SANSHEN_PASSWORD_MAX_AGE_DAYS"] is None
    lengths = [v["OPTIONS"]["min_length"] for v in asvs["AUTH_PASSWORD_VALIDATORS"] if "MinimumLength" in v["NAME"]]
    assert lengths == [12]
    monkeypatch.setenv("SANSHEN_PASSWORD_PROFILE", "dengbao")
    monkeypatch.setenv("SANSHEN_PASSWORD_MAX_AGE_DAYS", "60")
    assert runpy.run_path(SETTINGS_FILE, run_name="probe")["SANSHEN_PASSWORD_MAX_AGE_DAYS"] == 60
    monkeypatch.setenv("SANSHEN_PASSWORD_PROFILE", "weak")
    with pytest.raises(ValueError, match="dengbao"):
        runpy.run_path(SETTINGS_FILE, run_name="probe")
