"""`track(Model)`: audit create/update/delete of a business model with before/after values.

Creates store every field in `after`, deletes every field in `before`, updates only the fields
that changed (an update that changes nothing writes no entry). Foreign keys are stored as the
related primary key. Saves made with `raw=True` (fixture loading) are not recorded.

Changes are recorded from model signals, so `QuerySet.update()` and bulk operations bypass them;
business code that must be audited saves instances, inside `transaction.atomic()` so that the
change and its entry commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.signals import post_save, pre_delete, pre_save

from .models import ACTION_LABELS, Action

HIDDEN = "（已隐藏）"
CHANGED = "（已修改）"
SET = "（已设置）"
_BEFORE_ATTR = "_sanshen_audit_before"


@dataclass(frozen=True)
class Tracked:
    model: type[models.Model]
    fields: tuple[models.Field, ...]
    redact: frozenset[str]
    action: str | None
    permission_fields: frozenset[str]
    unit: Callable[[models.Model], Any] | None


_registry: dict[type[models.Model], Tracked] = {}


def tracked_models() -> dict[type[models.Model], Tracked]:
    return dict(_registry)


def track(
    model: type[models.Model],
    *,
    exclude: Iterable[str] = (),
    redact: Iterable[str] = (),
    action: str | None = None,
    permission_fields: Iterable[str] = (),
    unit: Callable[[models.Model], Any] | str | None = None,
) -> type[models.Model]:
    """Audit changes of `model`.

    - `exclude`: fields never recorded (fields with `auto_now` are always left out).
    - `redact`: fields whose values are hidden; the entry only says they changed (passwords).
    - `action`: record every change under this action instead of create/update/delete
      (e.g. "permission_change" for role grants).
    - `permission_fields`: an update touching one of these is a "permission_change".
    - `unit`: the unit an entry belongs to: a callable `obj -> Unit | id`, or a field name;
      by default the model's `unit` foreign key if it has one.
    """
    if action is not None and action not in ACTION_LABELS:
        raise ValueError(f"未登记的审计操作：{action!r}")
    excluded = set(exclude)
    fields = tuple(
        f for f in model._meta.concrete_fields if f.name not in excluded and not getattr(f, "auto_now", False)
    )
    names = {f.name for f in model._meta.concrete_fields}
    unknown = (set(redact) | set(permission_fields) | excluded) - names
    if unknown:
        raise ValueError(f"{model._meta.label} 没有这些字段：{', '.join(sorted(unknown))}")
    if isinstance(unit, str):
        unit_field = model._meta.get_field(unit)
        unit_fn = lambda obj: getattr(obj, unit_field.attname)  # noqa: E731
    elif unit is None and "unit" in names:
        unit_fn = lambda obj: obj.unit_id  # noqa: E731
    else:
        unit_fn = unit
    spec = Tracked(model, fields, frozenset(redact), action, frozenset(permission_fields), unit_fn)
    _registry[model] = spec
    uid = f"sanshen.audit.track:{model._meta.label_lower}"
    pre_save.connect(_pre_save, sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(_post_save, sender=model, weak=False, dispatch_uid=uid)
    pre_delete.connect(_pre_delete, sender=model, weak=False, dispatch_uid=uid)
    return model


def snapshot(spec: Tracked, obj: models.Model) -> dict[str, Any]:
    return {f.name: getattr(obj, f.attname) for f in spec.fields}


def _shown(spec: Tracked, values: dict[str, Any], placeholder: str) -> dict[str, Any]:
    return {k: (placeholder if k in spec.redact and v not in (None, "") else v) for k, v in values.items()}


def _unit_of(spec: Tracked, obj: models.Model):
    return spec.unit(obj) if spec.unit is not None else None


def _record(spec: Tracked, action: str, obj: models.Model, before, after) -> None:
    from .services import record

    record(spec.action or action, obj=obj, unit=_unit_of(spec, obj), before=before, after=after)


def _pre_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs) -> None:
    spec = _registry.get(sender)
    if spec is None or raw or instance._state.adding or instance.pk is None:
        return
    old = sender._base_manager.using(using).filter(pk=instance.pk).first()
    setattr(instance, _BEFORE_ATTR, snapshot(spec, old) if old is not None else None)


def _post_save(sender, instance, created=False, raw=False, using=None, update_fields=None, **kwargs) -> None:
    spec = _registry.get(sender)
    if spec is None or raw:
        return
    before = instance.__dict__.pop(_BEFORE_ATTR, None)
    after = snapshot(spec, instance)
    if created or before is None:
        _record(spec, Action.CREATE, instance, None, _shown(spec, after, SET))
        return
    if update_fields is not None:
        saved = set(update_fields)
        names = {f.name for f in spec.fields if f.name in saved or f.attname in saved}
    else:
        names = set(after)
    changed = [name for name in after if name in names and before.get(name) != after[name]]
    if not changed:
        return
    action = Action.PERMISSION_CHANGE if spec.permission_fields.intersection(changed) else Action.UPDATE
    _record(
        spec,
        action,
        instance,
        _shown(spec, {k: before.get(k) for k in changed}, HIDDEN),
        _shown(spec, {k: after[k] for k in changed}, CHANGED),
    )


def _pre_delete(sender, instance, using=None, **kwargs) -> None:
    spec = _registry.get(sender)
    if spec is None:
        return
    _record(spec, Action.DELETE, instance, _shown(spec, snapshot(spec, instance), HIDDEN), None)
