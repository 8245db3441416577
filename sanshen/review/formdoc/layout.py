"""The form's rows, shared by the .docx and the .pdf renderer so both say the same thing."""

from __future__ import annotations

from dataclasses import dataclass

from sanshen.web.docfonts import clean

from .data import ReviewFormData, StepBlock


def paragraphs(text: object) -> list[str]:
    return clean(text).split("\n")


def label_text(text: object) -> str:
    """A label as a 公文 form writes it: full-width colons, never ASCII ":"."""
    return clean(text).replace(":", "：")


def channels_text(value: object) -> str:
    """拟发布渠道 as one line, from text or from a list of channels (strings or
    {"kind", "name", "column"} dicts as kept on the item)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value)
    parts = []
    for ch in value:
        if isinstance(ch, dict):
            name = clean(ch.get("name", ""))
            column = clean(ch.get("column", ""))
            parts.append("·".join(x for x in (name, column) if x))
        else:
            parts.append(clean(ch))
    return "；".join(p for p in parts if p)


@dataclass(frozen=True)
class FieldRow:
    label: str
    value: str
    tall: bool = False  # the summary gets room, like the seed's blank box


@dataclass(frozen=True)
class StepRow:
    label: str  # e.g. "科室初审意见"
    decision: str
    opinion: str
    reviewer: str
    date: str
    skipped: bool = False

    @property
    def signer_label(self) -> str:
        # A skipped step was not reviewed: the line names the 监管员 who skipped it.
        return "跳过人" if self.skipped else "审核人"


def step_label(step: StepBlock) -> str:
    name = label_text(step.name)
    if name.endswith("意见"):
        return name
    # A long name wraps mid-word in the narrow label column; put 意见 on its own line instead.
    return f"{name}意见" if len(name) <= 4 else f"{name}\n意见"


def rows(data: ReviewFormData) -> list[FieldRow | StepRow]:
    out: list[FieldRow | StepRow] = [
        FieldRow("信息名称", clean(data.info_name)),
        FieldRow("信息来源", clean(data.source)),
        FieldRow("信息类别", clean(data.category)),
        FieldRow("拟发布渠道", channels_text(getattr(data, "channels", ""))),
        FieldRow("拟稿人", "　".join(x for x in (clean(data.drafter), clean(data.drafted_text)) if x)),
        FieldRow("主要内容\n（摘要）", clean(data.summary), tall=True),
        FieldRow("机器检查", clean(data.machine_check) or "—"),
    ]
    if data.overrides:
        lines = []
        for n in data.overrides:
            who = "　".join(x for x in (clean(n.reviewer), clean(n.date_text)) if x)
            lines.append(f"{clean(n.finding)}：{clean(n.reason)}" + (f"（{who}）" if who else ""))
        out.append(FieldRow("否决项处理", "\n".join(lines)))
    for step in data.steps:
        if getattr(step, "skipped", False):
            out.append(
                StepRow(
                    label=step_label(step),
                    decision="",
                    opinion=clean(step.skip_text),
                    reviewer=clean(step.skipped_by),
                    date=clean(step.date_text),
                    skipped=True,
                )
            )
            continue
        out.append(
            StepRow(
                label=step_label(step),
                decision=clean(step.decision),
                opinion=clean(step.opinion),
                reviewer=clean(step.reviewer_text),
                date=clean(step.date_text),
            )
        )
    return [FieldRow(label_text(r.label), r.value, r.tall) if isinstance(r, FieldRow) else r for r in out]


def footer_text(data: ReviewFormData) -> str:
    parts = []
    if data.item_id:
        parts.append(f"编号：{clean(data.item_id)}")
    if data.generated_text:
        parts.append(f"生成时间：{clean(data.generated_text)}")
    return "　　".join(parts)
