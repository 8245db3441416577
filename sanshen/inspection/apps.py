from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "sanshen.inspection"
    label = "inspection"
    verbose_name = "检查考核"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from sanshen.audit.models import register_action
        from sanshen.sites.models import PatrolRun

        from .signals import patrol_run_saved

        register_action("inspection_open", "开启季度检查")
        register_action("inspection_close", "结束季度检查")
        register_action("inspection_edit", "修改检查通报")
        register_action("inspection_spot_check", "人工抽查")
        register_action("inspection_task_answer", "整改答复")
        register_action("inspection_task_state", "整改状态变更")
        register_action("inspection_indicators", "修改检查指标")
        register_action("inspection_calendar", "修改节假日日历")
        post_save.connect(patrol_run_saved, sender=PatrolRun, dispatch_uid="inspection_patrol_run_saved")
        from sanshen.web import demo

        from .demo import load_demo_inspections

        if load_demo_inspections not in demo.EXTRA_STEPS:
            demo.EXTRA_STEPS.append(load_demo_inspections)
