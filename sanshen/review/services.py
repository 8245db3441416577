"""The review workflow. Views and the API call these functions and nothing below them.

Rules kept here:
- Every edit is a new `Revision`; the engine checks each one and its findings are stored with it.
- A drafter cannot submit while the latest revision has `veto` findings. A reviewer (not an
  author) may let that revision go forward with `override_veto(…, reason)`; the override is kept
  and copied into the decisions made on that revision.
- A route is built from the category's `RouteTemplate` when the item is submitted. Steps run by
  `order`; steps sharing an order form a parallel group and all must pass.
- A step is decided by its named assignee, by a holder of its role in its unit, or by someone
  those people delegated to for the time being. Authors of any revision never decide.
- 通过 needs the latest revision and `proofread=True` (三校).
- 退回 to the drafter ends the round (the next submission builds a fresh route); 退回 to an
  earlier step reopens the steps from there. 驳回 ends the item.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

import sanshen
from sanshen.audit.services import record
from sanshen.engine.extract import DOCX_EXTENSIONS, HTML_EXTENSIONS, OFFICE_EXTENSIONS, TEXT_EXTENSIONS
from sanshen.units.models import Membership, Role, Unit
from sanshen.units.services import has_role, scope_to_user

from .defaults import seed_default_routes
from .models import (
    IMPORTANCE_RANK,
    Action,
    Attachment,
    AttachmentKind,
    AttachmentRemoval,
    Decision,
    Delegation,
    Item,
    ReviewStep,
    Revision,
    RouteStepTemplate,
    RouteTemplate,
    Scope,
    Status,
    StepKind,
    StepState,
    VetoOverride,
    content_hash,
)

__all__ = [
    "REVIEWER_ROLES",
    "Upload",
    "add_attachment",
    "add_revision",
    "add_revision_from_file",
    "attachment_vetoes",
    "blocking_vetoes",
    "build_route",
    "can_decide",
    "channel_sites",
    "channel_suggestions",
    "channels_text",
    "clean_channels",
    "create_item",
    "current_steps",
    "decide",
    "diff_revisions",
    "max_upload_bytes",
    "overdue_steps",
    "override_veto",
    "parse_channels",
    "planned_route",
    "read_body_file",
    "remove_attachment",
    "secrecy_step_count",
    "set_channels",
    "submit",
    "visible_items",
]

REVIEWER_ROLES = (
    Role.SECTION_HEAD,
    Role.DEPUTY_LEADER,
    Role.PRINCIPAL_LEADER,
    Role.SECRECY_REVIEWER,
    Role.SITE_ADMIN,
)
EDITABLE = (Status.DRAFT, Status.RETURNED, Status.IN_REVIEW)


MAX_SECRECY_LEVELS = 5


def default_secrecy_levels() -> int:
    """The deployment default number of secrecy levels: `SANSHEN_SECRECY_STEPS` (1)."""
    return max(0, int(getattr(settings, "SANSHEN_SECRECY_STEPS", 1)))


def secrecy_step_count(template: RouteTemplate | None = None) -> int:
    """How many levels each 保密审查 step of `template` expands into: the route's own
    `secrecy_levels`, or the deployment default when it is blank (or no route is given)."""
    if template is not None and template.secrecy_levels is not None:
        return max(0, int(template.secrecy_levels))
    return default_secrecy_levels()


# Visibility ---------------------------------------------------------------------------------


def _step_reviewer_q(user, now: dt.datetime, prefix: str = "") -> Q:
    """Steps `user` could decide: named, by role, or through a running delegation."""
    users = [user.pk, *_delegators(user, now)]
    q = Q(**{f"{prefix}assignee_id__in": users})
    for unit_id, role in Membership.objects.filter(user_id__in=users).values_list("unit_id", "role"):
        q |= Q(**{f"{prefix}unit_id": unit_id, f"{prefix}role": role, f"{prefix}assignee__isnull": True})
    return q


def _delegators(user, now: dt.datetime) -> list[int]:
    return list(
        Delegation.objects.filter(to_user=user, start__lte=now, end__gt=now).values_list("from_user_id", flat=True)
    )


def visible_items(user) -> QuerySet[Item]:
    """Items of the user's visible units, plus items with a step the user may decide (a
    district leader or a 会审 department sees the items routed to it)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Item.objects.none()
    own = scope_to_user(Item.objects.all(), user)
    if user.is_superuser:
        return own
    routed = ReviewStep.objects.filter(_step_reviewer_q(user, timezone.now())).values("item_id")
    return Item.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=routed))


def _authors(item: Item) -> set[int]:
    return {item.drafter_id, *item.revisions.values_list("author_id", flat=True)}


# Items and revisions ------------------------------------------------------------------------


def _check(text: str) -> list[dict]:
    from sanshen.engine import check

    return [f.to_dict() for f in check(text)]


def create_item(
    user,
    unit: Unit,
    *,
    title: str,
    body: str = "",
    category: str,
    importance: str = "normal",
    topics: list[str] | None = None,
    joint_units: list[Unit] | None = None,
    source: str = "original",
    source_name: str = "",
    source_url: str = "",
    planned_at: dt.datetime | None = None,
    body_file: Upload | None = None,
    channels: list[dict] | str | None = None,
) -> Item:
    """A new draft item with its first revision, on behalf of `user` (who must hold a role in `unit`).

    The body is either `body` (text) or `body_file` (an `Upload` of a .docx/.html/.htm/.pdf/.txt
    file, see `read_body_file`), not both. From a file, the extracted text becomes the body and
    the file is kept as the revision's `Attachment(kind="original")`. `channels` is a list of
    {"kind": "site"|"newmedia", "name": …, "column": …} or the text form `parse_channels` reads;
    it may be empty until submission. Raises ValidationError (nothing saved) for a bad file or
    bad channels.
    """
    if not has_role(user, unit):
        raise PermissionDenied("您在该单位没有任何角色，不能拟稿。")
    cleaned_channels = clean_channels(channels, unit=unit)
    body = _body_or_file(body, body_file)
    item = Item(
        title=title,
        unit=unit,
        drafter=user,
        category=category,
        importance=importance,
        topics=list(topics or []),
        source=source,
        source_name=source_name,
        source_url=source_url,
        planned_at=planned_at,
        channels=cleaned_channels,
    )
    item.full_clean()
    with transaction.atomic():
        item.save()
        if joint_units:
            item.joint_units.set(joint_units)
        _new_revision(item, user, title, body, original=body_file)
    return item


def _new_revision(item: Item, user, title: str, body: str, original: Upload | None = None) -> Revision:
    last = item.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    if not title.strip():
        raise ValidationError("标题不能为空。")
    revision = Revision(
        item=item,
        number=last + 1,
        title=title,
        body=body,
        author=user,
        findings=_check(f"{title}\n{body}"),
        engine_version=sanshen.__version__,
        content_hash=content_hash(title, body),
    )
    revision.save()
    record(
        "review_revision",
        actor=user,
        obj=item,
        after={"revision": revision.number, "content_hash": revision.content_hash, "findings": len(revision.findings)},
    )
    if original is not None:
        _store_file(item, user, original, kind=AttachmentKind.ORIGINAL, revision=revision)
    return revision


def add_revision(
    item: Item,
    user,
    *,
    title: str,
    body: str = "",
    body_file: Upload | None = None,
    channels: list[dict] | str | None = None,
) -> Revision:
    """A new revision by the drafter (while draft/returned/in review) or by a current reviewer.

    As in `create_item`, the body is `body` or the text of `body_file` (kept as the revision's
    original). `channels`, when given (not None), replaces the item's channels; only the drafter
    may change them.
    """
    body = _body_or_file(body, body_file)
    cleaned_channels = None if channels is None else clean_channels(channels, unit=item.unit, keep=item.channels)
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.status not in EDITABLE:
            raise ValidationError(f"稿件{item.get_status_display()}，不能再修改。")
        allowed = user.pk == item.drafter_id or (
            item.status == Status.IN_REVIEW and any(_eligible(s, user)[0] for s in current_steps(item))
        )
        if not allowed:
            raise PermissionDenied("只有拟稿人或当前环节的审核人可以修改稿件。")
        if cleaned_channels is not None and cleaned_channels != item.channels:
            _change_channels(item, user, cleaned_channels)
        revision = _new_revision(item, user, title, body, original=body_file)
        if item.title != title:
            item.title = title
            item.save()
    return revision


def add_revision_from_file(item: Item, user, *, title: str, upload: Upload, **kwargs) -> Revision:
    """`add_revision` with the body read from `upload` (.docx/.html/.htm/.pdf/.txt)."""
    return add_revision(item, user, title=title, body_file=upload, **kwargs)


# Files: uploaded bodies and attachments -----------------------------------------------------

BODY_EXTENSIONS = (".docx", ".html", ".htm", ".pdf", ".txt")
# Formats the engine reads; other attachments (images, spreadsheets…) are kept unchecked.
CHECKED_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | DOCX_EXTENSIONS | OFFICE_EXTENSIONS | {".pdf"}
UNCHECKED_RULE = "attachment_unchecked"
_NAME_UNSAFE = str.maketrans({c: "_" for c in '\\/:*?"<>|'} | {chr(i): None for i in range(32)} | {"\x7f": None})


def _register_file_actions() -> None:
    from sanshen.audit.models import register_action

    register_action("review_file_upload", "上传稿件文件")
    register_action("review_file_download", "下载稿件文件")
    register_action("review_file_remove", "移除稿件附件")


_register_file_actions()


def max_upload_bytes() -> int:
    """The size cap of one uploaded file: `SANSHEN_REVIEW_MAX_UPLOAD_MB` (default 20)."""
    return int(float(getattr(settings, "SANSHEN_REVIEW_MAX_UPLOAD_MB", 20)) * 1024 * 1024)


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} 字节"


def safe_name(name: str) -> str:
    """The file's own name without any directory part or characters unsafe in a file name."""
    base = PurePath(str(name or "").replace("\\", "/")).name
    base = base.translate(_NAME_UNSAFE).strip(" .")
    if not base:
        return "未命名文件"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower()


@dataclass(frozen=True)
class Upload:
    """A file handed to the services: its name as uploaded, its bytes and the declared type.
    Views build it with `Upload.from_django(request.FILES[…])`; the API may build it directly."""

    name: str
    data: bytes
    content_type: str = ""

    @classmethod
    def from_django(cls, uploaded) -> Upload:
        """Read a Django `UploadedFile`, refusing one over the cap before reading it."""
        limit = max_upload_bytes()
        name = safe_name(uploaded.name)
        if uploaded.size is not None and uploaded.size > limit:
            raise ValidationError(_too_large(name, uploaded.size, limit))
        return cls(name, uploaded.read(limit + 1), (uploaded.content_type or "")[:100])

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _too_large(name: str, size: int, limit: int) -> str:
    return f"文件“{name}”大小为 {human_size(size)}，超过上限 {human_size(limit)}。"


def _check_upload(upload: Upload) -> None:
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(_too_large(safe_name(upload.name), upload.size, limit))
    if upload.size == 0:
        raise ValidationError(f"文件“{safe_name(upload.name)}”是空文件。")


def read_body_file(upload: Upload) -> str:
    """The text of an uploaded body (.docx/.html/.htm/.pdf/.txt), or ValidationError with a clear
    message for a file of another type, over the size cap, broken, encrypted or scanned."""
    from sanshen.engine import ExtractError, extract_bytes

    name = safe_name(upload.name)
    if _extension(name) not in BODY_EXTENSIONS:
        raise ValidationError(f"正文文件“{name}”的格式不支持：只能上传 " + "、".join(BODY_EXTENSIONS) + " 文件。")
    _check_upload(upload)
    try:
        extracted = extract_bytes(upload.data, name, max_bytes=max_upload_bytes())
    except ExtractError as exc:
        raise ValidationError(f"无法读取正文文件“{name}”：{exc}") from exc
    text = "\n".join(line.rstrip() for line in extracted.text.replace("\r\n", "\n").split("\n")).strip()
    if not text:
        raise ValidationError(f"正文文件“{name}”中没有读到文字。")
    return text


def _body_or_file(body: str, body_file: Upload | None) -> str:
    if body_file is None:
        return body  # as before: the page's form asks for text or a file; the API may send ""
    if (body or "").strip():
        raise ValidationError("正文请粘贴文字或上传文件，二者选一。")
    return read_body_file(body_file)


def _check_attachment(upload: Upload) -> list[dict]:
    """Engine findings of an attachment; a file the engine cannot read gets one low notice."""
    from sanshen.engine import ExtractError, check, extract_bytes

    def notice(message: str) -> list[dict]:
        return [
            {
                "category": "format",
                "rule": UNCHECKED_RULE,
                "severity": "low",
                "start": 0,
                "end": 0,
                "text": "",
                "message": message,
                "suggestion": None,
                "confidence": 1.0,
            }
        ]

    if _extension(upload.name) not in CHECKED_EXTENSIONS:
        return notice("该格式不能机器检查，请人工审阅附件内容。")
    try:
        extracted = extract_bytes(upload.data, safe_name(upload.name), max_bytes=max_upload_bytes())
    except ExtractError as exc:
        return notice(f"未能机器检查：{exc}。请人工审阅附件内容。")
    return [f.to_dict() for f in check(extracted)]


def _store_file(item: Item, user, upload: Upload, *, kind: str, revision: Revision | None = None) -> Attachment:
    _check_upload(upload)
    findings = _check_attachment(upload) if kind == AttachmentKind.ATTACHMENT else []
    attachment = Attachment.objects.create(
        item=item,
        revision=revision,
        kind=kind,
        name=safe_name(upload.name),
        content_type=(upload.content_type or "")[:100],
        size=upload.size,
        sha256=upload.sha256,
        data=upload.data,
        findings=findings,
        uploaded_by=user,
    )
    record(
        "review_file_upload",
        actor=user,
        obj=item,
        after={
            "attachment": attachment.pk,
            "kind": kind,
            "name": attachment.name,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "revision": revision.number if revision else None,
            "findings": len(findings),
            "vetoes": sum(1 for f in findings if f.get("severity") == "veto"),
        },
    )
    return attachment


def add_attachment(item: Item, user, upload: Upload) -> Attachment:
    """Keep `upload` as an attachment (附件) of `item`: only the drafter, while the item is a draft
    or returned. The file is checked by the engine when its format is readable; its `veto`
    findings block submission like the body's until a reviewer lets them go (`override_veto`)."""
    return add_attachments(item, user, [upload])[0]


def add_attachments(item: Item, user, uploads: list[Upload]) -> list[Attachment]:
    """Several attachments at once: all are kept, or (any file refused) none."""
    if not uploads:
        raise ValidationError("请选择要上传的附件。")
    for upload in uploads:
        _check_upload(upload)
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if user.pk != item.drafter_id:
            raise PermissionDenied("只有拟稿人可以添加附件。")
        if item.status not in (Status.DRAFT, Status.RETURNED):
            raise ValidationError(f"稿件{item.get_status_display()}，不能再添加附件。")
        return [_store_file(item, user, u, kind=AttachmentKind.ATTACHMENT) for u in uploads]


def item_files(item: Item) -> QuerySet[Attachment]:
    """The item's files without their contents (for listing), removed ones included (each with
    its `removal`, if any)."""
    return item.attachments.defer("data").select_related(
        "uploaded_by", "revision", "removal", "removal__removed_by"
    )


def may_remove_attachments(item: Item, user) -> bool:
    """The drafter, or another author of a revision, while the item is a draft or returned."""
    return (
        user is not None
        and user.is_authenticated
        and item.status in (Status.DRAFT, Status.RETURNED)
        and user.pk in _authors(item)
    )


def remove_attachment(attachment: Attachment, user, reason: str) -> AttachmentRemoval:
    """Take a wrong attachment (附件, not a body original) off its item, with a written reason.

    Only the drafter or an author of a revision, while the item is a draft or returned. Nothing
    is deleted: the file stays downloadable and in the monthly archive, marked 已移除; its
    `veto` findings no longer block submission (`attachment_vetoes` skips it). Audited.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("移除附件须写明理由。")
    if len(reason) > 200:
        raise ValidationError("移除理由不超过 200 个字。")
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=attachment.item_id)
        attachment = Attachment.objects.defer("data").get(pk=attachment.pk)
        if attachment.kind != AttachmentKind.ATTACHMENT:
            raise ValidationError("正文原件随版本保存，不能移除；请上传新的正文形成新版本。")
        if user.pk not in _authors(item):
            raise PermissionDenied("只有拟稿人或修改过稿件的人可以移除附件。")
        if item.status not in (Status.DRAFT, Status.RETURNED):
            raise ValidationError(f"稿件{item.get_status_display()}，不能移除附件。")
        if AttachmentRemoval.objects.filter(attachment=attachment).exists():
            raise ValidationError(f"附件“{attachment.name}”已被移除。")
        removal = AttachmentRemoval.objects.create(attachment=attachment, removed_by=user, reason=reason)
        record(
            "review_file_remove",
            actor=user,
            obj=item,
            after={
                "attachment": attachment.pk,
                "name": attachment.name,
                "sha256": attachment.sha256,
                "reason": reason,
                "vetoes": sum(1 for f in attachment.findings or [] if f.get("severity") == "veto"),
            },
        )
    return removal


def attachment_vetoes(item: Item) -> list[dict]:
    """`veto` findings of the item's attachments (removed ones excepted) that no override has
    let go yet, each marked with "attachment" (id) and "attachment_name"."""
    covered: set[int] = set()
    for findings in VetoOverride.objects.filter(revision__item_id=item.pk).values_list("findings", flat=True):
        covered.update(f["attachment"] for f in findings or [] if f.get("attachment"))
    out = []
    attachments = item.attachments.filter(kind=AttachmentKind.ATTACHMENT, removal__isnull=True)
    for att in attachments.only("pk", "name", "findings"):
        if att.pk in covered:
            continue
        out.extend(
            {**f, "attachment": att.pk, "attachment_name": att.name}
            for f in att.findings or []
            if f.get("severity") == "veto"
        )
    return out


def blocking_vetoes(item: Item, revision: Revision | None = None) -> list[dict]:
    """The vetoes that stop submission and approval now: the latest revision's (unless
    overridden) and the attachments' not yet let go."""
    revision = revision or item.latest_revision()
    body = [] if revision is None or revision.overrides.exists() else revision.veto_findings
    return body + attachment_vetoes(item)


def visible_file(user, pk: int) -> Attachment | None:
    """The file `pk` if `user` may see its item (`visible_items`), else None."""
    return Attachment.objects.filter(pk=pk, item__in=visible_items(user).values("pk")).select_related("item").first()


def record_download(attachment: Attachment, user) -> None:
    record(
        "review_file_download",
        actor=user,
        obj=attachment.item,
        after={
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "name": attachment.name,
            "sha256": attachment.sha256,
        },
    )


# Channels (发布渠道) --------------------------------------------------------------------------

CHANNEL_KINDS = {"site": "网站", "newmedia": "新媒体"}
MAX_CHANNELS = 20
CHANNEL_FIELD_MAX = 100
_PREFIXES = {"网站": "site", "新媒体": "newmedia"}


def require_channels() -> bool:
    """Whether submission needs at least one channel: `SANSHEN_REVIEW_REQUIRE_CHANNELS`."""
    return bool(getattr(settings, "SANSHEN_REVIEW_REQUIRE_CHANNELS", False))


def _channel(kind: str, name: str, column: str, where: str) -> dict:
    name, column = (name or "").strip(), (column or "").strip()
    if kind not in CHANNEL_KINDS:
        raise ValidationError(f"{where}：渠道类型只能是“网站”或“新媒体”。")
    if not name:
        raise ValidationError(f"{where}：请填写{CHANNEL_KINDS[kind]}名称。")
    if kind == "site" and not column:
        raise ValidationError(f"{where}：网站须写明栏目，格式为“网站名称/栏目”。")
    if len(name) > CHANNEL_FIELD_MAX or len(column) > CHANNEL_FIELD_MAX:
        raise ValidationError(f"{where}：名称和栏目各不超过 {CHANNEL_FIELD_MAX} 个字。")
    return {"kind": kind, "name": name, "column": column}


def parse_channels(text: str) -> list[dict]:
    """Channels from text, one a line: “网站名称/栏目” (or “网站：名称/栏目”) for a website,
    “新媒体：账号名称” (optionally “/栏目”) for a new-media account. Blank lines are skipped,
    repeats dropped; ValidationError lists every bad line."""
    channels, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        kind = "site"
        for prefix, k in _PREFIXES.items():
            for colon in ("：", ":"):
                if line.startswith(prefix + colon):
                    kind, line = k, line[len(prefix) + 1 :].strip()
        name, _, column = line.replace("／", "/").partition("/")
        try:
            channels.append(_channel(kind, name, column, f"第{number}行“{raw.strip()}”"))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return _dedupe(channels)


def _dedupe(channels: list[dict]) -> list[dict]:
    seen, out = set(), []
    for ch in channels:
        key = (ch["kind"], ch["name"], ch["column"])
        if key not in seen:
            seen.add(key)
            out.append(ch)
    if len(out) > MAX_CHANNELS:
        raise ValidationError(f"发布渠道最多 {MAX_CHANNELS} 个。")
    return out


def _channel_id(value, label: str, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise ValidationError(f"{where}：{label}须是正整数。")
    return value


def clean_channels(
    channels: list[dict] | str | None, unit: Unit | None = None, *, keep: list[dict] | None = None
) -> list[dict]:
    """Validated channels from a list of {"kind", "name", "column", "site_id", "column_id"}
    dicts (the API's form) or from the text `parse_channels` reads; None or empty gives [].

    With `unit` (the item's unit), website channels are resolved against the site registry
    (`channel_sites`): a named site gains `site_id`, a registered column of it `column_id` (an
    unregistered column stays text only); an unknown site name is refused with the names that
    are registered, unless the unit has no registered site at all (then any name is accepted
    as text). `site_id`/`column_id` given in a dict must be a site the unit may use and a column
    of that site; a missing name or column is filled from the registry. `keep` (the item's
    current channels): an entry with the same kind, name and column as one of them, and no ids
    given, stays as stored, so an old item's channels keep working whatever the registry says.
    """
    if channels is None:
        return []
    if isinstance(channels, str):
        entries = [(f"“{channel_label(ch)}”", ch, None, None) for ch in parse_channels(channels)]
    else:
        entries = _channel_entries(channels)
    if any(site_id or column_id for _, _, site_id, column_id in entries) and unit is None:
        raise ValidationError("指明网站编号或栏目编号时须确定稿件所属单位。")
    if unit is None:
        return _dedupe([ch for _, ch, _, _ in entries])
    registry = {site.pk: site for site in channel_sites(unit)}
    kept = {_channel_key(ch): ch for ch in keep or [] if isinstance(ch, dict)}
    out, errors, unknown = [], [], []
    for where, ch, site_id, column_id in entries:
        try:
            if site_id or column_id:
                out.append(_channel_by_id(ch, site_id, column_id, registry, where))
            elif _channel_key(ch) in kept:
                out.append(kept[_channel_key(ch)])
            elif ch["kind"] == "site" and registry:
                resolved = _channel_by_name(ch, registry)
                if resolved is None:
                    unknown.append(ch["name"])
                else:
                    out.append(resolved)
            else:
                out.append(ch)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if unknown:
        names = "、".join(dict.fromkeys(site.name for site in registry.values()))
        errors.extend(f"网站“{name}”未在网站登记中，可选：{names}。" for name in dict.fromkeys(unknown))
    if errors:
        raise ValidationError(errors)
    return _dedupe(out)


def _channel_key(ch: dict) -> tuple:
    return (ch.get("kind"), ch.get("name"), ch.get("column") or "")


def _channel_entries(channels) -> list[tuple[str, dict, int | None, int | None]]:
    """(where, {"kind", "name", "column"}, site_id, column_id) of each dict, syntax checked."""
    if not isinstance(channels, list | tuple):
        raise ValidationError("发布渠道格式不正确。")
    out, errors = [], []
    for number, ch in enumerate(channels, 1):
        where = f"第{number}个发布渠道"
        if not isinstance(ch, dict):
            errors.append(f"{where}格式不正确。")
            continue
        try:
            kind, name, column = ch.get("kind", "site"), ch.get("name", ""), ch.get("column", "")
            if not isinstance(kind, str):
                raise ValidationError(f"{where}：渠道类型只能是“网站”或“新媒体”。")
            if not isinstance(name or "", str) or not isinstance(column or "", str):
                raise ValidationError(f"{where}：名称和栏目须是文字。")
            site_id = _channel_id(ch.get("site_id"), "网站编号", where)
            column_id = _channel_id(ch.get("column_id"), "栏目编号", where)
            if (site_id or column_id) and kind != "site":
                raise ValidationError(f"{where}：新媒体账号不能填写网站编号或栏目编号。")
            if site_id or column_id:
                # Name and column may come from the registry: checked once resolved.
                out.append((where, {"kind": kind, "name": name or "", "column": column or ""}, site_id, column_id))
            else:
                out.append((where, _channel(kind, name or "", column or "", where), None, None))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return out


def _channel_by_id(ch: dict, site_id: int | None, column_id: int | None, registry: dict, where: str) -> dict:
    from sanshen.sites.models import Column

    column = None
    if column_id:
        column = Column.objects.filter(pk=column_id).first()
        if column is None or (site_id and column.site_id != site_id):
            raise ValidationError(f"{where}：栏目编号 {column_id} 不是所选网站的栏目。")
        site_id = site_id or column.site_id
    site = registry.get(site_id)
    if site is None:
        raise ValidationError(f"{where}：网站编号 {site_id} 不是本单位或上级单位登记的网站。")
    name = ch["name"].strip() or site.name
    if name != site.name:
        raise ValidationError(f"{where}：网站编号 {site.pk} 是“{site.name}”，与名称“{name}”不符。")
    text = ch["column"].strip()
    if column is not None:
        text = text or column.name
        if text != column.name:
            raise ValidationError(f"{where}：栏目编号 {column.pk} 是“{column.name}”，与栏目“{text}”不符。")
    out = _channel("site", name, text, where)
    out["site_id"] = site.pk
    if column is not None:
        out["column_id"] = column.pk
    return out


def _channel_by_name(ch: dict, registry: dict) -> dict | None:
    """The entry with the ids of the site it names (the nearest unit's first) and of its column
    when registered; None when no site of that name is registered for the unit."""
    sites = sorted((s for s in registry.values() if s.name == ch["name"]), key=lambda s: (-s.unit.depth, s.pk))
    if not sites:
        return None
    site = sites[0]
    out = {**ch, "site_id": site.pk}
    column_id = site.columns.filter(name=ch["column"]).order_by("pk").values_list("pk", flat=True).first()
    if column_id is not None:
        out["column_id"] = column_id
    return out


def channel_sites(unit: Unit) -> QuerySet:
    """The registered (active) websites an item of `unit` may name as a channel: those of the
    unit and of the units above it (a county portal often carries its departments' news)."""
    from sanshen.sites.models import Site

    if unit is None or not unit.path:
        return Site.objects.none()
    paths = unit.ancestor_paths(include_self=True)
    return (
        Site.objects.filter(unit__path__in=paths, is_active=True)
        .select_related("unit")
        .order_by("unit__path", "name", "pk")
    )


MAX_SUGGESTIONS = 500


def channel_suggestions(units) -> list[str]:
    """“网站名称/栏目” lines of the registered sites and columns the given units may use (for
    the form's datalist); a site without a registered column gives “网站名称/”."""
    from sanshen.sites.models import Column

    sites: dict[int, object] = {}
    for unit in units:
        for site in channel_sites(unit):
            sites.setdefault(site.pk, site)
    columns: dict[int, list[str]] = {pk: [] for pk in sites}
    for site_id, name in (
        Column.objects.filter(site_id__in=list(sites)).order_by("site_id", "name", "pk").values_list("site_id", "name")
    ):
        name = (name or "").strip()
        if name and len(name) <= CHANNEL_FIELD_MAX and name not in columns[site_id]:
            columns[site_id].append(name)
    out: dict[str, None] = {}
    for site in sites.values():
        if len(site.name) <= CHANNEL_FIELD_MAX:
            out.update(dict.fromkeys([f"{site.name}/{c}" for c in columns[site.pk]] or [f"{site.name}/"]))
    return list(out)[:MAX_SUGGESTIONS]


def channel_label(ch: dict) -> str:
    """“新媒体：账号” / “网站名称/栏目”: the line `parse_channels` reads back."""
    text = ch.get("name", "") + (f"/{ch['column']}" if ch.get("column") else "")
    return f"新媒体：{text}" if ch.get("kind") == "newmedia" else text


def channels_text(channels: list[dict] | None, sep: str = "\n") -> str:
    return sep.join(channel_label(ch) for ch in channels or [])


def _change_channels(item: Item, user, channels: list[dict]) -> None:
    if user.pk != item.drafter_id:
        raise PermissionDenied("只有拟稿人可以修改发布渠道。")
    if item.status not in (Status.DRAFT, Status.RETURNED):
        raise ValidationError(f"稿件{item.get_status_display()}，不能修改发布渠道。")
    item.channels = channels
    item.save()  # Item is tracked: the audit entry records the old and new channels


def set_channels(item: Item, user, channels: list[dict] | str) -> Item:
    """Replace the item's channels (drafter only, while draft/returned)."""
    cleaned = clean_channels(channels, unit=item.unit, keep=item.channels)
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        _change_channels(item, user, cleaned)
    return item


def override_veto(item: Item, user, reason: str) -> VetoOverride:
    """A reviewer lets the latest revision go forward despite its `veto` findings."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("放行否决项必须写明理由。")
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        revision = item.latest_revision()
        # The body's vetoes and those of attachments not yet let go (an override names them).
        vetoes = revision.veto_findings + attachment_vetoes(item)
        if not vetoes:
            raise ValidationError("当前版本没有否决项，无需放行。")
        if user.pk in _authors(item):
            raise PermissionDenied("拟稿人或修改人不能放行自己稿件的否决项。")
        if not has_role(user, item.unit, *REVIEWER_ROLES, inherited=True):
            raise PermissionDenied("只有审核人员可以放行否决项。")
        override = VetoOverride.objects.create(revision=revision, user=user, reason=reason, findings=vetoes)
        after = {"revision": revision.number, "reason": reason, "rules": [f["rule"] for f in vetoes]}
        attachment_ids = sorted({f["attachment"] for f in vetoes if f.get("attachment")})
        if attachment_ids:
            after["attachments"] = attachment_ids
        record("review_override", actor=user, obj=item, after=after)
    return override


def _override_reason(revision: Revision) -> str:
    reasons = list(revision.overrides.values_list("reason", flat=True))
    # Overrides made on an earlier revision for an attachment's vetoes still apply to that file.
    for o in VetoOverride.objects.filter(revision__item_id=revision.item_id).exclude(revision=revision):
        if any(f.get("attachment") for f in o.findings) and o.reason not in reasons:
            reasons.append(o.reason)
    return "；".join(reasons)


# Routes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStep:
    order: int
    kind: str
    label: str
    group: str
    role: str
    unit: Unit
    deadline_hours: int


def _district(unit: Unit) -> Unit:
    """The nearest 县/区 at or above `unit`; the top unit when there is none."""
    chain = list(unit.ancestors(include_self=True).order_by("-depth"))
    for u in chain:
        if u.kind == Unit.Kind.COUNTY:
            return u
    return chain[-1]


def _top(unit: Unit) -> Unit:
    return unit.ancestors(include_self=True).order_by("depth").first()


def planned_route(item: Item) -> list[PlannedStep]:
    """The steps the item's route template gives for its category, importance and topics."""
    template = RouteTemplate.objects.filter(category=item.category, is_active=True).first()
    if template is None and not RouteTemplate.objects.exists():
        seed_default_routes(RouteTemplate, RouteStepTemplate)
        template = RouteTemplate.objects.filter(category=item.category, is_active=True).first()
    if template is None:
        raise ValidationError(f"“{item.get_category_display()}”没有启用的审核流程，请联系监管员配置。")
    rank = IMPORTANCE_RANK[item.importance]
    planned: list[PlannedStep] = []
    for st in template.steps.prefetch_related("joint_units").order_by("order", "id"):
        if st.min_importance and rank < IMPORTANCE_RANK[st.min_importance]:
            continue
        if st.topics and not set(st.topics) & set(item.topics):
            continue
        label = st.label or st.get_kind_display()
        # Template orders are scaled by 100 so that the levels of a multi-level secrecy review
        # fit between a template step and the next.
        order = st.order * 100
        if st.scope == Scope.JOINT:
            units = {u.pk: u for u in st.joint_units.all()}
            units.update({u.pk: u for u in item.joint_units.all()})
            if not units:
                raise ValidationError("该稿件须会审，请先指定会审部门。")
            for u in sorted(units.values(), key=lambda u: u.path):
                planned.append(
                    PlannedStep(order, st.kind, f"{label}（{u.name}）", label, st.role, u, st.deadline_hours)
                )
            continue
        unit = {Scope.ITEM: item.unit, Scope.DISTRICT: _district(item.unit), Scope.TOP: _top(item.unit)}[st.scope]
        if st.kind == StepKind.SECRECY:
            count = secrecy_step_count(template)
            for level in range(count):
                name = label if count == 1 else f"{label}（第{level + 1}级）"
                planned.append(PlannedStep(order + level, st.kind, name, "", st.role, unit, st.deadline_hours))
            continue
        planned.append(PlannedStep(order, st.kind, label, "", st.role, unit, st.deadline_hours))
    return sorted(planned, key=lambda p: p.order)


def build_route(item: Item) -> list[ReviewStep]:
    """Create the steps of a new review round for `item` and open the first ones."""
    planned = planned_route(item)
    if not planned:
        raise ValidationError("审核流程没有任何环节。")
    item.round += 1
    item.save(update_fields=["round", "updated_at"])
    steps = [
        ReviewStep.objects.create(
            item=item,
            round=item.round,
            order=p.order,
            kind=p.kind,
            label=p.label,
            group=p.group,
            role=p.role,
            unit=p.unit,
            deadline_hours=p.deadline_hours,
        )
        for p in planned
    ]
    _open_next(item)
    return steps


def _round_steps(item: Item) -> QuerySet[ReviewStep]:
    return ReviewStep.objects.filter(item=item, round=item.round)


def current_steps(item: Item) -> list[ReviewStep]:
    """The steps awaiting a decision now: the pending steps of the lowest open order."""
    if item.status != Status.IN_REVIEW:
        return []
    pending = _round_steps(item).filter(state=StepState.PENDING).order_by("order", "id")
    first = pending.first()
    return [] if first is None else list(pending.filter(order=first.order))


def _open_next(item: Item) -> None:
    now = timezone.now()
    for step in current_steps(item):
        if step.deadline is None:
            step.deadline = now + dt.timedelta(hours=step.deadline_hours)
            step.save(update_fields=["deadline"])


def submit(item: Item, user) -> list[ReviewStep]:
    """The drafter sends a draft (or a returned item) into review."""
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if user.pk != item.drafter_id:
            raise PermissionDenied("只有拟稿人可以提交审核。")
        if item.status not in (Status.DRAFT, Status.RETURNED):
            raise ValidationError(f"稿件{item.get_status_display()}，不能提交审核。")
        revision = item.latest_revision()
        if item.status == Status.RETURNED:
            last_return = item.decisions.filter(action=Action.RETURN).order_by("-created_at", "-id").first()
            if last_return is not None and revision.number <= last_return.revision_number:
                raise ValidationError("稿件被退回后须修改形成新版本，才能再次提交。")
        if revision.veto_findings and not revision.overrides.exists():
            raise ValidationError(
                f"当前版本有 {len(revision.veto_findings)} 处否决项，须修改或由审核人员写明理由放行后才能提交。"
            )
        pending = attachment_vetoes(item)
        if pending:
            names = "、".join(dict.fromkeys(f"《{f['attachment_name']}》" for f in pending))
            raise ValidationError(f"附件{names}有 {len(pending)} 处否决项，须由审核人员写明理由放行后才能提交。")
        if require_channels() and not item.channels:
            raise ValidationError("提交审核前须填写至少一个发布渠道。")
        before = item.status
        item.status = Status.IN_REVIEW
        item.save()
        steps = build_route(item)
        record(
            "review_submit",
            actor=user,
            obj=item,
            before={"status": before},
            after={"status": item.status, "round": item.round, "revision": revision.number, "steps": len(steps)},
        )
    return steps


# Deciding -----------------------------------------------------------------------------------


def _holds(step: ReviewStep, user) -> bool:
    if step.assignee_id is not None:
        return step.assignee_id == user.pk
    return has_role(user, step.unit, step.role)


def _eligible(step: ReviewStep, user, now: dt.datetime | None = None) -> tuple[bool, int | None]:
    """(may decide, id of the delegating user or None)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False, None
    if _holds(step, user):
        return True, None
    now = now or timezone.now()
    for delegation in Delegation.objects.filter(to_user=user, start__lte=now, end__gt=now).select_related("from_user"):
        if delegation.from_user.is_active and _holds(step, delegation.from_user):
            return True, delegation.from_user_id
    return False, None


def can_decide(step: ReviewStep, user) -> bool:
    return (
        step.state == StepState.PENDING
        and step in current_steps(step.item)
        and _eligible(step, user)[0]
        and user.pk not in _authors(step.item)
    )


def _state(step: ReviewStep, item: Item) -> dict:
    return {"step_state": step.state, "item_status": item.status, "opinion": step.opinion}


def decide(
    step: ReviewStep,
    user,
    action: str,
    opinion: str = "",
    revision: Revision | int | None = None,
    *,
    proofread: bool = False,
    back_to: int | None = None,
) -> Decision:
    """Record `user`'s decision on `step`. `back_to` (an earlier step's order) makes 退回 reopen
    the route from that step instead of going back to the drafter."""
    if action not in Action.values:
        raise ValidationError("未知的审核决定。")
    opinion = (opinion or "").strip()
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=step.item_id)
        step = ReviewStep.objects.select_for_update().get(pk=step.pk)
        if item.status != Status.IN_REVIEW or step.round != item.round:
            raise ValidationError("该稿件当前不在审核中。")
        if step.state != StepState.PENDING or step.pk not in {s.pk for s in current_steps(item)}:
            raise ValidationError("该环节当前不可审核（尚未轮到或已办结）。")
        ok, delegator = _eligible(step, user)
        if not ok:
            raise PermissionDenied("您不是该环节的审核人。")
        if {user.pk, delegator} & _authors(item):
            raise PermissionDenied("拟稿人或修改过稿件的人不能审核该稿件（也不能委托他人审核）。")
        latest = item.latest_revision()
        number = revision.number if isinstance(revision, Revision) else (revision or latest.number)
        if isinstance(revision, Revision) and revision.item_id != item.pk:
            raise ValidationError("版本不属于该稿件。")
        if action == Action.APPROVE:
            if number != latest.number:
                raise ValidationError(f"稿件已有新版本（第{latest.number}版），请校对最新版本后再审核。")
            if not proofread:
                raise ValidationError("通过前须确认已校对当前版本（三校）。")
            if blocking_vetoes(item, latest):
                raise ValidationError("当前版本有未放行的否决项，不能通过。")
        elif not opinion:
            raise ValidationError("退回或驳回须填写审核意见。")
        if back_to is not None:
            if action != Action.RETURN:
                raise ValidationError("只有退回可以指定退回环节。")
            if not _round_steps(item).filter(order=back_to, order__lt=step.order).exists():
                raise ValidationError("只能退回到本轮之前的环节。")

        before = _state(step, item)
        now = timezone.now()
        decision = Decision.objects.create(
            item=item,
            step=step,
            user=user,
            delegated_from_id=delegator,
            action=action,
            opinion=opinion,
            revision_number=number,
            proofread=bool(proofread),
            override_reason=_override_reason(latest) if action == Action.APPROVE else "",
            back_to_order=back_to,
        )
        step.decided_by = user
        step.decided_at = now
        step.opinion = opinion
        step.delegated_from_id = delegator
        step.proofread = bool(proofread)
        step.revision = latest if number == latest.number else item.revisions.filter(number=number).first()
        if action == Action.APPROVE:
            step.state = StepState.PASSED
            step.save()
            if not _round_steps(item).filter(state=StepState.PENDING).exists():
                item.status = Status.APPROVED
                item.save()
            else:
                _open_next(item)
        elif action == Action.REJECT:
            step.state = StepState.REJECTED
            step.save()
            item.status = Status.REJECTED
            item.save()
        elif back_to is None:
            step.state = StepState.RETURNED
            step.save()
            item.status = Status.RETURNED
            item.save()
        else:
            step.state = StepState.RETURNED
            step.save()
            # The steps from `back_to` on are done again; their earlier decisions stay on record
            # (Decision rows, and the review_skip audit entry of a step that had been skipped:
            # pending again, it loses its skip reason and 跳过人 so that nothing stale remains).
            _round_steps(item).filter(order__gte=back_to).update(
                state=StepState.PENDING,
                decided_by=None,
                decided_at=None,
                skip_reason="",
                opinion="",
                revision=None,
                proofread=False,
                delegated_from=None,
                deadline=None,
            )
            _open_next(item)
        record(
            "review_decision",
            actor=user,
            obj=decision,
            unit=item.unit_id,
            before=before,
            after={
                **_state(step, item),
                "action": action,
                "revision": number,
                "proofread": bool(proofread),
                "delegated_from": delegator,
                "override_reason": decision.override_reason,
                "back_to": back_to,
            },
        )
    return decision


# Deadlines ----------------------------------------------------------------------------------


def overdue_steps(now: dt.datetime | None = None, queryset: QuerySet[ReviewStep] | None = None) -> QuerySet[ReviewStep]:
    """Open steps of items in review whose deadline has passed."""
    from django.db.models import F

    qs = ReviewStep.objects.all() if queryset is None else queryset
    return qs.filter(
        state=StepState.PENDING,
        deadline__lt=now or timezone.now(),
        item__status=Status.IN_REVIEW,
        round=F("item__round"),
    )


# Diff ---------------------------------------------------------------------------------------


def diff_revisions(old: Revision, new: Revision) -> dict:
    """Structured differences between two revisions: line hunks, each replaced line pair with
    character-level changes (Chinese text has no spaces to split words on)."""
    if old.item_id != new.item_id:
        raise ValidationError("只能比较同一稿件的版本。")
    a, b = old.body.splitlines(), new.body.splitlines()
    hunks = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        hunk = {
            "tag": tag,
            "old_start": i1 + 1,
            "old_end": i2,
            "new_start": j1 + 1,
            "new_end": j2,
            "old_lines": a[i1:i2],
            "new_lines": b[j1:j2],
        }
        if tag == "replace" and i2 - i1 == j2 - j1:
            hunk["inline"] = [_char_ops(x, y) for x, y in zip(a[i1:i2], b[j1:j2], strict=True)]
        hunks.append(hunk)
    return {
        "old": old.number,
        "new": new.number,
        "title": None if old.title == new.title else {"old": old.title, "new": new.title},
        "hunks": hunks,
    }


def _char_ops(x: str, y: str) -> list[dict]:
    return [
        {"tag": tag, "old": x[i1:i2], "new": y[j1:j2]}
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
    ]
