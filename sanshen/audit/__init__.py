"""Append-only, hash-chained audit log (审计日志).

- `sanshen.audit.services.record(...)` writes an entry; `verify_chain()` checks the whole chain.
- `sanshen.audit.track(Model, ...)` records create/update/delete of a business model.
- `sanshen.audit.context.audit_context(actor=..., request=...)` names who acts outside a request.
"""


def track(model, **options):
    """Record create/update/delete of `model` (see `sanshen.audit.tracking.track`)."""
    from .tracking import track as _track

    return _track(model, **options)
