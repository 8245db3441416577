"""`sanshen audit verify|export` and `sanshen manage` are thin layers over the management commands."""

import json
import os
import subprocess
import sys


def sanshen(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["SANSHEN_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "sanshen.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_migrate_verify_export(tmp_path):
    assert sanshen(tmp_path, "manage", "migrate", "-v0").returncode == 0
    verify = sanshen(tmp_path, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "审计日志完整" in verify.stdout
    export = sanshen(tmp_path, "audit", "export", "--format", "json")
    assert export.returncode == 0, export.stderr
    assert json.loads(export.stdout)["format"] == "sanshen-audit"
