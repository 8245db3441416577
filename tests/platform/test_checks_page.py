"""The 在线检查 page: highlights, escaping, counts, masked download, audit, CSP-friendly markup."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse

from sanshen.audit.models import AuditEntry
from sanshen.units.models import Role

pytestmark = pytest.mark.django_db

ID = "110101199003077571"
HOSTILE = f'<script>alert("x")</script>低保公示：张建国，身份证号{ID}，手机13812345678。\n'


@pytest.fixture(autouse=True)
def _login_path(settings):
    settings.LOGIN_URL = "/accounts/login/"
    settings.SANSHEN_2FA_REQUIRED_ROLES = ()  # enrolment is the accounts app's tests' business


@pytest.fixture
def editor(tree, make_user, client):
    user = make_user("edu_editor", (tree["edu"], Role.EDITOR))
    client.force_login(user)
    return user


def check(client, **data):
    data.setdefault("format", "txt")
    return client.post(reverse("online-check"), data=data)


def result_text(html: str) -> str:
    return re.search(r'<div class="check-text" id="check-text">(.*?)</div>', html, re.S).group(1)


def test_login_required(client, db):
    response = client.get(reverse("online-check"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("online-check-masked"), {"text": ID}).status_code == 302


def test_form_and_nav(client, editor):
    html = client.get(reverse("online-check")).content.decode()
    assert "在线检查" in html and 'name="text"' in html and 'type="file"' in html and 'type="date"' in html
    assert f'href="{reverse("online-check")}"' in html  # left navigation


def test_highlights_escaped_and_listed(client, editor):
    response = check(client, text=HOSTILE)
    assert response.status_code == 200
    html = response.content.decode()
    # The hostile text is shown as text, never as markup.
    assert '<script>alert("x")' not in html
    shown = result_text(html)
    assert shown.startswith("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
    assert re.search(rf'<mark class="hl sev-\w+[^"]*" data-findings="\d+( \d+)*">{ID}</mark>', html)
    assert 'href="#hl-0"' in html and 'id="hl-0"' in html
    assert "个人隐私" in html and "身份证" in html  # category label and message beside the text
    assert "建议：" in html
    assert re.search(r"个人隐私 <strong>\d+</strong>", html)  # counts by category
    assert "/static/checks/check.js" in html and "/static/checks/check.css" in html
    # Strict CSP: no inline scripts, styles or handlers.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=\"", html)


def test_pasted_html_source_is_extracted(client, editor):
    page = f"<html><head><title>县政府</title></head><body><p>身份证号{ID}</p><script>var a=1;</script></body></html>"
    for fmt in ("html", ""):
        shown = result_text(check(client, text=page, format=fmt).content.decode())
        assert shown.startswith("县政府") and ID in shown and "&lt;p&gt;" not in shown


def test_clean_text(client, editor):
    html = check(client, text="县政府召开全县安全生产工作会议，部署下一阶段重点工作。").content.decode()
    assert "未发现问题" in html and "<mark" not in html


def test_file_upload_and_as_of(client, editor):
    page = f"<html><head><title>公示</title></head><body><p>ID {ID}</p></body></html>".encode()
    f = io.BytesIO(page)
    f.name = "notice.html"
    html = client.post(reverse("online-check"), {"file": f, "as_of": "2024-06-01"}).content.decode()
    assert "notice.html" in html and ID in html and "2024-06-01" in html
    assert "&lt;html&gt;" not in html  # extracted text, not the source


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请粘贴"),
        ({"text": "   "}, "请粘贴"),
    ],
)
def test_form_errors(client, editor, data, message):
    response = check(client, **data)
    assert response.status_code == 200 and message in response.content.decode()


def test_broken_and_unsupported_files(client, editor):
    broken = io.BytesIO(b"PK\x03\x04broken")
    broken.name = "a.docx"
    html = client.post(reverse("online-check"), {"file": broken}).content.decode()
    assert "errorlist" in html and "<mark" not in html
    exe = io.BytesIO(b"MZ\x90\x00")
    exe.name = "tool.exe"
    assert "不支持的文件类型" in client.post(reverse("online-check"), {"file": exe}).content.decode()
    both = io.BytesIO(b"abc")
    both.name = "a.txt"
    assert "只选一种" in client.post(reverse("online-check"), {"file": both, "text": "x"}).content.decode()


def test_too_large(client, editor, settings):
    settings.SANSHEN_CHECK_MAX_BYTES = 100
    html = check(client, text="政" * 100).content.decode()
    assert "超过上限" in html


def test_each_check_is_audited_without_the_text(client, editor):
    check(client, text=HOSTILE)
    entry = AuditEntry.objects.filter(action="content_check").get()
    assert entry.actor_id == editor.pk
    assert entry.after["via"] == "page" and entry.after["chars"] == len(HOSTILE)
    assert entry.after["bytes"] == len(HOSTILE.encode())
    assert entry.after["findings"] >= 2 and entry.after["by_category"]["privacy"] >= 2
    stored = json.dumps([entry.before, entry.after, entry.object_repr], ensure_ascii=False)
    assert ID not in stored and "张建国" not in stored


def test_masked_download(client, editor):
    html = check(client, text=HOSTILE).content.decode()
    assert reverse("online-check-masked") in html and "下载脱敏文本" in html
    hidden = re.search(r'<textarea name="text" hidden[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert "&lt;script&gt;" in hidden  # the text travels escaped inside the page
    response = client.post(reverse("online-check-masked"), {"text": HOSTILE.replace("\n", "\r\n"), "name": "公示.txt"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "attachment" in response["Content-Disposition"] and "filename*=" in response["Content-Disposition"]
    body = response.content.decode()
    assert ID not in body and "13812345678" not in body and "\r" not in body
    assert "低保公示" in body
