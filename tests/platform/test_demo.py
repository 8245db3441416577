"""Demo data (`sanshen demo`) and the start commands (`sanshen run`, `sanshen serve`)."""

from __future__ import annotations

import io
import socket

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from sanshen.units.models import Membership, Role, Unit, User
from sanshen.units.services import can_view, visible_units
from sanshen.web import demo, server

pytestmark = pytest.mark.django_db


def _login(client, user):
    """Sign in as a real sign-in would (second factor included where the policy asks for it)."""
    from django.apps import apps

    if not apps.is_installed("sanshen.accounts"):
        client.force_login(user)
        return client
    from sanshen.accounts.testing import login

    return login(client, user)


def test_demo_creates_city_and_one_user_per_role():
    data = demo.load()
    city = Unit.objects.get(name=demo.CITY, parent=None)
    counties = city.children.filter(kind=Unit.Kind.COUNTY)
    assert counties.count() == 2
    for county in counties:
        assert county.children.filter(kind=Unit.Kind.DEPARTMENT).exists()
        assert county.children.filter(kind=Unit.Kind.TOWNSHIP).exists()
    held = set(Membership.objects.filter(user__username__startswith="demo_").values_list("role", flat=True))
    assert held == set(Role.values)
    for spec in demo.USERS:
        user = User.objects.get(username=spec.username)
        assert user.check_password(data.passwords[spec.username])
    assert User.objects.get(username="demo_admin").is_superuser


def test_demo_is_idempotent_and_renews_passwords():
    first = demo.load()
    counts = (Unit.objects.count(), User.objects.count(), Membership.objects.count())
    second = demo.load()
    assert (Unit.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert second.created_units == second.created_users == 0
    assert all(first.passwords[u] != second.passwords[u] for u in first.passwords)
    assert User.objects.get(username="demo_editor").check_password(second.passwords["demo_editor"])
    kept = demo.load(reset_passwords=False)
    assert kept.passwords == {}
    assert User.objects.get(username="demo_editor").check_password(second.passwords["demo_editor"])


def test_demo_passwords_are_strong():
    from django.contrib.auth.password_validation import validate_password

    for _ in range(20):
        password = demo.demo_password()
        assert len(password) == 19
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password) and "-" in password
        validate_password(password)


def test_demo_isolation_between_counties():
    demo.load()
    dongcheng_editor = User.objects.get(username="demo_editor")
    xishan_editor = User.objects.get(username="demo_editor_xishan")
    supervisor = User.objects.get(username="demo_supervisor")
    dongcheng = Unit.objects.get(name="东城区卫生健康局")
    xishan = Unit.objects.get(name="西山县农业农村局")
    assert can_view(dongcheng_editor, dongcheng) and not can_view(dongcheng_editor, xishan)
    assert can_view(xishan_editor, xishan) and not can_view(xishan_editor, dongcheng)
    assert visible_units(supervisor).count() == Unit.objects.filter(path__startswith=dongcheng.path[:7]).count()


def test_demo_users_on_the_unit_pages(client, settings):
    settings.LOGIN_URL = "/accounts/login/"
    demo.load()
    xishan = Unit.objects.get(name="西山县农业农村局")
    _login(client, User.objects.get(username="demo_editor"))
    assert client.get(reverse("units:detail", args=[xishan.pk])).status_code == 404
    _login(client, User.objects.get(username="demo_supervisor"))
    assert client.get(reverse("units:detail", args=[xishan.pk])).status_code == 200


def test_demo_command_prints_accounts_and_warning():
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "演示账号" in text and "切勿在生产环境中使用" in text
    for spec in demo.USERS:
        assert spec.username in text
    from django.apps import apps

    if apps.is_installed("sanshen.accounts"):
        supervisor_line = next(line for line in text.splitlines() if "demo_supervisor" in line)
        assert "首次登录需绑定身份验证器" in supervisor_line
    out = io.StringIO()
    call_command("demo", "--keep-passwords", stdout=out)
    assert "保留原密码" in out.getvalue()


def test_cli_demo(capsys):
    from sanshen import cli

    assert cli.main(["demo"]) == 0
    assert "demo_supervisor" in capsys.readouterr().out


# Start commands -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def no_exec(monkeypatch):
    started: list[list[str]] = []
    monkeypatch.setattr(server, "_exec", started.append)
    monkeypatch.setattr(server, "collect_static", lambda: None)
    return started


def test_parse_bind():
    assert server.parse_bind("127.0.0.1:8000") == server.Bind("127.0.0.1", 8000)
    assert server.parse_bind("9000") == server.Bind("127.0.0.1", 9000)
    assert server.parse_bind("0.0.0.0:80").url == "http://127.0.0.1:80/"
    assert server.parse_bind("[::1]:8001") == server.Bind("::1", 8001)
    assert str(server.parse_bind("[::1]:8001")) == "[::1]:8001"
    for bad in ("abc", "1.2.3.4:x", "1.2.3.4:70000", "0"):
        with pytest.raises(server.ServerError):
            server.parse_bind(bad)


def test_run_migrates_loads_demo_and_starts_gunicorn(no_exec):
    port = _free_port()
    out = io.StringIO()
    call_command("run", "--bind", f"127.0.0.1:{port}", stdout=out)
    text = out.getvalue()
    assert f"http://127.0.0.1:{port}/" in text
    assert "demo_editor" in text and "切勿在生产环境中使用" in text
    assert User.objects.filter(username="demo_supervisor").exists()
    (argv,) = no_exec
    assert argv[1:4] == ["-m", "gunicorn", "sanshen.config.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == f"127.0.0.1:{port}"


def test_serve_starts_gunicorn_with_options(no_exec):
    port = _free_port()
    out = io.StringIO()
    call_command("serve", "--bind", f"127.0.0.1:{port}", "--workers", "3", "--threads", "2", stdout=out)
    (argv,) = no_exec
    assert argv[argv.index("--workers") + 1] == "3" and argv[argv.index("--threads") + 1] == "2"
    assert f"http://127.0.0.1:{port}/" in out.getvalue()
    assert not User.objects.filter(username__startswith="demo_").exists()  # no demo data in production


def test_serve_refuses_unmigrated_database(no_exec, monkeypatch):
    assert server.unapplied_migrations() == []
    monkeypatch.setattr(server, "unapplied_migrations", lambda: ["units.0099_future"])
    with pytest.raises(CommandError, match="migrate"):
        call_command("serve", "--bind", f"127.0.0.1:{_free_port()}", stdout=io.StringIO())
    assert no_exec == []


def test_port_in_use_is_a_clear_error(no_exec):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command in ("serve", "run"):
            with pytest.raises(CommandError, match="--bind"):
                call_command(command, "--bind", f"127.0.0.1:{port}", stdout=io.StringIO())
    assert no_exec == []


def test_static_storage_without_manifest_uses_plain_names():
    from django.templatetags.static import static

    assert static("web/css/sanshen.css").endswith("/static/web/css/sanshen.css")


def test_static_storage_with_a_stale_manifest(settings, tmp_path):
    import json

    from django.templatetags.static import static

    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "hash": "x", "paths": {"web/css/sanshen.css": "web/css/sanshen.0123abcd.css"}})
    )
    settings.STATIC_ROOT = tmp_path  # resets the storage
    assert static("web/css/sanshen.css").endswith("/static/web/css/sanshen.0123abcd.css")
    # A file the manifest does not know (added by an upgrade): its plain name, not a failing page.
    assert static("web/favicon.svg").endswith("/static/web/favicon.svg")
