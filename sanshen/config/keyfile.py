"""Secrets kept as files in the data directory: created once, readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


def read_or_create(path: Path, *, nbytes: int = 32, create: bool = True) -> str:
    """Return the secret stored in `path`, creating it (0600) if it is missing and `create` is true.

    The file is written under a temporary name and hard-linked into place, so concurrent first
    starts (several workers) agree on one secret and nobody reads a half-written file.
    """
    path = Path(path)
    try:
        return _read(path)
    except FileNotFoundError:
        if not create:
            raise
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(nbytes) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        # If another process won the race, its secret is the one to use.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise ValueError(f"密钥文件为空：{path}")
    return value


def is_private(path: Path) -> bool:
    """True when neither group nor others may read or write the file."""
    return not (Path(path).stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
