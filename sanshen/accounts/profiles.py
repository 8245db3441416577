"""Password-policy profiles, selected by `SANSHEN_PASSWORD_PROFILE` (read by the settings).

Pure Python on purpose: the settings module imports it before Django is set up.

| | `dengbao` (等保 2.0 三级, default) | `asvs` (OWASP ASVS 5.0) |
| --- | --- | --- |
| length | ≥ 8 (≤ 128) | ≥ 12 (≤ 128, so 64 is always allowed) |
| composition | 3 of 4 classes (upper, lower, digit, other) | none |
| rotation | every 90 days (`SANSHEN_PASSWORD_MAX_AGE_DAYS`) | none |
| reuse | not one of the last 5 (`SANSHEN_PASSWORD_HISTORY`) | not checked |
| common / breached list | Django's list + the shipped list | Django's list + the shipped list |
| username, name (also as pinyin) | rejected | rejected |

Both profiles record every password change (history and age) through `RecordPasswordChange`,
whose `password_changed` hook Django calls after any `set_password` + `save`.
"""

from __future__ import annotations

PROFILES = ("dengbao", "asvs")
DEFAULT_PROFILE = "dengbao"
MAX_LENGTH = 128

_V = "sanshen.accounts.validators."


def _common() -> list[dict]:
    return [
        {"NAME": _V + "MaximumLengthValidator", "OPTIONS": {"max_length": MAX_LENGTH}},
        {
            "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
            "OPTIONS": {"user_attributes": ("username", "full_name", "first_name", "last_name", "email")},
        },
        {"NAME": _V + "UsernameValidator"},
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": _V + "LocalBreachedPasswordValidator"},
        {"NAME": _V + "RecordPasswordChange"},
    ]


def password_profile(name: str) -> dict:
    """Settings of one profile: validators, rotation age in days (None = never), history length."""
    if name == "dengbao":
        return {
            "AUTH_PASSWORD_VALIDATORS": [
                {
                    "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                    "OPTIONS": {"min_length": 8},
                },
                {"NAME": _V + "CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
                {"NAME": _V + "PasswordHistoryValidator"},
                *_common(),
            ],
            "SANSHEN_PASSWORD_MAX_AGE_DAYS": 90,
            "SANSHEN_PASSWORD_HISTORY": 5,
        }
    if name == "asvs":
        return {
            "AUTH_PASSWORD_VALIDATORS": [
                {
                    "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                    "OPTIONS": {"min_length": 12},
                },
                *_common(),
            ],
            "SANSHEN_PASSWORD_MAX_AGE_DAYS": None,
            "SANSHEN_PASSWORD_HISTORY": 0,
        }
    raise ValueError(f"SANSHEN_PASSWORD_PROFILE 只能是 {' 或 '.join(PROFILES)}，而不是 {name!r}")
