"""The letter, template and campaign dialogs, driven through the real widgets."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.archive import CustomerInput, VehicleInput
from app.campaigns import CampaignService, InviteeFilter
from app.contacts import CallInput, ContactService
from app.letters import LetterService
from app.tasks import TaskService

D = dt.date
TODAY = D(2026, 11, 20)


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    """The app's clock reads this file's day, like the services it calls."""
    frozen_clock.freeze(TODAY)


@pytest.fixture
def invited(archive):
    return {
        "张伟": archive.create_customer(
            CustomerInput(name="张伟", phone="13812345678", address="广州市天河区体育西路 1 号",
                          region="天河"), [VehicleInput(plate="粤A12345", model="丰田卡罗拉")]),
        "王芳": archive.create_customer(
            CustomerInput(name="王芳", phone="13900001111", address="广州市越秀区中山五路 8 号",
                          region="越秀"), [VehicleInput(plate="粤A54321", model="本田雅阁")]),
        "李强": archive.create_customer(
            CustomerInput(name="李强", phone="13700002222"),
            [VehicleInput(plate="粤A11111", model="丰田凯美瑞")]),
    }


@pytest.fixture
def letters(store):
    """A center whose letterhead is filled in (the first start asks for it)."""
    service = LetterService(store)
    service.save_center(name="广州顺达汽车维修服务中心", phone="020-38881234")
    return service


@pytest.fixture
def notified_campaign(store, invited):
    """A campaign for the two customers in 广州, both told by phone: letter tasks are open."""
    campaigns = CampaignService(store)
    cid = campaigns.create(kind="免费检测周", title="冬季免费检测周", content="免费检测空调、电瓶",
                           event_date=D(2026, 12, 10), place="本中心维修车间",
                           invitees=InviteeFilter(regions=["广州"]), today=TODAY)
    tasks = TaskService(store)
    for t in tasks.between(D(2026, 11, 1), D(2026, 12, 31), TODAY):
        if t.kind == "event_notice":
            ContactService(store).log_call(CallInput(
                customer_id=t.customer_id, called_at=dt.datetime(2026, 11, 21, 10),
                call_type="notice", task_id=t.task_id, points_covered=[5], campaign_id=cid),
                today=D(2026, 11, 21))
    return cid


@pytest.fixture
def saved_pdfs(monkeypatch, tmp_path):
    """QFileDialog answers with a file in tmp_path; opening the viewer is recorded instead."""
    from ui import letter_dialog

    opened = []
    target = tmp_path / "信函"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "PDF 文件 (*.pdf)")))
    monkeypatch.setattr(letter_dialog, "open_file", opened.append)
    return opened


def make_letter_dialog(qtbot, letters, **kw):
    from ui.letter_dialog import LetterDialog

    dialog = LetterDialog(letters, None, today_fn=lambda: D(2026, 11, 22), **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def letter_tasks(store, customer_id):
    return [t for t in TaskService(store).for_customer(customer_id, D(2026, 11, 22))
            if t.kind == "event_letter"]


def test_a_campaign_batch_is_registered_and_its_letter_tasks_done(
        qtbot, store, letters, invited, notified_campaign, msgbox):
    invitees = CampaignService(store).invitees(notified_campaign)
    assert set(invitees) == {invited["张伟"], invited["王芳"]}
    assert all(t.status == "open" for c in invitees for t in letter_tasks(store, c))
    dialog = make_letter_dialog(qtbot, letters, customer_ids=invitees, kind="invitation",
                                campaign_id=notified_campaign)
    assert dialog.kind.currentData() == "invitation"
    assert dialog.recipients.count() == 2 and dialog.body.isReadOnly()
    assert "冬季免费检测周" in dialog.subject.text()
    assert "2026年12月10日" in dialog.body.toPlainText()
    dialog.recipients.setCurrentRow(1)
    assert "王芳" in dialog.body.toPlainText()
    assert dialog.way.currentData() == "mail"
    dialog.note.setText("第一批")
    with qtbot.waitSignal(dialog.registered) as signal:
        qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert len(dialog.registered_ids) == 2 and signal.args == [dialog.registered_ids]
    assert not dialog.register_button.isEnabled() and "已登记 2 封" in dialog.status.text()
    rows = letters.letter_rows(dialog.registered_ids).values()
    assert {(r.kind, r.way, r.sent_on, r.note, r.campaign_id) for r in rows} == {
        ("invitation", "mail", D(2026, 11, 22), "第一批", notified_campaign)}
    assert all(t.status == "done" for c in invitees for t in letter_tasks(store, c))
    assert CampaignService(store).get(notified_campaign).letters == 2
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted


def test_mail_without_an_address_is_refused_at_the_field(qtbot, letters, invited, msgbox):
    dialog = make_letter_dialog(qtbot, letters, customer_ids=[invited["张伟"], invited["李强"]],
                                kind="notice")
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    error = dialog.form.errors["recipients"]
    assert error.isVisible() and "没有地址" in error.text() and "李强" in error.text()
    assert dialog.registered_ids == [] and letters.letter_ids() == []
    assert dialog.register_button.isEnabled()
    # handed over at the desk, the same letters need no address
    dialog.way.setCurrentIndex(dialog.way.findData("hand"))
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert len(dialog.registered_ids) == 2 and not error.isVisible()


def test_a_campaign_template_without_a_campaign_asks_first(qtbot, letters, invited, msgbox):
    dialog = make_letter_dialog(qtbot, letters, customer_ids=[invited["张伟"]], kind="notice")
    dialog.template.setCurrentIndex(dialog.template.findText("活动通知"))
    assert dialog.placeholder_hint.isVisible() and "{活动名称}" in dialog.placeholder_hint.text()
    msgbox.confirm_answer = False
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert msgbox.shown[-1][0] == "confirm" and "{活动名称}" in msgbox.shown[-1][2]
    assert letters.letter_ids() == [] and dialog.registered_ids == []
    dialog.template.setCurrentIndex(dialog.template.findText("保养提醒通知"))
    assert not dialog.placeholder_hint.isVisible()


def test_a_bad_date_is_shown_at_the_field(qtbot, letters, invited, msgbox):
    dialog = make_letter_dialog(qtbot, letters, customer_ids=[invited["张伟"]])
    dialog.sent_on.setText("2026-13-45")
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert dialog.form.errors["sent_on"].isVisible()
    assert "发函日期" in dialog.form.error_text("sent_on") and letters.letter_ids() == []


def test_a_single_letter_is_edited_printed_and_registered(
        qtbot, letters, invited, msgbox, saved_pdfs, tmp_path):
    dialog = make_letter_dialog(qtbot, letters, customer_ids=[invited["张伟"]], kind="notice")
    template = dialog.template.findText("保养提醒通知")
    dialog.template.setCurrentIndex(template)
    assert "粤A12345" in dialog.body.toPlainText() and not dialog.body.isReadOnly()
    dialog.subject.setText("您的爱车该保养了")
    dialog.subject.textEdited.emit("您的爱车该保养了")
    dialog.body.setPlainText("尊敬的张伟：\n\n本月到店保养工时费八折。")
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    pdf = tmp_path / "信函.pdf"
    assert saved_pdfs == [pdf] and pdf.exists()
    assert dialog.pdf_result.pages == 2 and dialog.pdf_result.labels == 1
    assert "共 2 页" in dialog.status.text()
    from pypdf import PdfReader

    text = "".join(PdfReader(str(pdf)).pages[0].extract_text().split())
    assert "您的爱车该保养了" in text and "工时费八折" in text
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    [row] = letters.letter_rows(dialog.registered_ids).values()
    assert row.subject == "您的爱车该保养了" and "八折" in row.body and row.kind == "notice"


def test_a_big_batch_is_written_off_the_ui_thread(
        qtbot, letters, invited, msgbox, saved_pdfs, tmp_path, monkeypatch):
    from ui.letter_dialog import LetterDialog

    monkeypatch.setattr(LetterDialog, "THREAD_THRESHOLD", 1)
    dialog = make_letter_dialog(qtbot, letters, customer_ids=list(invited.values()))
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert dialog.pdf_running() or dialog.pdf_result is not None
    qtbot.waitUntil(lambda: dialog.pdf_result is not None, timeout=20000)
    qtbot.waitUntil(lambda: not dialog.pdf_running())
    assert dialog.pdf_result.letters == 3 and dialog.pdf_result.labels == 2
    assert dialog.pdf_result.no_address == ["李强"] and "李强" in dialog.status.text()
    assert (tmp_path / "信函.pdf").exists() and dialog.print_button.isEnabled()
    assert dialog.bar.isHidden()


def test_the_template_dialog_saves_a_new_template_and_the_letterhead(qtbot, letters, msgbox):
    from ui.template_dialog import TemplateDialog

    dialog = TemplateDialog(letters)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.list.count() == 5  # the default templates
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    dialog.kind.setCurrentIndex(dialog.kind.findData("notice"))
    dialog.subject.setText("春节营业安排")
    dialog.body.setPlainText("尊敬的")
    dialog.body.moveCursor(dialog.body.textCursor().MoveOperation.End)
    qtbot.mouseClick(dialog.placeholder_buttons["客户名称"], Qt.MouseButton.LeftButton)
    assert dialog.body.toPlainText() == "尊敬的{客户名称}"
    assert not dialog.save()  # no name yet
    assert dialog.form.errors["name"].isVisible()
    assert "模板名称" in dialog.form.error_text("name")
    dialog.name.setText("春节通知")
    dialog.center_name.setText("广州顺达汽车维修服务中心")
    dialog.center_phone.setText("020-86661234")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    saved = [t for t in letters.templates("notice") if t.name == "春节通知"]
    assert len(saved) == 1 and saved[0].body == "尊敬的{客户名称}"
    assert dialog.saved_template_id == saved[0].id and dialog.list.count() == 6
    assert letters.center()["name"] == "广州顺达汽车维修服务中心"
    assert letters.center()["phone"] == "020-86661234"
    dialog.center_name.setText("")
    assert not dialog.save() and dialog.head_form.errors["center_name"].isVisible()
    dialog.center_name.setText("广州顺达汽车维修服务中心")
    dialog.center_phone.setText("8666")
    assert not dialog.save() and "区号" in dialog.head_form.error_text("center_phone")
    assert letters.center()["phone"] == "020-86661234"


def test_the_letter_dialog_opens_the_template_editor(qtbot, letters, invited, msgbox,
                                                      monkeypatch):
    from ui import template_dialog

    def fake_exec(self):
        self.name.setText("新年问候")
        self.kind.setCurrentIndex(self.kind.findData("notice"))
        self.subject.setText("新年快乐")
        self.body.setPlainText("尊敬的{客户名称}：新年快乐！")
        self.save()
        return 1

    monkeypatch.setattr(template_dialog.TemplateDialog, "exec", fake_exec)
    dialog = make_letter_dialog(qtbot, letters, customer_ids=[invited["张伟"]],
                                kind="invitation")
    qtbot.mouseClick(dialog.edit_templates, Qt.MouseButton.LeftButton)
    assert dialog.kind.currentData() == "notice"
    assert dialog.template.currentText() == "新年问候"
    assert dialog.body.toPlainText() == "尊敬的张伟：新年快乐！"


def test_the_campaign_dialog_counts_creates_and_hands_over_to_letters(
        qtbot, store, invited, msgbox):
    from ui.campaign_dialog import CampaignDialog

    campaigns = CampaignService(store)
    dialog = CampaignDialog(campaigns, None, today_fn=lambda: TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert "预计邀请 3 位客户" in dialog.count_label.text()
    dialog.models.setText("丰田， 本田")
    qtbot.waitUntil(lambda: "预计邀请 3 位" in dialog.count_label.text())
    dialog.models.setText("丰田")
    dialog.regions.setText("天河 越秀")
    qtbot.waitUntil(lambda: dialog.invitee_count == 1)
    assert "预计邀请 1 位客户" in dialog.count_label.text()
    dialog.visit_from.setText("2026-12-01")
    dialog.visit_to.setText("2026-11-01")
    qtbot.waitUntil(lambda: dialog.invitee_count is None)
    assert "起始日期晚于截止日期" in dialog.form.error_text("last_visit")
    dialog.visit_from.setText("")
    dialog.visit_to.setText("")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.form.errors["title"].isVisible() and dialog.form.errors["event_date"].isVisible()
    dialog.kind.setCurrentText("免费检测周")
    dialog.title_edit.setText("冬季免费检测周")
    dialog.content.setPlainText("免费检测空调、电瓶")
    dialog.event_date.setText("2026-12-03")
    dialog.place.setText("本中心维修车间")
    with qtbot.waitSignal(dialog.campaignCreated) as created:
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    [cid] = dialog.created_ids
    assert created.args == [cid] and "邀请 1 位客户" in dialog.create_status.text()
    assert campaigns.invitees(cid) == [invited["张伟"]]
    assert dialog.model.rowCount() == 1 and dialog.selected_id() == cid
    row = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert row[:7] == ["2026-12-03", "免费检测周", "冬季免费检测周", "本中心维修车间", "1",
                       "0", "0"]
    with qtbot.waitSignal(dialog.lettersRequested) as asked:
        qtbot.mouseClick(dialog.letters_button, Qt.MouseButton.LeftButton)
    assert asked.args == [cid] and dialog.letters_requested_id == cid
    msgbox.confirm_answer = False
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 1
    msgbox.confirm_answer = True
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 0 and campaigns.list() == []
    assert not dialog.letters_button.isEnabled()


def test_a_campaign_in_the_past_or_for_nobody_is_refused(qtbot, store, invited, msgbox):
    from ui.campaign_dialog import CampaignDialog

    dialog = CampaignDialog(CampaignService(store), None, today_fn=lambda: TODAY)
    qtbot.addWidget(dialog)
    dialog.title_edit.setText("联谊会")
    dialog.content.setPlainText("车友联谊、抽奖")
    dialog.place.setText("本中心展厅")
    dialog.event_date.setText("2026-11-01")
    dialog.create()
    assert "已经过去" in dialog.form.error_text("event_date")
    dialog.event_date.setText("2026-12-20")
    dialog.models.setText("保时捷")
    dialog.create()
    assert "没有找到" in dialog.form.error_text("invitees")
    assert CampaignService(store).list() == [] and dialog.created_ids == []


def test_campaign_model_passes_qtmodeltester(qtmodeltester, store, invited):
    from ui.campaign_dialog import CampaignModel

    campaigns = CampaignService(store)
    campaigns.create(kind="联谊活动", title="车友联谊会", content="车友联谊、抽奖",
                     event_date=D(2026, 12, 20), place="本中心展厅", invitees=InviteeFilter(),
                     today=TODAY)
    model = CampaignModel(campaigns, lambda: TODAY)
    model.refresh()
    qtmodeltester.check(model)


def test_a_registered_letter_shows_and_prints_its_number(
        qtbot, letters, invited, msgbox, saved_pdfs, tmp_path):
    from pypdf import PdfReader

    from app.files import umask

    dialog = make_letter_dialog(qtbot, letters, customer_ids=[invited["张伟"]], kind="notice")
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    pdf = tmp_path / "信函.pdf"
    assert "没有编号" in dialog.status.text()  # printed before registering: no number yet
    assert "2026-0001" not in "".join(PdfReader(str(pdf)).pages[0].extract_text().split())
    assert pdf.stat().st_mode & 0o777 == 0o666 & ~umask()
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert dialog.letter_numbers == ["2026-0001"] and "编号 2026-0001" in dialog.status.text()
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    text = "".join(PdfReader(str(pdf)).pages[0].extract_text().split())
    assert "2026-0001" in text and "张伟" in text
    assert "没有编号" not in dialog.status.text()


def test_a_batch_reports_its_range_of_numbers(qtbot, letters, invited, msgbox):
    dialog = make_letter_dialog(qtbot, letters, customer_ids=list(invited.values()),
                                kind="notice")
    dialog.way.setCurrentIndex(dialog.way.findData("hand"))
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert dialog.letter_numbers == ["2026-0001", "2026-0002", "2026-0003"]
    assert "编号 2026-0001 至 2026-0003" in dialog.status.text()
