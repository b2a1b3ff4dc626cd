from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

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
