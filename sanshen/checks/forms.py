from __future__ import annotations

from pathlib import PurePath

from django import forms

from .services import PROFILES

ACCEPTED_SUFFIXES = (".txt", ".text", ".html", ".htm", ".shtml", ".docx", ".pdf", ".doc", ".wps")
PROFILE_LABELS = {
    "default": "标准（置信度 ≥ 0.5 的全部问题）",
    "strict": "严格（含疑似问题）",
    "serious": "只看严重问题（否决项和高风险）",
}


class CheckForm(forms.Form):
    text = forms.CharField(
        label="粘贴文本",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": "在此粘贴要检查的文字，或在下方上传文件"}),
    )
    format = forms.ChoiceField(
        label="文本格式",
        required=False,
        choices=[("", "自动识别"), ("txt", "纯文本"), ("html", "HTML 源码")],
        help_text="粘贴网页源码时按 HTML 抽取标题、正文、隐藏内容和链接",
    )
    file = forms.FileField(
        label="或上传文件",
        required=False,
        help_text="支持 .txt、.html、.docx、.pdf（.doc/.wps 需服务器安装 LibreOffice）",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    as_of = forms.DateField(
        label="按此日期判断",
        required=False,
        help_text="领导职务等按这一天核对，默认今天",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    profile = forms.ChoiceField(
        label="检查方案", choices=[(p, PROFILE_LABELS[p]) for p in PROFILES], initial="default", required=False
    )

    def clean(self):
        data = super().clean()
        text, upload = data.get("text") or "", data.get("file")
        if upload and text.strip():
            raise forms.ValidationError("请只选一种：粘贴文本或上传文件。")
        if not upload and not text.strip():
            raise forms.ValidationError("请粘贴要检查的文本，或上传一个文件。")
        if upload and PurePath(upload.name or "").suffix.lower() not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError("不支持的文件类型：请上传 .txt、.html、.docx 或 .pdf 文件。")
        return data
