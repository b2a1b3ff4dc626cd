"""The 电话/信函记录 tab: lazy registers, filters, the read-only record, delete and restore."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from app.archive import CustomerInput, VehicleInput
from app.contacts import STANDARD_POINTS, CallInput, ContactService
from app.dates import add_months
from app.letters import LetterDraft, LetterService
from app.staff import StaffService
from db.models import Role
from tests.worlds import TODAY

LAST_MONTH = add_months(TODAY.replace(day=1), -1)
LONG_AGO = TODAY - dt.timedelta(days=100)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


@pytest.fixture
def world(store, archive):
    boss = store.actor_id
    staff = StaffService(store)
    wang = staff.create("wangfang", "王芳", Role.CLERK, "secret12")
    li = staff.create("liqiang", "李强", Role.CLERK, "secret12")
    cust = {
        "张伟": archive.create_customer(
            CustomerInput(name="张伟", phone="13812345678", address="广州市天河区"),
            [VehicleInput(plate="粤A12345")]),
        "李娜": archive.create_customer(
            CustomerInput(name="李娜", phone="0755-88776655", address="深圳市福田区"),
            [VehicleInput(plate="粤B54321")]),
        "陈明": archive.create_customer(CustomerInput(name="陈明", phone="13600003333")),
    }
    contacts, letters = ContactService(store), LetterService(store)
    calls = [
        (wang, "张伟", at(TODAY, 10), "followup", [1, 3], "刹车正常，客户满意"),
        (li, "李娜", at(TODAY, 11), "consultation", [], "询问首保时间"),
        (wang, "陈明", at(LAST_MONTH, 9, 30), "complaint", [], "等待时间太长"),
        (li, "张伟", at(LONG_AGO, 15), "notice", [], "通知免费检测周"),
    ]
    for clerk, name, when, kind, points, text in calls:
        store.actor_id = clerk.id
        contacts.log_call(CallInput(customer_id=cust[name], called_at=when, call_type=kind,
                                    points_covered=points, key_points=text,
                                    satisfaction="satisfied"))
    sent = [
        (wang, "张伟", TODAY, "invitation", "mail", "邀请参加免费检测周"),
        (li, "李娜", LAST_MONTH, "notice", "hand", "保养提醒"),
        (wang, "陈明", LONG_AGO, "reply", "electronic", "关于等待时间的答复"),
    ]
    for clerk, name, day, kind, way, subject in sent:
        store.actor_id = clerk.id
        letters.register([LetterDraft(cust[name], name, "广州市", subject, "正文")],
                         kind=kind, way=way, sent_on=day)
    store.actor_id = boss  # the tab is used by the supervisor unless a test says otherwise
    return {"contacts": contacts, "letters": letters, "clerks": [wang, li], "customers": cust}


@pytest.fixture
def tab(qtbot, world, msgbox):
    from ui.records_tab import RecordsTab

    t = RecordsTab(world["contacts"], world["letters"], world["clerks"])
    qtbot.addWidget(t)
    t.resize(1200, 700)
    t.show()
    qtbot.waitExposed(t)
    return t


def call_names(tab) -> list[str]:
    m = tab.call_model
    return [m.index(r, 3).data() for r in range(m.rowCount())]


def call_types(tab) -> list[str]:
    m = tab.call_model
    return [m.index(r, 6).data() for r in range(m.rowCount())]


def letter_names(tab) -> list[str]:
    m = tab.letter_model
    return [m.index(r, 3).data() for r in range(m.rowCount())]


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_models_pass_qtmodeltester(qtmodeltester, world):
    from ui.records_tab import CallTableModel, LetterTableModel

    calls = CallTableModel(world["contacts"])
    calls.refresh()
    assert calls.rowCount() == 4
    qtmodeltester.check(calls)
    calls.set_filters(start=TODAY, end=TODAY, kind="followup", clerk_id=None,
                      customer_ids=None, deleted=False)
    assert calls.rowCount() == 1
    qtmodeltester.check(calls)
    calls.set_filters(start=None, end=None, kind=None, clerk_id=None, customer_ids=[],
                      deleted=True)
    assert calls.rowCount() == 0
    qtmodeltester.check(calls)

    letters = LetterTableModel(world["letters"])
    letters.refresh()
    assert letters.rowCount() == 3
    qtmodeltester.check(letters)
    letters.set_filters(start=None, end=None, kind=None, clerk_id=None,
                        customer_ids=[world["customers"]["李娜"], world["customers"]["陈明"]],
                        deleted=False)
    assert letters.rowCount() == 2
    qtmodeltester.check(letters)


def test_register_columns_follow_the_paper_forms(tab):
    m = tab.call_model
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    assert headers == ["序号", "日期", "时间", "客户名称", "车号", "联系电话", "类别",
                       "通话要点摘要", "处理结果", "经办人", "满意度"]
    row = [m.index(1, c).data() for c in range(m.columnCount())]  # 张伟, today 10:00
    assert row == ["2", TODAY.isoformat(), "10:00", "张伟", "粤A12345", "13812345678", "跟踪",
                   "刹车正常，客户满意", "已回访", "王芳", "满意"]  # 处理结果 is not 满意度
    lm = tab.letter_model
    assert [lm.headerData(c, Qt.Orientation.Horizontal) for c in range(lm.columnCount())] == [
        "序号", "编号", "发函日期", "客户名称", "地址", "信函类别", "事由", "寄送方式", "经办人",
        "备注"]
    assert [lm.index(0, c).data() for c in range(1, 9)] == [
        f"{TODAY.year}-0001", TODAY.isoformat(), "张伟", "广州市", "邀请函", "邀请参加免费检测周",
        "邮寄", "王芳"]


def test_period_filters(tab):
    assert call_names(tab) == ["李娜", "张伟", "陈明", "张伟"]  # newest first
    assert "共 4 条通话" in tab.count_label.text()
    choose(tab.period, "week")
    assert call_names(tab) == ["李娜", "张伟"]
    assert tab.date_from.text() == (TODAY - dt.timedelta(days=TODAY.weekday())).isoformat()
    choose(tab.period, "month")
    assert call_names(tab) == ["李娜", "张伟"] and letter_names(tab) == ["张伟"]
    choose(tab.period, "last_month")
    assert call_names(tab) == ["陈明"] and letter_names(tab) == ["李娜"]
    choose(tab.period, "custom")
    assert tab.date_from.isEnabled()
    tab.date_from.setText((LONG_AGO - dt.timedelta(days=3)).isoformat())
    tab.date_to.setText((LONG_AGO + dt.timedelta(days=3)).isoformat())
    tab.apply_filters()
    assert call_names(tab) == ["张伟"] and letter_names(tab) == ["陈明"]
    # A date that does not exist: said so, and the list stays as it was.
    tab.date_to.setText("2026-13-01")
    tab.apply_filters()
    assert tab.filter_error.isVisible() and "2026-13-01" in tab.filter_error.text()
    assert call_names(tab) == ["张伟"]
    tab.show_deleted.setChecked(True)  # other filters still apply over the last good period
    assert call_names(tab) == [] and "已删除" in tab.count_label.text()
    tab.show_deleted.setChecked(False)
    choose(tab.period, "all")
    assert not tab.filter_error.isVisible() and len(call_names(tab)) == 4


def test_type_and_clerk_filters(tab, world):
    choose(tab.call_type, "complaint")
    assert call_names(tab) == ["陈明"]
    choose(tab.call_type, None)
    tab.tabs.setCurrentIndex(1)
    assert tab.type_stack.currentWidget() is tab.letter_kind
    choose(tab.letter_kind, "invitation")
    assert letter_names(tab) == ["张伟"] and "共 1 封信函" in tab.count_label.text()
    choose(tab.letter_kind, None)
    choose(tab.clerk, world["clerks"][1].id)  # 李强
    assert call_names(tab) == ["李娜", "张伟"] and call_types(tab) == ["咨询", "活动通知"]
    assert letter_names(tab) == ["李娜"]


def test_customer_filter_by_name_phone_and_plate(qtbot, tab):
    tab.customer.setText("张伟")  # applied after a pause in typing
    qtbot.waitUntil(lambda: call_names(tab) == ["张伟", "张伟"])
    assert letter_names(tab) == ["张伟"]
    tab.customer.setText("1381234")
    tab.apply_filters()
    assert call_names(tab) == ["张伟", "张伟"]
    tab.customer.setText("粤B54")
    tab.apply_filters()
    assert call_names(tab) == ["李娜"]
    # Two customers match: both customers' calls, still newest first.
    tab.customer.setText("13")
    tab.apply_filters()
    assert call_names(tab) == ["张伟", "陈明", "张伟"]
    tab.customer.setText("没有这个人")
    tab.apply_filters()
    assert call_names(tab) == [] and letter_names(tab) == []
    assert not tab.view_button.isEnabled() and not tab.delete_button.isEnabled()
    tab.customer.clear()
    tab.apply_filters()
    assert len(call_names(tab)) == 4


def test_enter_opens_the_call_and_its_customer(qtbot, tab, world):
    tab.calls.select_row(1)  # 张伟's follow-up: points 1 and 3
    tab.calls.table.setFocus()
    qtbot.keyClick(tab.calls.table, Qt.Key.Key_Return)
    dialog = tab.detail_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.text.toPlainText()
    for label in ("日期时间", "客户", "联系电话", "车号", "通话类别", "满意度", "处理结果",
                  "经办人", "通话要点", "客户要求/希望/投诉"):
        assert label in text
    assert "刹车正常，客户满意" in text and "王芳" in text and "13812345678" in text
    for point in STANDARD_POINTS.values():
        assert point in text
    assert text.count("☑") == 2 and text.count("☐") == 5
    assert dialog.text.isReadOnly()  # a QTextBrowser: nothing to edit
    with qtbot.waitSignal(tab.openCustomer) as signal:
        dialog.open_button.click()
    assert signal.args == [world["customers"]["张伟"]]
    assert not dialog.isVisible()


def test_double_click_opens_a_letter(qtbot, tab):
    tab.tabs.setCurrentIndex(1)
    table = tab.letter_pane.table
    index = tab.letter_model.index(0, 6)
    rect = table.visualRect(index)
    # A real double-click: press and release, then the double-click on the same line.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = tab.detail_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.text.toPlainText()
    assert "邀请参加免费检测周" in text and "邀请函" in text and "邮寄" in text
    assert "正文" in text
    dialog.close()


def test_open_customer_button(qtbot, tab, world):
    choose(tab.call_type, "consultation")
    with qtbot.waitSignal(tab.openCustomer) as signal:
        tab.open_button.click()
    assert signal.args == [world["customers"]["李娜"]]


def test_delete_then_restore_a_call(qtbot, tab, msgbox, world):
    choose(tab.call_type, "complaint")
    assert call_names(tab) == ["陈明"]
    msgbox.confirm_answer = False
    tab.delete_button.click()
    assert call_names(tab) == ["陈明"]  # not confirmed: kept
    msgbox.confirm_answer = True
    with qtbot.waitSignal(tab.changed):
        tab.delete_button.click()
    kind, title, text = msgbox.shown[-1]
    assert kind == "confirm" and "陈明" in text and "恢复" in text
    assert call_names(tab) == []
    assert world["contacts"].calls_for_customer(world["customers"]["陈明"]) == []

    tab.show_deleted.setChecked(True)
    assert call_names(tab) == ["陈明"] and "已删除" in tab.count_label.text()
    assert tab.restore_button.isVisible() and not tab.delete_button.isVisible()
    tab.restore_button.click()
    assert call_names(tab) == []
    tab.show_deleted.setChecked(False)
    assert call_names(tab) == ["陈明"]
    assert len(world["contacts"].calls_for_customer(world["customers"]["陈明"])) == 1


def test_delete_then_restore_a_letter_with_the_keyboard(qtbot, tab, msgbox, world):
    tab.tabs.setCurrentIndex(1)
    tab.letter_pane.select_row(1)  # 李娜's notice
    tab.letter_pane.table.setFocus()
    qtbot.keyClick(tab.letter_pane.table, Qt.Key.Key_Delete)
    assert msgbox.shown[-1][0] == "confirm" and "李娜" in msgbox.shown[-1][2]
    assert letter_names(tab) == ["张伟", "陈明"]
    assert tab.letter_pane.current_id() is not None  # the next line is selected
    tab.show_deleted.setChecked(True)
    assert letter_names(tab) == ["李娜"]
    tab.restore_button.click()
    tab.show_deleted.setChecked(False)
    assert letter_names(tab) == ["张伟", "李娜", "陈明"]
    assert len(world["letters"].letters_for_customer(world["customers"]["李娜"])) == 1


def test_a_clerk_cannot_delete_a_colleagues_letter(qtbot, store, tab, msgbox, world):
    wang, _li = world["clerks"]
    store.actor_id = wang.id
    tab.tabs.setCurrentIndex(1)
    tab.letter_pane.select_row(1)  # 李娜's notice, registered by 李强
    tab.letter_pane.table.setFocus()
    qtbot.keyClick(tab.letter_pane.table, Qt.Key.Key_Delete)
    kind, _title, text = msgbox.shown[-1]
    assert kind == "warning" and "只能删除自己登记的信函" in text
    assert letter_names(tab) == ["张伟", "李娜", "陈明"]  # nothing deleted


def test_a_letter_is_reprinted_from_its_register_line(qtbot, tab, world, tmp_path,
                                                      monkeypatch):
    """重新打印 prints the letter as registered, with its 编号, even after the template
    or the letterhead changed; the file is readable by the others on the PC."""
    from pypdf import PdfReader
    from PySide6.QtWidgets import QFileDialog

    from app.files import umask
    from ui import letter_dialog

    opened = []
    monkeypatch.setattr(letter_dialog, "open_file", opened.append)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "again"), "")))
    tab.tabs.setCurrentIndex(1)
    tab.letter_pane.select_row(0)
    assert tab.print_button.text() == "重新打印…" and tab.print_button.isEnabled()
    assert tab.reprint_action in tab.letter_pane.table.actions()
    assert tab.reprint_action.isEnabled()
    world["letters"].save_center(name="广州顺达汽车维修服务中心")
    qtbot.mouseClick(tab.print_button, Qt.MouseButton.LeftButton)
    out = tmp_path / "again.pdf"
    assert opened == [out]
    text = "".join(p.extract_text() for p in PdfReader(str(out)).pages).replace(" ", "")
    assert f"{TODAY.year}-0001" in text and "邀请参加免费检测周" in text and "正文" in text
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask()
    # back on the calls, the button prints a call record again
    tab.tabs.setCurrentIndex(0)
    tab.calls.select_row(0)
    assert tab.print_button.text() == "打印记录表…"
    assert not tab.reprint_action.isEnabled()


def test_the_letter_detail_shows_its_number(tab):
    tab.tabs.setCurrentIndex(1)
    tab.letter_pane.select_row(0)
    dialog = tab.open_detail()
    assert f"{TODAY.year}-0001" in dialog.text.toPlainText()
    dialog.close()
