"""Day one at the desk, through the real widgets: the first start asks for the letterhead, the
first letter is the right one and is not printed with a gap, a clerk's window and password."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.archive import CustomerInput, VehicleInput
from app.letters import LetterService
from app.staff import LoginError, StaffService
from app.store import Store
from db.models import Role

D = dt.date
TODAY = D(2026, 11, 20)


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    frozen_clock.freeze(TODAY)


@pytest.fixture
def people(store):
    staff = StaffService(store)
    return {
        "wang": staff.create("wangfang", "王芳", Role.CLERK, "secret12"),
        "li": staff.create("liqiang", "李强", Role.CLERK, "secret12"),
        "boss": staff.create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12"),
    }


@pytest.fixture
def customer(archive, people):
    return archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州市天河区体育西路 1 号",
                      clerk_id=people["wang"].id),
        [VehicleInput(plate="粤A12345", model="丰田卡罗拉")])


@pytest.fixture
def save_dialog(monkeypatch, tmp_path):
    """Every save dialog answers a file in tmp_path; the files asked for are listed."""
    from ui import letter_dialog

    asked, opened = [], []

    def answer(*_a, **_k):
        asked.append(1)
        return str(tmp_path / f"信函{len(asked)}.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    monkeypatch.setattr(letter_dialog, "open_file", opened.append)
    return asked, opened


def letter_dialog(qtbot, letters, **kw):
    from ui.letter_dialog import LetterDialog

    dialog = LetterDialog(letters, None, today_fn=lambda: TODAY, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


# ---------------------------------------------------------------- the first start


def test_the_first_start_asks_for_the_letterhead_with_the_administrator(qtbot, tmp_path,
                                                                         msgbox):
    from ui.login import FirstAdminDialog

    store = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    staff = StaffService(store)
    dialog = FirstAdminDialog(staff)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.center_name  # the center's box comes first
    dialog.username.setText("boss")
    dialog.name.setText("陈主管")
    dialog.password.setText("abc12345")
    dialog.password2.setText("abc12345")
    dialog.center_phone.setText("3888123")
    qtbot.keyClick(dialog.password2, Qt.Key.Key_Return)  # Enter presses 创建并登录
    assert dialog.user is None and staff.needs_first_admin()
    assert "中心名称" in dialog.center_fields.error_text("center_name")
    assert "区号" in dialog.center_fields.error_text("center_phone")
    assert dialog.focusWidget() is dialog.center_name
    assert dialog.username.text() == "boss" and dialog.password.text() == "abc12345"  # kept
    dialog.center_name.setText("广州顺达汽车维修服务中心")
    dialog.center_address.setText("广州市天河区中山大道 88 号")
    dialog.center_phone.setText("020-3888 1234")
    dialog.password2.setText("abc12346")
    qtbot.keyClick(dialog.password2, Qt.Key.Key_Return)
    assert "不一样" in dialog.fields.error_text("password2") and staff.needs_first_admin()
    assert not dialog.center_fields.errors["center_name"].isVisible()
    dialog.password2.setText("abc12345")
    qtbot.keyClick(dialog.password2, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.user is not None and dialog.user.role == Role.ADMIN
    assert LetterService(store).center() == {
        "name": "广州顺达汽车维修服务中心", "address": "广州市天河区中山大道 88 号",
        "phone": "020-38881234"}
    store.close()


# ---------------------------------------------------------------- the first letter


def test_the_first_letter_is_a_followup_and_is_not_printed_with_a_gap(
        qtbot, store, customer, msgbox, save_dialog):
    asked, opened = save_dialog
    letters = LetterService(store)  # a center whose phone was never set
    dialog = letter_dialog(qtbot, letters, customer_ids=[customer])
    assert dialog.template.currentText() == "回访信" and dialog.kind.currentData() == "notice"
    assert "张伟" in dialog.body.toPlainText() and "{活动名称}" not in dialog.body.toPlainText()
    assert "{中心电话}" in dialog.body.toPlainText()  # not "请致电 。"
    assert dialog.placeholder_hint.isVisible() and "{中心电话}" in dialog.placeholder_hint.text()
    dialog.body.appendPlainText("另：您的车险下月到期。")  # the clerk's own words
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    kind, title, text = msgbox.shown[-1]
    assert kind == "warning" and title == "不能打印"
    assert "本中心电话" in text and "联系 → 信函模板与信头" in text
    assert asked == [] and opened == []  # no file asked for, none written
    assert "另：您的车险下月到期。" in dialog.body.toPlainText()  # nothing typed is lost
    assert "不能打印" in dialog.placeholder_hint.text()
    # the clerk types the number in place of the gap: the letter prints
    dialog.body.setPlainText(dialog.body.toPlainText().replace("{中心电话}", "020-38881234"))
    assert not dialog.placeholder_hint.isVisible()
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and len(opened) == 1 and opened[0].exists()


def test_the_letterhead_filled_from_the_letter_keeps_the_clerks_words(
        qtbot, store, customer, msgbox, save_dialog, monkeypatch):
    from ui import template_dialog

    asked, _opened = save_dialog

    def fill_letterhead(self):
        self.center_name.setText("广州顺达汽车维修服务中心")
        self.center_phone.setText("020-38881234")
        assert self.save()
        return 1

    monkeypatch.setattr(template_dialog.TemplateDialog, "exec", fill_letterhead)
    dialog = letter_dialog(qtbot, LetterService(store), customer_ids=[customer])
    dialog.body.appendPlainText("另：您的车险下月到期。")
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert msgbox.shown[-1][1] == "不能打印" and asked == []
    qtbot.mouseClick(dialog.edit_templates, Qt.MouseButton.LeftButton)
    body = dialog.body.toPlainText()
    assert "另：您的车险下月到期。" in body and "020-38881234" in body and "{" not in body
    assert not dialog.placeholder_hint.isVisible() and "已保留" in dialog.status.text()
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1


def test_a_campaign_batch_without_a_campaign_is_not_printed(qtbot, store, archive, customer,
                                                            msgbox, save_dialog):
    asked, _opened = save_dialog
    letters = LetterService(store)
    letters.save_center(name="顺达汽修", phone="020-38881234")
    other = archive.create_customer(CustomerInput(name="王芳芳", phone="13900001111"), [])
    dialog = letter_dialog(qtbot, letters, customer_ids=[customer, other], kind="notice")
    assert dialog.template.currentText() == "回访信" and not dialog.placeholder_hint.isVisible()
    dialog.template.setCurrentIndex(dialog.template.findText("活动通知"))
    assert dialog.body.isReadOnly() and dialog.placeholder_hint.isVisible()
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    text = msgbox.shown[-1][2]
    assert "{活动名称}" in text and "活动管理" in text and "2 封" in text and asked == []


def test_a_letter_for_a_campaign_opens_on_the_campaign_template(qtbot, store, customer,
                                                                msgbox):
    from app.campaigns import CampaignService, InviteeFilter

    letters = LetterService(store)
    letters.save_center(name="顺达汽修", phone="020-38881234")
    cid = CampaignService(store).create(
        kind="免费检测周", title="冬季免费检测周", content="免费检测空调、电瓶",
        event_date=D(2026, 12, 10), place="本中心维修车间", invitees=InviteeFilter(),
        today=TODAY)
    dialog = letter_dialog(qtbot, letters, customer_ids=[customer], kind="notice",
                           campaign_id=cid)
    assert dialog.template.currentText() == "活动通知"
    assert "冬季免费检测周" in dialog.subject.text() and not dialog.placeholder_hint.isVisible()


def test_the_placeholder_center_name_warns_once(qtbot, store, customer, msgbox, save_dialog,
                                                monkeypatch):
    import ui.letterhead

    asked, _opened = save_dialog
    monkeypatch.setattr(ui.letterhead, "warned", False)
    letters = LetterService(store)
    letters.save_center(name="汽车维修服务中心", phone="020-38881234")
    dialog = letter_dialog(qtbot, letters, customer_ids=[customer])
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    warnings = [m for m in msgbox.shown if m[0] == "warning"]
    assert len(warnings) == 1 and "联系 → 信函模板与信头" in warnings[0][2]
    assert len(asked) == 1  # printed anyway
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert len([m for m in msgbox.shown if m[0] == "warning"]) == 1 and len(asked) == 2


def test_forms_warn_about_the_placeholder_center_name_too(qtbot, store, customer, msgbox,
                                                         monkeypatch, tmp_path):
    import ui.letterhead
    from app.forms import FormsService
    from ui import forms_tab

    monkeypatch.setattr(ui.letterhead, "warned", False)
    monkeypatch.setattr(forms_tab, "save_path", lambda *a: None)  # the clerk cancels
    dialog = forms_tab.print_archive_form(None, FormsService(store), customer, modal=False)
    qtbot.addWidget(dialog)
    preview = dialog.findChild(forms_tab.FormPreview)
    qtbot.waitUntil(lambda: preview.layout_ is not None, timeout=10000)
    preview.save("pdf")
    [(kind, _title, text)] = msgbox.shown
    assert kind == "warning" and "汽车维修服务中心" in text and "信函模板与信头" in text


# ---------------------------------------------------------------- a clerk's window


@pytest.fixture
def window_for(qtbot, store, ui_settings, msgbox):
    def make(user):
        from ui.main_window import MainWindow

        w = MainWindow(store, user, ui_settings, today_fn=lambda: TODAY)
        qtbot.addWidget(w)
        w.show()
        return w
    return make


def menu_texts(w) -> list[str]:
    return [a.text() for m in w.menuBar().actions() if m.menu()
            for a in m.menu().actions() if a.text()]


def toolbar_texts(w) -> list[str]:
    from PySide6.QtWidgets import QToolBar

    return [a.text() for a in w.findChild(QToolBar).actions() if a.text()]


def test_a_clerk_is_offered_neither_import_nor_delete(qtbot, window_for, people, customer,
                                                      archive, msgbox):
    w = window_for(people["wang"])
    for where in (menu_texts(w), toolbar_texts(w)):
        assert "导入客户档案…" not in where and "删除客户" not in where
    assert "保存导入模板…" not in menu_texts(w)
    assert "修改密码…" in menu_texts(w) and "回收站…" in menu_texts(w)
    w.tabs.setCurrentWidget(w.archive_tab)
    w.archive_tab.select_customer(customer)
    w.archive_tab.table.setFocus()
    assert not w.act_delete.isEnabled() and not w.act_import.isEnabled()
    qtbot.keyClick(w.archive_tab.table, Qt.Key.Key_Delete)
    assert archive.count() == 1
    w.delete_current()  # even called directly: the service refuses, the window says why
    assert archive.count() == 1 and "不能删除客户" in msgbox.shown[-1][2]
    w.import_file()
    assert "不能导入客户档案" in msgbox.shown[-1][2]
    boss = window_for(people["boss"])
    for where in (menu_texts(boss), toolbar_texts(boss)):
        assert "导入客户档案…" in where and "删除客户" in where
    assert "修改密码…" in menu_texts(boss)


def test_only_clerks_are_offered_as_followup_clerk(qtbot, window_for, people, admin,
                                                   monkeypatch):
    from ui.customer_dialog import CustomerDialog

    seen = {}

    def capture(self):
        seen["items"] = [self.clerk.itemText(i) for i in range(self.clerk.count())]
        seen["current"] = self.clerk.currentText()
        return 0

    monkeypatch.setattr(CustomerDialog, "exec", capture)
    window_for(admin).new_customer()
    assert seen == {"items": ["（未指定）", "王芳", "李强"], "current": "（未指定）"}
    window_for(people["boss"]).new_customer()
    assert seen["current"] == "（未指定）" and "黄主管" not in seen["items"]
    window_for(people["wang"]).new_customer()
    assert seen["current"] == "王芳"


def test_a_clerks_statistics_are_their_own(qtbot, store, archive, people):
    from app.contacts import ContactService
    from app.summary import SummaryService
    from ui.summary_tab import SummaryTab

    tab = SummaryTab(SummaryService(store), ContactService(store), archive,
                     StaffService(store).clerks(), people["wang"], today_fn=lambda: TODAY)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    tab.refresh()
    assert [tab.clerk_combo.itemText(i) for i in range(tab.clerk_combo.count())] == ["王芳"]
    assert not tab.clerk_combo.isEnabled() and tab.clerk_id() == people["wang"].id
    assert tab.figures.clerk_id == people["wang"].id
    assert not tab.feedback_button.isVisible()
    boss = SummaryTab(SummaryService(store), ContactService(store), archive,
                      StaffService(store).clerks(), people["boss"], today_fn=lambda: TODAY)
    qtbot.addWidget(boss)
    assert [boss.clerk_combo.itemText(i) for i in range(boss.clerk_combo.count())] == [
        "全部", "王芳", "李强"]


def test_the_password_is_changed_from_the_menu(qtbot, window_for, store, people, monkeypatch):
    from ui.staff_dialog import PasswordDialog

    staff = StaffService(store)
    dialogs = []

    def run(self):
        dialogs.append(self)
        self.show()
        self.old.setText("wrong1")
        self.new.setText("newpass1")
        self.new2.setText("newpass1")
        qtbot.keyClick(self.new2, Qt.Key.Key_Return)
        assert self.result() != self.DialogCode.Accepted
        assert "原密码不对" in self.fields.error_text("old")
        self.old.setText("secret12")
        self.new.setText("abc")
        self.new2.setText("abc")
        qtbot.keyClick(self.new2, Qt.Key.Key_Return)
        assert "至少 8 位" in self.fields.error_text("password")
        self.new.setText("newpass1")
        self.new2.setText("newpass2")
        qtbot.keyClick(self.new2, Qt.Key.Key_Return)
        assert "不一样" in self.fields.error_text("password2")
        self.new2.setText("newpass1")
        qtbot.keyClick(self.new2, Qt.Key.Key_Return)
        return self.result()

    monkeypatch.setattr(PasswordDialog, "exec", run)
    w = window_for(people["wang"])
    w.act_password.trigger()
    assert len(dialogs) == 1 and "密码已修改" in w.statusBar().currentMessage()
    assert staff.login("wangfang", "newpass1").id == people["wang"].id  # the next login
    with pytest.raises(LoginError):
        staff.login("wangfang", "secret12")
