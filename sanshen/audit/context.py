"""Who is acting right now: set by the middleware for requests, by `audit_context` elsewhere."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None
    request: Any = None
    username: str = ""


_current: ContextVar[AuditContext | None] = ContextVar("sanshen_audit_context", default=None)


def current() -> AuditContext | None:
    return _current.get()


@contextlib.contextmanager
def audit_context(*, actor=None, request=None, username: str = "") -> Iterator[AuditContext]:
    """Attribute the audit entries written inside the block to `actor` (or `username`, e.g. "命令行:root")."""
    outer = _current.get()
    ctx = AuditContext(
        actor=actor if actor is not None else (outer.actor if outer else None),
        request=request if request is not None else (outer.request if outer else None),
        username=username or (outer.username if outer else ""),
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
