"""A finished patrol confirms the rectification tasks whose problems it no longer finds."""

from __future__ import annotations


def patrol_run_saved(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    # `sites.services.record_patrol` saves the run as 已完成 after it has updated the problems.
    if raw or instance.state != "done":
        return
    from .services import confirm_tasks_after_patrol

    confirm_tasks_after_patrol(instance.site)
