"""Forms of the site pages. The rules themselves live in services.py."""

from __future__ import annotations

from django import forms

from .models import SEVERITY_CHOICES, ProblemStatus, Site, UpdateClass


class SiteForm(forms.ModelForm):
    home_url = forms.URLField(label="首页地址", max_length=500, assume_scheme="https")
    allowed_hosts = forms.CharField(label="本站其他域名", required=False,
                                    help_text="多个用逗号或换行分隔；首页域名自动包含。",
                                    widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Site
        fields = ("name", "home_url", "allowed_hosts", "site_code", "icp", "psb", "kind", "obey_robots", "cloaking",
                  "headless", "max_pages", "max_depth", "per_host_concurrency", "schedule", "daily_at", "every_hours",
                  "probe_minutes", "is_active")

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["daily_at"].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        if self.instance.pk and not self.is_bound:
            self.initial["allowed_hosts"] = ", ".join(self.instance.allowed_hosts or [])
        if units is not None:
            self.fields = {"unit": forms.ModelChoiceField(units, label="主办单位", empty_label=None), **self.fields}

    def clean_allowed_hosts(self):
        raw = self.cleaned_data.get("allowed_hosts") or ""
        return sorted({h.strip().lower() for h in raw.replace("，", ",").replace("\n", ",").split(",") if h.strip()})

    def _post_clean(self):  # services validate and save; the form only parses
        pass


class ColumnForm(forms.Form):
    name = forms.CharField(label="栏目名称", max_length=200, widget=forms.TextInput(attrs={"aria-label": "栏目名称"}))
    update_class = forms.ChoiceField(label="更新要求", choices=UpdateClass.choices,
                                     widget=forms.Select(attrs={"aria-label": "更新要求"}))
    custom_days = forms.IntegerField(label="自定义天数", min_value=1, max_value=3650, required=False,
                                     widget=forms.NumberInput(attrs={"aria-label": "自定义天数"}))

    def clean(self):
        data = super().clean()
        if data.get("update_class") == UpdateClass.CUSTOM and not data.get("custom_days"):
            self.add_error("custom_days", "自定义更新要求须填写天数。")
        return data


class NewColumnForm(ColumnForm):
    url = forms.URLField(label="栏目地址", max_length=1000, assume_scheme="https")
    field_order = ("url", "name", "update_class", "custom_days")


class MarkForm(forms.Form):
    status = forms.ChoiceField(label="处理", choices=[(ProblemStatus.FIXED, "已整改"),
                                                     (ProblemStatus.FALSE_POSITIVE, "误报"),
                                                     (ProblemStatus.OPEN, "重新打开")])
    note = forms.CharField(label="说明", max_length=1000, required=False)


class ProblemFilter(forms.Form):
    kind = forms.ChoiceField(label="问题类型", required=False)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[*ProblemStatus.choices, ("all", "全部")])
    severity = forms.ChoiceField(label="严重程度", required=False, choices=[("", "全部"), *SEVERITY_CHOICES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import KIND_CHOICES

        self.fields["kind"].choices = [("", "全部"), *KIND_CHOICES]


