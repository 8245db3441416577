"""The `sanshen` command contract: output shapes, exit codes, one-line errors."""

import io
import json
import subprocess
import sys
import zipfile

import pytest

from sanshen.cli import main

ARTICLE = "县政府召开全县安全生产工作会议，部署下一阶段重点工作。\n"
LEAK = "低保公示：张建国，身份证号110101199003077571。\n"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path):
    (tmp_path / "clean.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "leak.txt").write_text(LEAK, encoding="utf-8")
    return tmp_path


def test_exit_codes(files, capsys):
    assert run(capsys, "check", str(files / "clean.txt"))[0] == 0
    assert run(capsys, "check", str(files / "leak.txt"))[0] == 1
    assert run(capsys, "check", str(files / "missing.txt"))[0] == 2


def test_json_shape_and_offsets(files, capsys):
    code, out, _ = run(capsys, "check", "--format", "json", str(files / "leak.txt"))
    assert code == 1
    result = json.loads(out)["results"][0]
    assert result["path"].endswith("leak.txt")
    assert result["chars"] == len(LEAK)
    keys = {"category", "rule", "severity", "start", "end", "text", "message", "suggestion", "confidence"}
    for finding in result["findings"]:
        assert set(finding) == keys
        assert LEAK[finding["start"]:finding["end"]] == finding["text"]
    assert any(f["category"] == "privacy" and f["text"] == "110101199003077571" for f in result["findings"])


def test_text_report_is_for_a_person(files, capsys):
    code, out, _ = run(capsys, "check", str(files / "leak.txt"))
    assert code == 1
    assert "第1行" in out and "【110101199003077571】" in out and "个人隐私" in out


def test_directory_walk_and_bad_files_do_not_stop_the_run(files, capsys):
    (files / "sub").mkdir()
    (files / "sub" / "junk.txt").write_bytes(bytes(range(256)) * 20)
    with zipfile.ZipFile(files / "sub" / "broken.docx", "w") as zf:
        zf.writestr("word/document.xml", "<w:document")
    data = (files / "sub" / "broken.docx").read_bytes()
    (files / "sub" / "broken.docx").write_bytes(data[: len(data) // 2])
    code, out, err = run(capsys, "check", "--format", "json", str(files))
    assert code == 2
    results = {r["path"].rsplit("/", 1)[-1]: r for r in json.loads(out)["results"]}
    assert set(results) == {"clean.txt", "leak.txt", "junk.txt", "broken.docx"}
    assert results["leak.txt"]["findings"]
    assert "error" in results["junk.txt"] and "error" in results["broken.docx"]
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 2 and all(line.startswith("sanshen: ") for line in lines)
    assert "Traceback" not in err


def test_size_limit(files, capsys):
    code, _, err = run(capsys, "check", "--max-size", "0.00001", str(files / "leak.txt"))
    assert code == 2 and err.count("\n") == 1


def test_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LEAK.encode("gb18030"))))
    code, out, _ = run(capsys, "check", "--format", "json", "-")
    assert code == 1
    assert json.loads(out)["results"][0]["path"] == "-"


def test_extract_prints_the_text_offsets_refer_to(files, capsys):
    code, out, _ = run(capsys, "extract", str(files / "leak.txt"))
    assert code == 0 and out == LEAK


def test_mask(files, capsys):
    code, out, _ = run(capsys, "mask", str(files / "leak.txt"))
    assert code == 0
    assert "110101199003077571" not in out and "110101" in out and "7571" in out


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--as-of", "2026-13-01", "x.txt"])
    assert exc.value.code == 2


def test_bad_rules_dir(files, capsys):
    code, _, err = run(capsys, "check", "--rules", str(files / "nope"), str(files / "clean.txt"))
    assert code == 2 and "not found" in err


def test_console_script_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "sanshen.cli", "check", "-"], input=ARTICLE.encode(), capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr.decode()
