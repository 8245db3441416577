"""The JSON report of a check, shared by ``sanshen check --format json`` and the HTTP API.

Shape: ``{"results": [{"path", "chars", "findings": [Finding.to_dict(), ...]}]}``; a file that
could not be read is ``{"path", "chars": 0, "findings": [], "error": message}``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .findings import Finding

__all__ = ["error_result", "report", "result"]


def result(path: str, text: str, findings: Iterable[Finding]) -> dict:
    """One checked input: its name, its length in code points and its findings."""
    return {"path": path, "chars": len(text), "findings": [f.to_dict() for f in findings]}


def error_result(path: str, message: str) -> dict:
    """One input that could not be checked."""
    return {"path": path, "chars": 0, "findings": [], "error": message}


def report(results: Iterable[dict]) -> dict:
    return {"results": list(results)}
