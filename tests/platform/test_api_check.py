"""POST /api/v1/check: authentication, the CLI's JSON shape, uploads, bad input, size and rate limits."""

from __future__ import annotations

import io
import json
import sys
import zipfile

import pytest

from sanshen.api import tokens
from sanshen.cli import main as cli_main
from sanshen.units.models import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/check"
LEAK = "低保公示：张建国，身份证号110101199003077571，手机13812345678。\n"
HTML = (
    "<html><head><title>县政府门户网站</title></head><body>"
    "<p>低保公示：身份证号110101199003077571。</p></body></html>"
)


pytestmark = pytest.mark.usefixtures("fresh_api")


@pytest.fixture
def admin(tree, make_user):
    return make_user("edu_admin", (tree["edu"], Role.SITE_ADMIN))


@pytest.fixture
def token(tree, admin):
    return tokens.create_token(tree["edu"], "门户网站 CMS", by=admin)


@pytest.fixture
def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token[1]}"}


def post_json(client, body, **headers):
    data = body if isinstance(body, bytes | str) else json.dumps(body, ensure_ascii=False)
    return client.post(URL, data=data, content_type="application/json", **headers)


def upload(client, name, data, fields=None, **headers):
    f = io.BytesIO(data)
    f.name = name
    return client.post(URL, data={"file": f, **(fields or {})}, **headers)


def cli_json(argv, capsys, monkeypatch, stdin: bytes | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    cli_main(["check", "--format", "json", *argv])
    return json.loads(capsys.readouterr().out)


# Authentication ------------------------------------------------------------------------------


def test_without_token_401(client):
    response = post_json(client, {"text": LEAK})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "令牌" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer ssk_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "ssk_no_scheme", "Bearer " + "x" * 5000],
)
def test_bad_token_401(client, token, header):
    assert post_json(client, {"text": LEAK}, HTTP_AUTHORIZATION=header).status_code == 401


def test_with_token_200(client, auth, token):
    response = post_json(client, {"text": LEAK}, **auth)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    result = response.json()["results"][0]
    assert result["path"] == "-" and result["chars"] == len(LEAK)
    assert {f["text"] for f in result["findings"]} >= {"110101199003077571", "13812345678"}
    token[0].refresh_from_db()
    assert token[0].last_used_at is not None


def test_revoked_token_401(client, auth, token, admin):
    assert post_json(client, {"text": "测试"}, **auth).status_code == 200
    tokens.revoke_token(token[0], by=admin)
    assert post_json(client, {"text": "测试"}, **auth).status_code == 401


def test_token_of_inactive_unit_401(client, auth, tree):
    tree["edu"].is_active = False
    tree["edu"].save()
    assert post_json(client, {"text": "测试"}, **auth).status_code == 401


def test_only_the_hash_is_stored(token):
    row, plain = token
    assert plain.startswith("ssk_") and len(plain) >= 40
    assert row.hash == tokens.hash_token(plain) and plain not in (row.hash, row.prefix, row.name)
    assert plain.startswith(row.prefix) and len(row.prefix) < len(plain) // 2


def test_session_with_csrf_works_and_without_is_refused(tree, make_user):
    from django.test import Client

    user = make_user("editor", (tree["edu"], Role.EDITOR))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert post_json(browser, {"text": LEAK}).status_code == 403
    browser.get("/api/v1/docs")  # any page that sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    response = post_json(browser, {"text": LEAK}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
    assert response.json()["results"][0]["findings"]


# The JSON shape is the command's -------------------------------------------------------------


def test_text_equals_cli_stdin(client, auth, capsys, monkeypatch):
    expected = cli_json(["-"], capsys, monkeypatch, stdin=LEAK.encode("utf-8"))
    got = post_json(client, {"text": LEAK}, **auth).json()
    assert got == expected
    assert got["results"][0]["findings"]


def test_upload_equals_cli_file(client, auth, capsys, monkeypatch, tmp_path):
    for name, data in (("公示.txt", LEAK.encode("gb18030")), ("page.html", HTML.encode("utf-8"))):
        (tmp_path / name).write_bytes(data)
        monkeypatch.chdir(tmp_path)
        expected = cli_json([name], capsys, monkeypatch)
        got = upload(client, name, data, **auth).json()
        assert got == expected, name
        assert set(got["results"][0]["findings"][0]) == {
            "category", "rule", "severity", "start", "end", "text", "message", "suggestion", "confidence"
        }


def test_as_of_and_profile_are_passed(client, auth, capsys, monkeypatch):
    text = "秘密★1年\n关于做好防汛工作的通知\n联系人：张三 13812345678\n"
    for profile in ("strict", "serious"):
        expected = cli_json(["--profile", profile, "--as-of", "2020-05-01", "-"], capsys, monkeypatch, text.encode())
        got = post_json(client, {"text": text, "as_of": "2020-05-01", "profile": profile}, **auth).json()
        assert got == expected
    form = upload(client, "a.txt", text.encode(), {"as_of": "2020-05-01", "profile": "serious"}, **auth).json()
    assert {f["rule"] for f in form["results"][0]["findings"]} == {
        f["rule"] for f in got["results"][0]["findings"]
    }


def test_html_format(client, auth):
    got = post_json(client, {"text": HTML, "format": "html"}, **auth).json()["results"][0]
    assert got["chars"] < len(HTML)  # tags are gone: offsets refer to the extracted text
    as_text = post_json(client, {"text": HTML, "format": "txt"}, **auth).json()["results"][0]
    assert as_text["chars"] == len(HTML)


def test_docx_upload(client, auth):
    docx = pytest.importorskip("docx")
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("低保公示：张建国，身份证号110101199003077571。")
    document.save(buffer)
    response = upload(client, "名单.docx", buffer.getvalue(), **auth)
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["path"] == "名单.docx"
    assert any(f["text"] == "110101199003077571" for f in result["findings"])


# Bad input: 400/413/415 with a Chinese message, never 500 --------------------------------------


def _broken_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/document.xml", "<w:document")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.docx", _broken_docx()),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj <<>> garbage"),
        ("binary.txt", bytes(range(256)) * 20),
        ("empty.txt", b""),
    ],
)
def test_broken_file_400(client, auth, name, data):
    response = upload(client, name, data, **auth)
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'"text"',
        b"{}",
        b'{"text": 5}',
        b'{"text": "a", "as_of": "2024-02-30"}',
        b'{"text": "a", "as_of": 20240101}',
        b'{"text": "a", "profile": "loose"}',
        b'{"text": "a", "format": "pdf"}',
        b'{"text": "a", "unknown": 1}',
        b'{"text": "\\ud800"}',
        b'{"text": "a\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005"}',
        "\ufeff{}".encode(),
        b"\xff\xfe",
    ],
)
def test_bad_json_400(client, auth, body):
    response = post_json(client, body, **auth)
    assert response.status_code == 400, (body, response.content)
    assert response.json()["detail"]


def test_upload_without_file_400_and_bad_fields(client, auth):
    assert client.post(URL, data={"text": "x"}, **auth).status_code == 400
    assert upload(client, "a.txt", b"abc", {"as_of": "yesterday"}, **auth).status_code == 400
    assert upload(client, "a.txt", b"abc", {"profile": "x"}, **auth).status_code == 400


def test_other_content_types_415_and_get_405(client, auth):
    response = client.post(URL, data="text=abc", content_type="application/x-www-form-urlencoded", **auth)
    assert response.status_code == 415
    assert client.post(URL, data="abc", content_type="text/plain", **auth).status_code == 415
    assert client.get(URL, **auth).status_code == 405


def test_size_limit_413(client, auth, settings):
    settings.SANSHEN_CHECK_MAX_BYTES = 1000
    big_text = "政" * 400  # 1,200 bytes of UTF-8: over the limit
    response = post_json(client, {"text": big_text}, **auth)
    assert response.status_code == 413
    assert "上限" in response.json()["detail"]
    assert upload(client, "big.txt", "政".encode() * 400, **auth).status_code == 413
    # Content-Length far over the limit is refused before the body is read.
    huge = post_json(client, {"text": "政" * 100_000}, **auth)
    assert huge.status_code == 413
    assert post_json(client, {"text": "政" * 100}, **auth).status_code == 200


def test_size_limit_before_authentication(client, settings):
    settings.SANSHEN_CHECK_MAX_BYTES = 1000
    assert post_json(client, {"text": "政" * 100_000}).status_code == 413


# Rate limit ------------------------------------------------------------------------------------


def test_rate_limit_429(client, auth, tree, admin, settings):
    settings.SANSHEN_API_RATE = "3/min"
    for _ in range(3):
        assert post_json(client, {"text": "测试"}, **auth).status_code == 200
    response = post_json(client, {"text": "测试"}, **auth)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "频繁" in response.json()["detail"]
    # Another token has its own budget.
    _, other = tokens.create_token(tree["edu"], "微信公众号后台", by=admin)
    assert post_json(client, {"text": "测试"}, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200


def test_rate_limit_off(client, auth, settings):
    settings.SANSHEN_API_RATE = "off"
    for _ in range(5):
        assert post_json(client, {"text": "测试"}, **auth).status_code == 200


def test_rate_parsing():
    from sanshen.api.ratelimit import parse_rate

    assert parse_rate("120/min") == (120, 60)
    assert parse_rate("10/s") == (10, 1)
    assert parse_rate("100/10s") == (100, 10)
    assert parse_rate("5000/hour") == (5000, 3600)
    assert parse_rate("off") is None and parse_rate("0") is None
    with pytest.raises(ValueError):
        parse_rate("lots")


def test_rate_window_resets():
    from sanshen.api.ratelimit import hit

    assert hit("test:w", 2, 60, now=120.0) is None
    assert hit("test:w", 2, 60, now=121.0) is None
    assert hit("test:w", 2, 60, now=150.0) == pytest.approx(30.0)
    assert hit("test:w", 2, 60, now=180.5) is None  # the next window


# Schema and docs ---------------------------------------------------------------------------------


def test_openapi_schema_and_local_docs(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/check"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"200", "400", "401", "413", "429"} <= set(operation["responses"])
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui-init.js" in html
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html


def test_last_used_is_written_at_most_once_a_minute(client, auth, token):
    import datetime as dt

    from sanshen.api.models import ApiToken

    post_json(client, {"text": "测试"}, **auth)
    first = ApiToken.objects.get(pk=token[0].pk).last_used_at
    post_json(client, {"text": "测试"}, **auth)
    assert ApiToken.objects.get(pk=token[0].pk).last_used_at == first
    ApiToken.objects.filter(pk=token[0].pk).update(last_used_at=first - dt.timedelta(minutes=2))
    tokens.forget_tokens()  # as when the process's remembered copy expires
    post_json(client, {"text": "测试"}, **auth)
    assert ApiToken.objects.get(pk=token[0].pk).last_used_at > first


def test_token_cache_and_revocation_elsewhere(client, auth, token, settings):
    """A revocation written by another process (here: a bare UPDATE) reaches this process when its
    remembered copy expires; with the cache off, at once."""
    import datetime as dt

    from django.utils import timezone

    from sanshen.api.models import ApiToken

    assert post_json(client, {"text": "测试"}, **auth).status_code == 200
    ApiToken.objects.filter(pk=token[0].pk).update(revoked_at=timezone.now())
    assert post_json(client, {"text": "测试"}, **auth).status_code == 200  # remembered for a few seconds
    tokens.forget_tokens()
    assert post_json(client, {"text": "测试"}, **auth).status_code == 401
    ApiToken.objects.filter(pk=token[0].pk).update(revoked_at=None)
    settings.SANSHEN_API_TOKEN_CACHE_SECONDS = 0
    assert post_json(client, {"text": "测试"}, **auth).status_code == 200
    ApiToken.objects.filter(pk=token[0].pk).update(revoked_at=timezone.now() - dt.timedelta(seconds=1))
    assert post_json(client, {"text": "测试"}, **auth).status_code == 401
