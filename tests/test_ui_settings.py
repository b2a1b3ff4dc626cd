import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from app.tasks import TaskService


def test_rules_dialog_shows_defaults_saves_and_refuses_a_reversed_window(qtbot, store, msgbox):
    from ui.settings_dialog import RulesDialog

    tasks = TaskService(store)
    dialog = RulesDialog(tasks)
    qtbot.addWidget(dialog)
    assert dialog.spins["first_call_from"].value() == 3
    assert dialog.spins["second_call_to"].value() == 14
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    dialog.spins["first_call_from"].setValue(9)  # after first_call_to = 7
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert "最早" in dialog.message.text() and dialog.result() != dialog.DialogCode.Accepted
    assert tasks.rules().first_call_from == 3
    dialog.spins["first_call_from"].setValue(2)
    dialog.spins["insurance_lead_days"].setValue(45)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert (tasks.rules().first_call_from, tasks.rules().insurance_lead_days) == (2, 45)
    again = RulesDialog(tasks)
    qtbot.addWidget(again)
    assert again.spins["insurance_lead_days"].value() == 45
    again.reset()
    assert again.spins["insurance_lead_days"].value() == 30


def test_rules_dialog_shows_the_campaign_escalation_and_unreachable_settings(
        qtbot, store, msgbox):
    from app.campaigns import CampaignService
    from app.contacts import ContactService
    from app.settings import UNREACHABLE_KEY, load_int
    from ui.settings_dialog import RulesDialog

    tasks = TaskService(store)
    dialog = RulesDialog(tasks)
    qtbot.addWidget(dialog)
    assert (dialog.spins["notice_lead_days"].value(), dialog.spins["notice_letter_days"].value(),
            dialog.spins["escalation_days"].value(), dialog.unreachable.value()) == (14, 2, 2, 3)
    assert dialog.spins["notice_lead_days"].suffix() == " 天"
    assert dialog.unreachable.suffix() == " 次"
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert {"活动电话通知：活动前", "活动通知信函：电话通知后", "要求/投诉上报主管期限",
            "未接通几次后改寄信函"} <= labels
    dialog.spins["notice_lead_days"].setValue(10)
    dialog.spins["escalation_days"].setValue(1)
    dialog.unreachable.setValue(5)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert (tasks.rules().notice_lead_days, tasks.rules().escalation_days) == (10, 1)
    with store.read() as s:
        assert load_int(s, UNREACHABLE_KEY, 3) == 5
    assert ContactService(store).unreachable_after == 5
    # new campaigns take the new lead: event − 10
    plan = CampaignService(store).notice_plan(dt.date(2026, 12, 31), dt.date(2026, 12, 1))
    assert plan.deadline == dt.date(2026, 12, 21)
    again = RulesDialog(tasks)
    qtbot.addWidget(again)
    assert (again.spins["notice_lead_days"].value(), again.unreachable.value()) == (10, 5)
    again.reset()
    assert (again.spins["notice_lead_days"].value(), again.unreachable.value()) == (14, 3)


def test_the_maintenance_words_are_a_setting_that_classifies_visits(qtbot, store, msgbox):
    from app.archive import ArchiveService
    from ui.settings_dialog import RulesDialog

    dialog = RulesDialog(TaskService(store))
    qtbot.addWidget(dialog)
    assert "机油" in dialog.maintenance_words.text()
    dialog.maintenance_words.setText("")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert "至少填写一个" in dialog.message.text() and dialog.result() != dialog.DialogCode.Accepted
    dialog.maintenance_words.setText("保养、换油 轮胎换位")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert set(ArchiveService(store).maintenance_words()) == {"保养", "换油", "轮胎换位"}


def test_the_daily_calls_of_a_clerk_are_a_rule_setting(qtbot, store, msgbox):
    from ui.settings_dialog import RulesDialog

    tasks = TaskService(store)
    dialog = RulesDialog(tasks)
    qtbot.addWidget(dialog)
    spin = dialog.spins["daily_calls"]
    assert spin.value() == 30 and spin.minimum() == 1 and spin.suffix() == " 个"
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert "每位业务员每天拨打电话（按此分摊建议拨打日）" in labels
    spin.setValue(0)  # below the minimum: stays 1
    assert spin.value() == 1
    spin.setValue(45)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted and tasks.rules().daily_calls == 45
    again = RulesDialog(tasks)
    qtbot.addWidget(again)
    assert again.spins["daily_calls"].value() == 45
