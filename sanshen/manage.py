"""Django's management commands for Sanshen: `python -m sanshen.manage <command>`."""

import getpass
import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanshen.config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    # `python -m` leaves the file path in argv[0]; show the command people type instead.
    argv[0] = "python -m sanshen.manage"
    from sanshen.audit.context import audit_context

    # Changes made from the command line are attributed to the operating-system account.
    with audit_context(username=f"命令行:{_os_user()}"):
        execute_from_command_line(argv)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


if __name__ == "__main__":
    main()
