"""`/api/v1/items`: a CMS creates items and reads the review record; reviewers decide; the 审核表 downloads.

Who acts:
- With a unit's system token (`Authorization: Bearer`, a token without a user, for a CMS), an
  item is created in the token's unit and its drafter is the user who created the token (the
  unit's 网站管理员 answers for what the CMS sends in). That user must still be active and hold a
  role in the unit. A system token sees the items of its unit and of the units below it. It
  belongs to a unit, not a person, so it cannot decide a review step (403).
- With a reviewer's personal token (a token with a user), the call acts as that user: the user
  must still be active (otherwise 401) and still hold a role in the token's unit (otherwise 403).
  It sees what `services.visible_items(user)` gives, creates items as that user's drafts in the
  token's unit, and decides through `services.decide` exactly as the web page does: only a step
  the user (or someone who delegated to them) may decide, never as an author, 通过 only on the
  latest revision with `proofread`, 退回/驳回 with an opinion; unreleased veto findings need a
  reviewer's `override_reason` (recorded through `services.override_veto`) before 通过.
- A signed-in browser session (with the X-CSRFToken header) acts as the signed-in user, like a
  personal token.
Anything out of sight is 404; bad input is 400 with a Chinese `detail`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError
from ninja.responses import Status
from pydantic import ValidationError as PydanticError

from sanshen.api.models import ApiToken
from sanshen.api.schemas import ErrorOut, FindingOut
from sanshen.units.models import Unit, User
from sanshen.units.services import has_role, units_with_role

from . import services
from .downloads import DOCX_TYPE, form_docx, form_pdf
from .formdoc import FormRenderError
from .models import Action, Category, Importance, Item, Source, Topic

router = Router(tags=["审核"])

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
CategoryName = Literal[tuple(Category.values)]  # type: ignore[valid-type]
ImportanceName = Literal[tuple(Importance.values)]  # type: ignore[valid-type]
TopicName = Literal[tuple(Topic.values)]  # type: ignore[valid-type]
SourceName = Literal[tuple(Source.values)]  # type: ignore[valid-type]
ActionName = Literal[tuple(Action.values)]  # type: ignore[valid-type]


class ChannelIn(Schema):
    kind: Literal["site", "newmedia"] = Field(description="site 政府网站、newmedia 政务新媒体")
    name: str = Field(
        "",
        max_length=100,
        description="网站或新媒体账号名称（网站须是本单位或上级单位在网站登记中的网站；给出 site_id 时可省略）",
    )
    column: str = Field("", max_length=100, description="栏目（网站必填；给出 column_id 时可省略）")
    site_id: Id | None = Field(None, description="网站登记中的网站编号（仅 kind=site）：本单位或上级单位的网站")
    column_id: Id | None = Field(None, description="网站登记中的栏目编号（仅 kind=site）：须属于该网站")


class ItemIn(Schema):
    title: str = Field(min_length=1, max_length=300, description="标题")
    body: str = Field(max_length=500_000, description="正文（纯文本）")
    category: CategoryName = Field(description="信息类别：" + "、".join(f"{v} {lbl}" for v, lbl in Category.choices))
    importance: ImportanceName = Field("normal", description="重要程度：normal 一般、major 重大、critical 特重大")
    topics: list[TopicName] = Field(default_factory=list, max_length=10, description="涉及事项（决定是否会审）")
    joint_unit_ids: list[Id] = Field(default_factory=list, max_length=50, description="会审部门的单位编号")
    source: SourceName = Field("original", description="original 原创、reprint 转载")
    source_name: str = Field("", max_length=200, description="转载时的来源名称")
    source_url: str = Field("", max_length=500, description="转载时的来源网址")
    planned_at: dt.datetime | None = Field(None, description="计划发布时间")
    channels: list[ChannelIn] = Field(default_factory=list, max_length=20, description="拟发布渠道")
    unit_id: Id | None = Field(None, description="仅浏览器会话使用：稿件所属单位；令牌调用时总是令牌所属单位")
    submit: bool = Field(False, description="创建后立即提交审核（有未放行的否决项时保持草稿，见 submit_error）")


class DecisionIn(Schema):
    action: ActionName = Field(description="approve 通过、return 退回、reject 驳回")
    opinion: str = Field("", max_length=5000, description="审核意见（退回、驳回必填）")
    proofread: bool = Field(False, description="已校对当前版本（通过时必须为 true）")
    revision: Id | None = Field(None, description="审核的版本号；缺省为最新版本")
    step_id: Id | None = Field(None, description="环节编号；缺省为您当前可审核的唯一环节")
    back_to: Id | None = Field(None, description="退回到本轮之前的某环节（该环节的 order）；缺省退回拟稿人")
    override_reason: str = Field(
        "",
        max_length=2000,
        description="放行当前版本否决项的理由（与网页“放行否决项”相同，记入审核记录；拟稿人、修改人不能放行）",
    )


class StepOut(Schema):
    id: int
    order: int
    kind: str
    label: str
    unit: str
    state: str = Field(description="pending 待审、passed 通过、returned 退回、rejected 驳回、skipped 跳过")
    state_label: str
    deadline: dt.datetime | None
    decided_by: str | None
    decided_at: dt.datetime | None
    opinion: str
    delegated_from: str | None
    current: bool = Field(description="当前待审环节")


class ChannelOut(Schema):
    kind: str
    name: str
    column: str
    site_id: int | None = Field(None, description="网站登记中的网站编号（未登记的网站、新媒体为 null）")
    column_id: int | None = Field(None, description="网站登记中的栏目编号（栏目未登记时为 null）")


class AttachmentOut(Schema):
    id: int
    name: str
    kind: str = Field(description="original 正文原件、attachment 附件")
    size: int = Field(description="字节数")
    sha256: str
    removed: bool = Field(False, description="已由拟稿人移除（文件仍存档，不再阻止提交）")
    removed_reason: str | None = Field(None, description="移除理由")


class ItemOut(Schema):
    id: int
    title: str
    unit: str
    unit_id: int
    drafter: str
    category: str
    importance: str
    status: str = Field(description="draft in_review returned approved rejected published withdrawn")
    status_label: str
    round: int
    revision: int | None = Field(description="最新版本号")
    findings: list[FindingOut] = Field(description="最新版本的机器检查结果")
    steps: list[StepOut] = Field(description="本轮审核路线")
    channels: list[ChannelOut] = Field(description="拟发布渠道")
    attachments: list[AttachmentOut] = Field(description="稿件文件（正文原件与附件）")
    submit_error: str | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


def _message(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, PermissionDenied):
        return str(exc) or "无权进行该操作"
    return "；".join(exc.messages) or "请求无效"


def _id_or_none(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _not_found() -> JsonResponse:
    return _error("未找到该稿件", 404)


def _token(request: HttpRequest) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def _token_user(token: ApiToken):
    """The user a personal token acts as, loaded fresh; None for a system token."""
    if token.user_id is None:
        return None
    user = User.objects.filter(pk=token.user_id, is_active=True).first()
    if user is None:
        # Disabled since the token was looked up (another process may remember it a few seconds).
        raise AuthenticationError()
    if not has_role(user, token.unit_id):
        raise PermissionDenied("您在该令牌所属单位已没有任何角色，个人令牌不能再使用；请在您任职的单位重新创建。")
    return user


def _user(request: HttpRequest):
    """The user the call acts as: the session's or the personal token's; None for a system token."""
    token = _token(request)
    return request.auth if token is None else _token_user(token)


def _items(request: HttpRequest) -> QuerySet[Item]:
    token = _token(request)
    user = _user(request)
    if user is not None:
        return services.visible_items(user)
    unit = Unit.objects.filter(pk=token.unit_id, is_active=True).first()
    if unit is None:
        return Item.objects.none()
    return Item.objects.filter(unit__path__startswith=unit.path)


def _find(request: HttpRequest, item_id: int) -> Item | None:
    if not 1 <= item_id <= 2**31 - 1:
        return None
    return _items(request).select_related("unit", "drafter").filter(pk=item_id).first()



def _name(user) -> str | None:
    return None if user is None else str(user)


def item_out(item: Item, submit_error: str | None = None) -> dict:
    revision = item.latest_revision()
    current = {s.pk for s in services.current_steps(item)}
    steps = (
        item.steps.filter(round=item.round)
        .select_related("unit", "decided_by", "delegated_from")
        .order_by("order", "id")
    )
    return {
        "id": item.pk,
        "title": item.title,
        "unit": item.unit.name,
        "unit_id": item.unit_id,
        "drafter": str(item.drafter),
        "category": item.category,
        "importance": item.importance,
        "status": item.status,
        "status_label": item.get_status_display(),
        "round": item.round,
        "revision": revision.number if revision else None,
        "findings": revision.findings if revision else [],
        "channels": [
            {
                "kind": str(c.get("kind", "")),
                "name": str(c.get("name", "")),
                "column": str(c.get("column", "")),
                "site_id": _id_or_none(c.get("site_id")),
                "column_id": _id_or_none(c.get("column_id")),
            }
            for c in (item.channels or [])
            if isinstance(c, dict)
        ],
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "kind": a.kind,
                "size": a.size,
                "sha256": a.sha256,
                "removed": getattr(a, "removal", None) is not None,
                "removed_reason": getattr(getattr(a, "removal", None), "reason", None),
            }
            for a in item.attachments.select_related("removal")
            .order_by("uploaded_at", "id")
            .only("id", "name", "kind", "size", "sha256", "removal__reason")
        ],
        "steps": [
            {
                "id": s.pk,
                "order": s.order,
                "kind": s.kind,
                "label": s.label,
                "unit": s.unit.name,
                "state": s.state,
                "state_label": s.get_state_display(),
                "deadline": s.deadline,
                "decided_by": _name(s.decided_by),
                "decided_at": s.decided_at,
                "opinion": s.opinion,
                "delegated_from": _name(s.delegated_from),
                "current": s.pk in current,
            }
            for s in steps
        ],
        "submit_error": submit_error,
    }


def _parse(request: HttpRequest, schema: type[Schema]):
    """The JSON body as `schema`, or an error response (ninja's own messages are not in Chinese)."""
    from sanshen.api.api import _validation_message

    if (request.content_type or "") != "application/json":
        return None, _error("请求体应为 application/json", 415)
    try:
        return schema.model_validate_json(request.body), None
    except PydanticError as exc:
        return None, _error(_validation_message(exc), 400)


def _body(schema: type[Schema]) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


def _has_nul(*values: str) -> bool:
    return any("\x00" in v for v in values)


def _drafter_and_unit(request: HttpRequest, unit_id: int | None):
    token = _token(request)
    if token is not None and token.user_id is not None:
        user = _token_user(token)
        return user, Unit.objects.get(pk=token.unit_id)
    if token is not None:
        row = ApiToken.objects.select_related("created_by", "unit").filter(pk=token.pk).first()
        user = row.created_by if row else None
        if user is None or not user.is_active:
            raise PermissionDenied("该令牌的创建人已不存在或已停用，不能以其名义拟稿；请重新创建令牌。")
        return user, row.unit
    user = request.auth
    if unit_id is None:
        units = list(units_with_role(user)[:2])
        if len(units) != 1:
            raise ValidationError("请用 unit_id 指明稿件所属单位。")
        return user, units[0]
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None or not has_role(user, unit):
        raise PermissionDenied("您在该单位没有任何角色，不能拟稿。")
    return user, unit


@router.post(
    "",
    response={201: ItemOut, 415: ErrorOut, **ERRORS},
    summary="创建稿件（并可提交审核）",
    description=(
        "以令牌所属单位创建稿件。系统令牌：拟稿人记为令牌创建人；个人令牌：拟稿人为令牌所属用户。"
        "机器检查随即运行，结果见 findings；channels 为拟发布渠道。"
    ),
    operation_id="create_item",
    openapi_extra=_body(ItemIn),
)
def create_item(request: HttpRequest):
    payload, error = _parse(request, ItemIn)
    if error is not None:
        return error
    if _has_nul(payload.title, payload.body, payload.source_name, payload.source_url):
        return _error("请求无效：文本含有空字符", 400)
    planned = payload.planned_at
    try:
        if planned is not None and timezone.is_naive(planned):
            planned = timezone.make_aware(planned)
        if planned is not None:
            planned.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return _error("请求无效：planned_at：时间超出范围", 400)
    try:
        user, unit = _drafter_and_unit(request, payload.unit_id)
        joint = list(Unit.objects.filter(pk__in=payload.joint_unit_ids, is_active=True))
        if len(joint) != len(set(payload.joint_unit_ids)):
            raise ValidationError("会审部门中有不存在或已停用的单位。")
        fields = {
            "title": payload.title,
            "body": payload.body,
            "category": payload.category,
            "importance": payload.importance,
            "topics": list(dict.fromkeys(payload.topics)),
            "joint_units": joint,
            "source": payload.source,
            "source_name": payload.source_name,
            "source_url": payload.source_url,
            "planned_at": planned,
        }
        channels = [c.model_dump(exclude_none=True) for c in payload.channels]
        item = services.create_item(user, unit, channels=channels, **fields)  # validates the channels
    except (ValidationError, PermissionDenied) as exc:
        return _error(_message(exc), 403 if isinstance(exc, PermissionDenied) else 400)
    submit_error = None
    if payload.submit:
        try:
            services.submit(item, user)
        except (ValidationError, PermissionDenied) as exc:
            submit_error = _message(exc)
        item.refresh_from_db()
    return Status(201, item_out(item, submit_error))


@router.get(
    "/{item_id}",
    response={200: ItemOut, **ERRORS},
    summary="稿件状态、审核路线与机器检查结果",
    operation_id="get_item",
)
def get_item(request: HttpRequest, item_id: int):
    item = _find(request, item_id)
    if item is None:
        return _not_found()
    return Status(200, item_out(item))


@router.post(
    "/{item_id}/decisions",
    response={200: ItemOut, 415: ErrorOut, **ERRORS},
    summary="审核人作出决定（通过、退回、驳回）",
    description=(
        "以审核人本人的身份调用：个人令牌（接口令牌页面的“个人令牌（用于审核决定）”），或已登录的浏览器会话"
        "（带 X-CSRFToken）。规则与网页相同：只能审核轮到本人（或委托给本人）的环节，拟稿人和修改人不能审核，"
        "通过须校对最新版本（proofread=true），退回、驳回须填写意见；当前版本有未放行的否决项时，"
        "可用 override_reason 写明放行理由（记入审核记录）。单位系统令牌不代表个人，返回 403。"
    ),
    operation_id="decide_item",
    openapi_extra=_body(DecisionIn),
)
def decide_item(request: HttpRequest, item_id: int):
    token = _token(request)
    if token is not None and token.user_id is None:
        return _error(
            "系统令牌属于单位而非个人，不能作出审核决定；请使用审核人本人的个人令牌（用于审核决定）或登录后调用。", 403
        )
    user = _user(request)
    item = _find(request, item_id)
    if item is None:
        return _not_found()
    payload, error = _parse(request, DecisionIn)
    if error is not None:
        return error
    if _has_nul(payload.opinion, payload.override_reason):
        return _error("请求无效：审核意见含有空字符", 400)
    current = services.current_steps(item)
    if payload.step_id is not None:
        steps = [s for s in current if s.pk == payload.step_id]
        if not steps:
            return _error("该环节当前不可审核（不存在、尚未轮到或已办结）。", 400)
    else:
        steps = [s for s in current if services.can_decide(s, user)]
        if len(steps) != 1:
            message = "您当前没有可审核的环节。" if not steps else "您可审核多个环节，请用 step_id 指明。"
            return _error(message, 403 if not steps else 400)
    try:
        # The override and the decision stand or fall together.
        with transaction.atomic():
            if payload.override_reason.strip():
                services.override_veto(item, user, payload.override_reason)
            services.decide(
                steps[0],
                user,
                payload.action,
                payload.opinion,
                payload.revision,
                proofread=payload.proofread,
                back_to=payload.back_to,
            )
    except (ValidationError, PermissionDenied) as exc:
        return _error(_message(exc), 403 if isinstance(exc, PermissionDenied) else 400)
    item.refresh_from_db()
    return Status(200, item_out(item))


def _file_responses(content_type: str) -> dict:
    ok = {"description": "审核表文件", "content": {content_type: {"schema": {"type": "string", "format": "binary"}}}}
    return {"responses": {"200": ok}}


@router.get(
    "/{item_id}/form.docx",
    response={**ERRORS},
    summary="审核表（.docx）",
    operation_id="item_form_docx",
    openapi_extra=_file_responses(DOCX_TYPE),
)
def item_form_docx(request: HttpRequest, item_id: int):
    item = _find(request, item_id)
    if item is None:
        return _not_found()
    return form_docx(item)


@router.get(
    "/{item_id}/form.pdf",
    response={**ERRORS, 503: ErrorOut},
    summary="审核表（.pdf）",
    description="本机缺少 WeasyPrint 或中文字体时返回 503。",
    operation_id="item_form_pdf",
    openapi_extra=_file_responses("application/pdf"),
)
def item_form_pdf(request: HttpRequest, item_id: int):
    item = _find(request, item_id)
    if item is None:
        return _not_found()
    try:
        return form_pdf(item)
    except FormRenderError as exc:
        return _error(str(exc), 503)
