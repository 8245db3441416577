"""System checks: the key file's permissions always, the triggers with `check --database`."""

from __future__ import annotations

import os

from django.core import checks

from . import keys, protection


@checks.register(checks.Tags.security)
def check_key_file(app_configs=None, **kwargs):
    if os.environ.get(keys.ENV):
        return []
    path = keys.key_file()
    if not path.exists():
        return []
    from sanshen.config.keyfile import is_private

    if is_private(path):
        return []
    return [
        checks.Warning(
            f"审计密钥文件 {path} 可被其他用户读取。",
            hint=f"执行 chmod 600 {path}",
            id="sanshen.audit.W001",
        )
    ]


@checks.register(checks.Tags.database)
def check_triggers(app_configs=None, databases=None, **kwargs):
    from django.db import connections

    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor not in protection.TRIGGERS:
            continue
        if protection.TABLE not in connection.introspection.table_names():
            continue
        absent = protection.missing(connection)
        if absent:
            errors.append(
                checks.Error(
                    f"数据库 {alias} 缺少审计日志防篡改触发器：{', '.join(sorted(absent))}。",
                    hint="运行 python -m sanshen.manage migrate 重新安装。",
                    id="sanshen.audit.E001",
                )
            )
    return errors
