"""Forms of the review pages. The rules themselves live in services.py."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError

from sanshen.units.models import Unit

from .models import Action, Category, Importance, Source, Topic
from .services import BODY_EXTENSIONS, Upload, parse_channels, require_channels

CHANNELS_HELP = (
    "每行一个：网站写“网站名称/栏目”（如“曲靖市人民政府网站/通知公告”，已登记的网站可从下面选择），"
    "新媒体账号写作“新媒体：账号名称”（如“新媒体：曲靖发布”）。"
)
CHANNEL_OPTIONS_ID = "channel-options"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; cleans to a list (possibly empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _upload(uploaded) -> Upload:
    try:
        return Upload.from_django(uploaded)
    except DjangoValidationError as exc:
        raise forms.ValidationError(exc.messages) from exc


class RevisionForm(forms.Form):
    """Title and body; the body is pasted text or an uploaded file (read in `services`)."""

    title = forms.CharField(label="标题", max_length=300)
    body = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 14}))
    body_file = forms.FileField(
        label="或上传正文文件",
        required=False,
        help_text="可上传 .docx、.html、.htm、.pdf、.txt 文件代替粘贴正文，文字将自动读取，原件随版本保存。",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(BODY_EXTENSIONS)}),
    )
    channels = forms.CharField(
        label="发布渠道", required=False, help_text=CHANNELS_HELP, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Picked from the datalist of registered sites and columns; added to the channels on save
    # (static/review/channels.js moves it into the box at once when scripts run).
    channel_pick = forms.CharField(
        label="从网站登记中选择",
        required=False,
        max_length=250,
        help_text="选择或输入“网站名称/栏目”，保存时加入发布渠道。",
        widget=forms.TextInput(attrs={"list": CHANNEL_OPTIONS_ID, "autocomplete": "off", "data-channels-pick": True}),
    )

    def __init__(self, *args, suggestions: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # “网站名称/栏目” lines of the registered sites the drafter may name (`channel_suggestions`).
        self.channel_suggestions = list(suggestions or [])
        if require_channels():
            self.fields["channels"].help_text = CHANNELS_HELP + "提交审核前须至少填写一个。"

    def clean_body(self):
        return self.cleaned_data["body"].replace("\r\n", "\n")

    def clean_body_file(self):
        uploaded = self.cleaned_data.get("body_file")
        return _upload(uploaded) if uploaded else None

    def clean_channels(self):
        try:
            return parse_channels(self.cleaned_data["channels"])
        except DjangoValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean(self):
        data = super().clean()
        pick = (data.get("channel_pick") or "").strip()
        if pick and "channels" not in self.errors:
            try:
                data["channels"] = data.get("channels", []) + parse_channels(pick)
            except DjangoValidationError as exc:
                self.add_error("channel_pick", exc.messages)
        has_body = bool((data.get("body") or "").strip())
        has_file = data.get("body_file") is not None
        if has_body and has_file:
            self.add_error("body_file", "正文请粘贴文字或上传文件，二者选一。")
        elif not has_body and not has_file and "body_file" not in self.errors:
            self.add_error("body", "请粘贴正文，或上传正文文件。")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "body_file": data["body_file"],
            # A post without the field (an older page, a script) leaves the channels alone.
            "channels": data["channels"] if "channels" in self.data or data.get("channel_pick") else None,
        }


class AttachmentForm(forms.Form):
    files = MultipleFileField(
        label="附件", help_text="可一次选择多个文件；可读格式（.docx、.pdf、.html、.txt 等）将进行机器检查。"
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if not files:
            raise forms.ValidationError("请选择要上传的附件。")
        return [_upload(f) for f in files]


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
        self.fields["channels"].label = "发布渠道（拟在哪里发布）"
        self.fields["channels"].widget.attrs["placeholder"] = "曲靖市人民政府网站/通知公告\n新媒体：曲靖发布"
        self.order_fields(["unit", "title", "channels", "channel_pick", "body", "body_file"])


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
