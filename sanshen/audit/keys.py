"""The audit chain's HMAC key. It never lives in the database, so whoever can write the database
cannot forge a valid chain.

Taken from the environment (`SANSHEN_AUDIT_KEY`, at least 32 characters) or from the key file
`settings.SANSHEN_AUDIT_KEY_FILE` (default `<data dir>/audit.key`), which is created with mode
0600 the first time an entry is written into an empty log. Back the key up apart from the
database: without it the chain can no longer be verified.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sanshen.config.keyfile import read_or_create

ENV = "SANSHEN_AUDIT_KEY"
MIN_LENGTH = 32

_cache: dict[tuple[str | None, str], bytes] = {}


def key_file() -> Path:
    return Path(getattr(settings, "SANSHEN_AUDIT_KEY_FILE", Path(settings.DATA_DIR) / "audit.key"))


def audit_key(*, create: bool = True) -> bytes:
    """The key bytes. With `create=False` a missing key file is an error instead of a new key."""
    env = os.environ.get(ENV)
    path = key_file()
    cache_key = (env, str(path))
    if cache_key in _cache:
        return _cache[cache_key]
    if env:
        if len(env) < MIN_LENGTH:
            raise ImproperlyConfigured(f"{ENV} 太短：审计密钥至少 {MIN_LENGTH} 个字符。")
        key = env.encode("utf-8")
    else:
        try:
            key = read_or_create(path, create=create).encode("ascii")
        except FileNotFoundError:
            raise ImproperlyConfigured(
                f"审计密钥文件 {path} 不存在，而审计日志已有条目。请恢复原密钥文件或设置 {ENV}；"
                "换用新密钥会使已有条目无法校验。"
            ) from None
    _cache[cache_key] = key
    return key


def key_id(key: bytes) -> str:
    """A short public fingerprint that tells which key signed an entry."""
    return hashlib.sha256(b"sanshen-audit-key-id\x00" + key).hexdigest()[:16]


def clear_cache() -> None:
    _cache.clear()
