"""Fill the review form (审核表) data from an item and its review record."""

from __future__ import annotations

from django.utils import timezone

from sanshen.engine.findings import CATEGORY_LABELS, SEVERITY_LABELS

from .formdoc import OverrideNote, ReviewFormData, StepBlock
from .models import Item, Source, StepKind, StepState, VetoOverride

SUMMARY_CHARS = 200

_DECISION_TEXT = {StepState.PASSED: "通过", StepState.RETURNED: "退回", StepState.REJECTED: "驳回"}


def _name(user) -> str:
    return "" if user is None else str(user)


def _local(value):
    return None if value is None else timezone.localtime(value)


def summarize(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = "\n".join(line.strip() for line in (text or "").strip().splitlines() if line.strip())
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


def machine_check_line(revision) -> str:
    if revision is None:
        return ""
    findings = revision.findings or []
    if not findings:
        return f"机器检查：未发现问题（第{revision.number}版）"
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.get("severity", "")] = counts.get(f.get("severity", ""), 0) + 1
    parts = [f"{counts[s]} 项{SEVERITY_LABELS[s]}" for s in SEVERITY_LABELS if counts.get(s)]
    return f"机器检查：共 {len(findings)} 项（" + "，".join(parts) + f"）（第{revision.number}版）"


def _finding_text(findings: list[dict]) -> str:
    return (
        "；".join(
            (f"附件《{f['attachment_name']}》" if f.get("attachment_name") else "")
            + f"{CATEGORY_LABELS.get(f.get('category'), f.get('category', ''))}：{f.get('text', '')}（否决）"
            for f in findings
        )
        or "否决项"
    )


def channels_text(item: Item) -> str:
    """The item's channels for the form's 发布渠道 line: “网站名称/栏目；新媒体：账号”."""
    from .services import channels_text as text

    return text(item.channels, "；")


def _source(item: Item) -> str:
    if item.source == Source.REPRINT:
        return f"转载：{item.source_name}".rstrip("：")
    return item.get_source_display()


def build_form_data(item: Item) -> ReviewFormData:
    """The 审核表 of `item`: its latest revision, and the steps of its current review round in route order."""
    revision = item.latest_revision()
    steps = []
    if item.round:
        qs = (
            item.steps.filter(round=item.round)
            .select_related("decided_by", "delegated_from")
            .order_by("order", "id")
        )
        for step in qs:
            if step.state == StepState.SKIPPED:
                steps.append(
                    StepBlock(
                        name=step.label or step.get_kind_display(),
                        date=_local(step.decided_at),
                        secrecy=step.kind == StepKind.SECRECY,
                        skipped=True,
                        skip_reason=step.skip_reason,
                        skipped_by=_name(step.decided_by),
                    )
                )
                continue
            decided = step.state != StepState.PENDING
            steps.append(
                StepBlock(
                    name=step.label or step.get_kind_display(),
                    opinion=step.opinion if decided else "",
                    reviewer=_name(step.decided_by) if decided else "",
                    date=_local(step.decided_at) if decided else None,
                    decision=_DECISION_TEXT.get(step.state, ""),
                    delegated_from=_name(step.delegated_from) if decided else "",
                    secrecy=step.kind == StepKind.SECRECY,
                )
            )
    overrides = [
        OverrideNote(
            finding=_finding_text(o.findings), reason=o.reason, reviewer=_name(o.user), date=_local(o.created_at)
        )
        for o in VetoOverride.objects.filter(revision__item=item).select_related("user").order_by("created_at", "id")
    ]
    created = _local(item.created_at)
    return ReviewFormData(
        unit_name=item.unit.name,
        title=f"{item.unit.name}政府网站信息发布审核表",
        info_name=revision.title if revision else item.title,
        source=_source(item),
        category=item.get_category_display(),
        channels=channels_text(item),
        summary=summarize(revision.body if revision else ""),
        drafter=_name(item.drafter),
        drafted_on=created,
        steps=steps,
        overrides=overrides,
        machine_check=machine_check_line(revision),
        item_id=f"SS-{created.year if created else ''}-{item.pk:06d}",
        generated_at=timezone.localtime(),
    )
