"""Forms of the review pages. The rules themselves live in services.py."""

from __future__ import annotations

from django import forms

from sanshen.units.models import Unit

from .models import Action, Category, Importance, Source, Topic


class RevisionForm(forms.Form):
    title = forms.CharField(label="标题", max_length=300)
    body = forms.CharField(label="正文", widget=forms.Textarea(attrs={"rows": 14}))

    def clean_body(self):
        return self.cleaned_data["body"].replace("\r\n", "\n")


class ItemForm(RevisionForm):
    unit = forms.ModelChoiceField(label="拟稿单位", queryset=Unit.objects.none(), empty_label=None)
    category = forms.ChoiceField(label="信息类别", choices=Category.choices)
    importance = forms.ChoiceField(label="重要程度", choices=Importance.choices, initial=Importance.NORMAL)
    topics = forms.MultipleChoiceField(
        label="涉及事项", choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    joint_units = forms.ModelMultipleChoiceField(
        label="会审部门",
        queryset=Unit.objects.order_by("path"),
        required=False,
        help_text="招投标等须会审的稿件，请选择会审部门（可多选）。",
    )
    source = forms.ChoiceField(
        label="信息来源", choices=Source.choices, initial=Source.ORIGINAL, widget=forms.RadioSelect
    )
    source_name = forms.CharField(label="来源名称", max_length=200, required=False, help_text="转载时必填。")
    source_url = forms.CharField(
        label="来源网址", max_length=500, required=False, help_text="转载时必填，http 或 https。"
    )
    planned_at = forms.DateTimeField(
        label="计划发布时间",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.order_fields(["unit", "title", "body"])


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label="审核决定", choices=Action.choices, widget=forms.RadioSelect)
    proofread = forms.BooleanField(label="我已校对当前版本", required=False)
    back_to = forms.TypedChoiceField(label="退回至", required=False, coerce=int, empty_value=None)
    opinion = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, back_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["back_to"].choices = [("", "拟稿人"), *back_choices]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == Action.APPROVE and not data.get("proofread"):
            self.add_error("proofread", "通过前须勾选“我已校对当前版本”。")
        if action in (Action.RETURN, Action.REJECT) and not (data.get("opinion") or "").strip():
            self.add_error("opinion", "退回或驳回须填写审核意见。")
        if action != Action.RETURN:
            data["back_to"] = None
        return data


class OverrideForm(forms.Form):
    reason = forms.CharField(label="放行理由", widget=forms.Textarea(attrs={"rows": 3}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("放行否决项必须写明理由。")
        return reason
