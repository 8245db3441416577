"""Forms of the inspection pages. They only shape input; every rule is in `services`."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from .models import SpotType


class OpenForm(forms.Form):
    unit = forms.ModelChoiceField(label="组织检查的单位", queryset=None, empty_label=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label="季度", coerce=int, choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)])
    set_id = forms.ChoiceField(label="检查指标", choices=())

    def __init__(self, *args, units, set_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["set_id"].choices = set_choices
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1


class EditForm(forms.Form):
    doc_number = forms.CharField(label="文号", max_length=60, required=False)
    recipients = forms.CharField(label="主送", max_length=200, required=False)
    next_steps = forms.CharField(label="下一步工作要求", widget=forms.Textarea(attrs={"rows": 12}))
    rectification_workdays = forms.IntegerField(label="整改期限（工作日）", min_value=1, max_value=60)
    signature = forms.CharField(label="落款", max_length=100)
    bulletin_date = forms.DateField(label="通报日期（留空为结束检查当天）", required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, closed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if closed:
            for name in ("rectification_workdays", "bulletin_date"):
                self.fields[name].disabled = True


class SpotForm(forms.Form):
    site = forms.ChoiceField(label="网站")
    url = forms.URLField(label="页面地址", max_length=1000, assume_scheme="https")
    problem_type = forms.ChoiceField(label="问题类型", choices=SpotType.choices)
    wrong_text = forms.CharField(label="错误表述", max_length=500, required=False)
    right_text = forms.CharField(label="正确表述", max_length=500, required=False)
    excerpt = forms.CharField(label="摘录", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    screenshot = forms.FileField(label="截图（PNG/JPEG/GIF/WebP，≤ 5 MB）", required=False,
                                 widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, site_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = site_choices


class AnswerForm(forms.Form):
    note = forms.CharField(label="整改情况说明", widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label="佐证材料（≤ 10 MB）", required=False)


class IndicatorForm(forms.Form):
    yaml_text = forms.CharField(label="指标文件（YAML）",
                                widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}))
    note = forms.CharField(label="修改说明", max_length=300, required=False)


class CalendarDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(label="安排", coerce=lambda v: v == "1",
                                        choices=(("0", "放假（休息日）"), ("1", "调休上班（工作日）")))
    note = forms.CharField(label="说明", max_length=200, required=False)


class YearForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
