"""`/api/v1/`: the check API, its OpenAPI schema and its docs page (Swagger UI from local files).

The request body is read here rather than by ninja so that one operation can take either JSON
or a multipart upload, and so that every bad body becomes a 400 with a Chinese message.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf
from pydantic import ValidationError

from sanshen.checks.services import InputError, extract_file, extract_text, human_size, max_bytes, run_check

from . import tokens
from .ratelimit import TokenRateThrottle
from .schemas import CheckText, ErrorOut, ReportOut

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ssk_…` with a unit's API token."""

    def authenticate(self, request: HttpRequest, token: str):
        return tokens.authenticate(token.strip())


class SessionCsrfAuth(SessionAuth):
    """A signed-in browser (the platform's own pages); CSRF is checked only when a session
    is present, so that a call without any credentials gets 401, not 403."""

    def _get_key(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF 校验失败：页面内调用须带 X-CSRFToken 请求头")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


def _docs_csp(view):
    """The docs page runs under the site's strict CSP (no inline script or style is needed); the
    one relaxation: Swagger UI's stylesheet draws its icons as `data:` SVG images."""
    try:
        from csp.decorators import csp_update
    except ImportError:  # django-csp not installed: no policy to relax
        return view
    return csp_update({"img-src": ["data:"]})(view)


DESCRIPTION = """三审内容检查接口：错敏词、严重表述错误、错别字、个人隐私、涉密标志、违规广告/博彩色情、
违规链接、格式错误。

**认证**：请求头 `Authorization: Bearer <令牌>`，令牌在“接口令牌”页面创建，只在创建时显示一次。
系统令牌由本单位网站管理员创建，供 CMS 等系统调用（检查、创建稿件、查询审核记录），不能作出审核决定；
个人令牌（用于审核决定）由审核人为自己创建，以本人身份调用，审核权限与网页相同；用户停用后其个人令牌随即失效。

**限制**：每个令牌每分钟的请求次数有上限（超出返回 429，`Retry-After` 给出等待秒数）；请求体大小有上限（超出返回 413）。

**结果**：与命令行 `sanshen check --format json` 的输出完全相同；偏移量为抽取出的文本中的 Unicode 码位。
"""

api = NinjaAPI(
    title="三审 API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionCsrfAuth()],
    throttle=[TokenRateThrottle()],
    docs_url="/docs",
    docs_decorator=_docs_csp,
    openapi_url="/openapi.json",
)


def _error(request, message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = _error(request, "未认证：请在请求头 Authorization: Bearer <令牌> 中提供有效的接口令牌", 401)
    response["WWW-Authenticate"] = 'Bearer realm="sanshen"'
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, str(exc) or "无权进行该操作", 403)


@api.exception_handler(Throttled)
def _throttled(request, exc):
    return _error(request, "请求过于频繁，已超过该令牌的速率上限，请稍后再试", 429)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    return _error(request, "请求参数无效", 400)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return _error(request, f"请求过大，超过上限 {human_size(max_bytes())}", 413)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    messages = {404: "未找到", 405: "不支持该请求方法"}
    return _error(request, messages.get(exc.status_code, str(exc)), exc.status_code)


_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为字符串",
    "date_type": "应为 YYYY-MM-DD 格式的日期字符串",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "literal_error": "取值不在允许范围内",
    "model_type": "请求体应为 JSON 对象",
    "model_attributes_type": "请求体应为 JSON 对象",
    "dict_type": "请求体应为 JSON 对象",
    "json_invalid": "请求体不是有效的 JSON",
    "json_type": "请求体不是有效的 JSON",
    "string_unicode": "文本含有无效的 Unicode 字符",
}


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
        if err.get("type") == "value_error":
            what = str(err.get("ctx", {}).get("error", "")) or "取值无效"
        else:
            what = _PYDANTIC_MESSAGES.get(err.get("type", ""), "取值无效")
        parts.append(f"{where}：{what}" if where else what)
    return "请求无效：" + "；".join(parts)


def _from_json(request: HttpRequest):
    try:
        body = CheckText.model_validate_json(request.body)
    except ValidationError as exc:
        raise InputError(_validation_message(exc)) from None
    extracted = extract_text(body.text, body.format)
    return run_check(extracted, path="-", size=len(request.body), as_of=body.as_of, profile=body.profile)


def _from_upload(request: HttpRequest):
    try:
        upload = request.FILES.get("file")
        as_of, profile = request.POST.get("as_of"), request.POST.get("profile")
    except RequestDataTooBig:
        raise
    except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError, ValueError, OSError):
        raise InputError("multipart 请求体无法解析") from None
    if upload is None:
        raise InputError("请用 file 字段上传文件")
    if upload.size is not None and upload.size > max_bytes():
        raise InputError(f"文件过大：{human_size(upload.size)}，超过上限 {human_size(max_bytes())}", status=413)
    data = upload.read()
    # A browser may send a path; only the last part is a name (Django strips most of it already).
    name = (upload.name or "-").replace("\\", "/").rsplit("/", 1)[-1] or "-"
    extracted = extract_file(data, name)
    return run_check(extracted, path=name, size=len(data), as_of=as_of, profile=profile, source="file")


_JSON_SCHEMA = CheckText.model_json_schema()
_UPLOAD_SCHEMA = {
    "title": "CheckUpload",
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "文件：.txt .html .docx .pdf（.doc/.wps 需安装 LibreOffice）",
        },
        "as_of": {"type": "string", "format": "date", "description": "按此日期判断领导职务等（YYYY-MM-DD）"},
        "profile": {"type": "string", "enum": ["default", "strict", "serious"], "default": "default"},
    },
}


@api.post(
    "/check",
    response={200: ReportOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 415: ErrorOut, 429: ErrorOut},
    summary="检查一段文本或一个文件",
    description="提交 JSON（`text` 字段）或以 multipart/form-data 上传文件（`file` 字段），返回全部问题。",
    operation_id="check",
    tags=["检查"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _JSON_SCHEMA},
                "multipart/form-data": {"schema": _UPLOAD_SCHEMA},
            },
        }
    },
)
def check(request: HttpRequest):
    content_type = request.content_type or ""
    try:
        if content_type == "application/json":
            run = _from_json(request)
        elif content_type == "multipart/form-data":
            run = _from_upload(request)
        else:
            return _error(request, "请求体应为 application/json 或 multipart/form-data", 415)
    except InputError as exc:
        return _error(request, exc.message, exc.status)
    return JsonResponse(run.report(), json_dumps_params={"ensure_ascii": False})
api.add_router("/items", "sanshen.review.api.router")
