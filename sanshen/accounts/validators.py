"""Password validators of the two profiles (see `profiles.py`). Messages are Chinese.

Django runs every validator in `AUTH_PASSWORD_VALIDATORS` on the password forms (change, reset,
admin) and calls their `password_changed` hooks after a new password is saved; history and age
are kept through that hook, so every way of setting a password is covered.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

SHIPPED_LIST = Path(__file__).resolve().parent / "data" / "common-passwords-zh.txt"


class CharacterClassesValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, other characters
    (punctuation, spaces, Chinese characters)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        kinds = set()
        for ch in password:
            if "A" <= ch <= "Z":
                kinds.add("upper")
            elif "a" <= ch <= "z":
                kinds.add("lower")
            elif ch.isdigit():
                kinds.add("digit")
            else:
                kinds.add("other")
        return len(kinds)

    def validate(self, password: str, user=None) -> None:
        if self.classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、特殊符号（含汉字）四类中的至少 {self.min_classes} 类。"


class MaximumLengthValidator:
    """An upper bound far above what people type, so hashing cannot be made expensive."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(f"密码不能超过 {self.max_length} 个字符。", code="password_too_long")

    def get_help_text(self) -> str:
        return f"密码最长 {self.max_length} 个字符（可以使用长句作为密码）。"


def _pinyin(text: str) -> str:
    if not text or not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return ""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()


class UsernameValidator:
    """The password must not contain the account name, its reverse, or the person's name written
    in pinyin (张三 → zhangsan), the first things tried against an account."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        lowered = password.lower()
        username = (user.get_username() or "").lower()
        if len(username) >= 3 and (username in lowered or username[::-1] in lowered):
            raise ValidationError("密码不能包含账号名。", code="password_contains_username")
        name = getattr(user, "full_name", "") or ""
        spelled = _pinyin(name)
        if len(spelled) >= 4 and spelled in lowered:
            raise ValidationError("密码不能包含本人姓名的拼音。", code="password_contains_name")
        if len(name) >= 2 and name in password:
            raise ValidationError("密码不能包含本人姓名。", code="password_contains_name")

    def get_help_text(self) -> str:
        return "密码不能包含账号名、本人姓名或姓名拼音。"


_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"})


@functools.cache
def _shipped_words(path: str) -> frozenset[str]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _candidates(password: str) -> set[str]:
    lowered = password.strip().lower()
    base = _EDGES.sub("", lowered)
    out = {lowered, lowered.translate(_LEET)}
    if len(base) >= 3:
        out |= {base, base.translate(_LEET), _EDGES.sub("", lowered.translate(_LEET))}
    return out


class LocalBreachedPasswordValidator:
    """Rejects passwords from the shipped list of leaked and guessable passwords (no network),
    also when they are only decorated: digits or symbols around a listed word, or @/0/1/3/$
    written for a/o/i/e/s."""

    def __init__(self, path: str | None = None):
        self.path = str(path or SHIPPED_LIST)

    def validate(self, password: str, user=None) -> None:
        words = _shipped_words(self.path)
        if _candidates(password) & words:
            raise ValidationError("该密码过于常见或已在泄露密码库中出现，请换一个。", code="password_breached")

    def get_help_text(self) -> str:
        return "不能使用常见密码、已泄露的密码或只在常见词前后加数字符号的密码。"


def history_length() -> int:
    return max(int(getattr(settings, "SANSHEN_PASSWORD_HISTORY", 0) or 0), 0)


class PasswordHistoryValidator:
    """Not the current password nor one of the last `SANSHEN_PASSWORD_HISTORY` passwords."""

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory

        count = history_length()
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[:count]
        )
        if user.password:
            hashes.append(user.password)
        for encoded in dict.fromkeys(hashes):
            if encoded and check_password(password, encoded):
                raise ValidationError(f"不能使用最近 {count} 次用过的密码。", code="password_reused")

    def get_help_text(self) -> str:
        return f"不能与最近 {history_length()} 次用过的密码相同。"


class RecordPasswordChange:
    """Validates nothing; its hook stores the new hash in the history and the change time."""

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from .services import password_was_set

        password_was_set(user)

    def get_help_text(self) -> str:
        days = getattr(settings, "SANSHEN_PASSWORD_MAX_AGE_DAYS", None)
        if days:
            return f"密码有效期 {days} 天，到期须更换。"
        return "密码没有强制更换期限；怀疑密码泄露时请立即修改。"
