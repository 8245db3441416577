"""`sanshen inspect URL`: one patrol of the generated test site, scored against website-2019."""

from __future__ import annotations

import json

import pytest

from sanshen import cli

VETO_INCIDENT = "安全、泄密事故等严重问题"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["inspect", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def inspected(patrol_site):
    """JSON of one full inspection (the crawl takes a while: done once for the module)."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli.main(["inspect", patrol_site.base_url, "--as-of", str(patrol_site.as_of), "--timeout", "2",
                         "--format", "json"])
    return code, json.loads(buf.getvalue())


def test_json_has_exactly_the_contract_shape(inspected, patrol_site):
    code, data = inspected
    assert set(data) == {"site", "score", "passed", "vetoes", "deductions", "warnings", "not_measured"}
    assert data["site"].startswith(patrol_site.base_url.rstrip("/"))
    assert isinstance(data["score"], float) and isinstance(data["passed"], bool)
    for v in data["vetoes"]:
        assert set(v) == {"indicator", "evidence"} and all(isinstance(e, str) for e in v["evidence"])
    for d in data["deductions"]:
        assert set(d) == {"indicator", "points", "evidence"} and isinstance(d["points"], float)
        assert d["points"] > 0 and all(isinstance(e, str) for e in d["evidence"])
    for w in data["warnings"]:
        assert set(w) == {"indicator", "detail"}
    assert all(isinstance(n, str) for n in data["not_measured"])
    # A veto fails the site, scores 0 and exits 1.
    assert data["passed"] is False and data["score"] == 0.0 and code == cli.EXIT_FINDINGS


def test_planted_dark_link_is_the_security_veto(inspected, patrol_site):
    _, data = inspected
    vetoes = {v["indicator"]: v["evidence"] for v in data["vetoes"]}
    assert VETO_INCIDENT in vetoes
    dark = patrol_site.site.planted["hidden_links"]
    assert any(dark in e and "暗链" in e for e in vetoes[VETO_INCIDENT]), vetoes[VETO_INCIDENT]


def test_stale_and_blank_columns_are_evidence(inspected):
    _, data = inspected
    evidence = [e for d in data["deductions"] for e in d["evidence"]]
    evidence += [e for v in data["vetoes"] for e in v["evidence"]]
    assert any("「部门动态」" in e and "/bmdt/" in e for e in evidence)
    assert any("「通知公告」" in e and "/tzgg/" in e for e in evidence)
    assert any("空白栏目「应急管理」" in e for e in evidence)


def test_availability_is_not_measured_by_one_patrol(inspected):
    _, data = inspected
    assert any(n.startswith("站点无法访问") for n in data["not_measured"]), data["not_measured"]
    assert any(n.startswith("互动回应差") for n in data["not_measured"])
    assert all(not v["indicator"].startswith("站点无法访问") for v in data["vetoes"])


def test_text_report_in_chinese(capsys, patrol_site):
    code, out, err = _run(capsys, patrol_site.base_url, "--as-of", str(patrol_site.as_of), "--timeout", "2",
                          "--max-pages", "60")
    assert code in (cli.EXIT_CLEAN, cli.EXIT_FINDINGS), err
    assert "得分：" in out and ("结论：合格" in out or "结论：不合格" in out)
    assert "【单项否决】" in out and "【扣分】" in out
    assert "【未能测量】" in out and "站点无法访问" in out
    assert "分值未核实" in out and "取自指标数据文件" in out


@pytest.mark.parametrize("url", ["not a url", "http://exa mple.gov.cn/", "ftp://example.gov.cn/"])
def test_bad_url_exits_2(capsys, url):
    code, out, err = _run(capsys, url, "--format", "json")
    assert code == cli.EXIT_ERROR
    assert out == "" and "sanshen:" in err


def test_unreachable_home_page_cannot_be_scored(capsys):
    # Nothing listens on port 9 of loopback: no columns or content, so no score is guessed.
    code, out, err = _run(capsys, "http://127.0.0.1:9/", "--format", "json", "--timeout", "1")
    assert code == cli.EXIT_ERROR and out == ""
    assert "首页无法访问" in err and "无法评分" in err


def test_unknown_indicator_set_exits_2(capsys, tmp_path):
    code, _, err = _run(capsys, "http://127.0.0.1:9/", "--indicators", str(tmp_path / "none.yaml"))
    assert code == cli.EXIT_ERROR and "指标" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    code, _, err = _run(capsys, "http://127.0.0.1:9/", "--indicators", str(bad))
    assert code == cli.EXIT_ERROR
