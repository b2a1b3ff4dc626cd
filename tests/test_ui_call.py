"""The call dialog and the request queue, driven through the real widgets (R4, R5, R7)."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.archive import CustomerInput, VehicleInput, VisitInput
from app.contacts import CallInput, ContactService
from app.staff import StaffService
from app.tasks import TaskService
from db.models import Role, VisitKind
from tests.worlds import NOW, TODAY

# msgbox comes before qtbot in every signature: it is torn down after qtbot closes the
# dialogs, so a close never reaches a real (blocking) message box.


@pytest.fixture
def people(store, monkeypatch):
    monkeypatch.setattr("app.staff.hash_password", lambda password: "unused")
    staff = StaffService(store)
    clerk = staff.create("wangfang", "王芳", Role.CLERK, "secret12")
    boss = staff.create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12")
    store.actor_id = clerk.id
    return {"clerk": clerk, "boss": boss}


@pytest.fixture
def customer(archive, people):
    cid = archive.create_customer(
        CustomerInput(name="张伟", phone="13812345678", address="广州市天河区",
                      clerk_id=people["clerk"].id, services_wanted="上门取送车"),
        [VehicleInput(plate="粤A12345", model="丰田卡罗拉", kind="轿车",
                      maintenance_cycle_months=6,
                      next_maintenance_date=TODAY + dt.timedelta(days=100))])
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=TODAY - dt.timedelta(days=5),
        pickup_date=TODAY - dt.timedelta(days=4), service_items="更换刹车片"))
    return cid


@pytest.fixture
def contacts(store):
    return ContactService(store)


@pytest.fixture
def open_dialog(qtbot, contacts, archive):
    from ui.call_dialog import CallDialog

    def make(**kwargs):
        dialog = CallDialog(contacts, archive, now_fn=lambda: NOW, **kwargs)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def task_of(store, cid, kind, status="open"):
    found = [t for t in TaskService(store).for_customer(cid, TODAY)
             if t.kind == kind and t.status == status]
    assert len(found) <= 1, found
    return found[0] if found else None


def save(qtbot, dialog):
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_followup_call_from_a_task_then_the_second_call_sees_what_was_said(
        msgbox, qtbot, store, customer, contacts, open_dialog):
    first = task_of(store, customer, "first_followup")
    dialog = open_dialog(task=first)
    assert dialog.call_type.currentData() == "followup"
    assert dialog.direction_label.text() == "去电"
    assert "张伟" in dialog.summary["name"].text() and "粤A12345" in dialog.summary[
        "vehicles"].text()
    assert dialog.history_table.rowCount() == 0
    topics = [dialog.talking.item(i).text() for i in range(dialog.talking.count())]
    assert any("下次保养" in t for t in topics) and any("更换刹车片" in t for t in topics)

    dialog.points[1].setChecked(True)
    dialog.points[2].setChecked(True)
    dialog.key_points.setPlainText("刹车正常，无异响")
    dialog.talking.item(0).setCheckState(Qt.CheckState.Checked)  # a topic joins the points
    assert dialog.key_points.toPlainText().splitlines() == ["刹车正常，无异响", topics[0]]
    dialog.talking.item(0).setCheckState(Qt.CheckState.Unchecked)  # and leaves again
    assert dialog.key_points.toPlainText() == "刹车正常，无异响"
    qtbot.mouseClick(dialog.satisfaction_buttons["satisfied"], Qt.MouseButton.LeftButton)
    save(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted and msgbox.shown == []
    assert first.task_id in dialog.outcome.closed_task_ids
    assert task_of(store, customer, "first_followup") is None
    [call] = contacts.calls_for_customer(customer)
    assert (call.points_covered, call.satisfaction, call.clerk_name, call.plate) == (
        (1, 2), "satisfied", "王芳", "粤A12345")
    second = task_of(store, customer, "second_followup")
    assert second is not None

    # R4: the second call shows what the first one covered
    again = open_dialog(task=second)
    assert again.history_table.rowCount() == 1
    assert again.history_table.item(0, 3).text() == "(1)(2)"
    assert "刹车正常" in again.history_detail.text()
    assert "(1)(2)" in again.covered_label.text()
    assert again.point_notes[1].isVisible() and again.point_notes[2].isVisible()
    assert not again.point_notes[3].isVisible()
    assert not any(c.isChecked() for c in again.points.values())


def test_empty_followup_is_refused_at_the_points(msgbox, qtbot, store, customer, contacts,
                                                 open_dialog):
    dialog = open_dialog(task=task_of(store, customer, "first_followup"))
    save(qtbot, dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "通话要点" in dialog.errors.text("key_points")
    assert dialog.errors.labels["key_points"].isVisible()
    assert contacts.calls_for_customer(customer) == []


def test_complaint_escalated_then_solved_in_the_supervisors_queue(
        msgbox, qtbot, store, customer, contacts, people, open_dialog):
    from ui.request_dialog import OVERDUE, RequestQueueDialog

    dialog = open_dialog(task=task_of(store, customer, "first_followup"))
    assert not dialog.request_panel.isEnabled()  # nothing asked yet
    dialog.points[1].setChecked(True)
    dialog.key_points.setPlainText("客户反映刹车异响")
    dialog.request_text.setPlainText("刹车异响，修完仍有")
    assert dialog.request_panel.isEnabled()
    dialog.is_complaint.setChecked(True)
    dialog.department.setCurrentIndex(dialog.department.findData("车间"))
    # 当场答复 needs the answer written
    qtbot.mouseClick(dialog.handling_buttons["answered"], Qt.MouseButton.LeftButton)
    save(qtbot, dialog)
    assert "答复内容" in dialog.errors.text("solution")
    assert dialog.request_text.toPlainText() == "刹车异响，修完仍有"
    qtbot.mouseClick(dialog.handling_buttons["escalated"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.satisfaction_buttons["unsatisfied"], Qt.MouseButton.LeftButton)
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    rid = dialog.outcome.request_id
    assert contacts.request(rid).department == "车间"

    # three days on, the escalation (due call + 2) is late: red in the queue
    late = RequestQueueDialog(contacts, today_fn=lambda: TODAY + dt.timedelta(days=3))
    qtbot.addWidget(late)
    assert late.table.item(0, 6).foreground().color() == OVERDUE
    assert "已逾期" in late.count_label.text()

    store.actor_id = people["boss"].id
    queue = RequestQueueDialog(contacts, today_fn=lambda: TODAY)
    qtbot.addWidget(queue)
    queue.show()
    assert queue.table.rowCount() == 1
    assert queue.table.item(0, 0).text() == "已上报主管"
    assert "【投诉】刹车异响" in queue.table.item(0, 2).text()
    assert "车间" in queue.detail.text() and "张伟" in queue.detail.text()
    assert queue.table.item(0, 6).foreground().color() != OVERDUE
    assert not queue.escalate_button.isEnabled()  # already with the supervisor
    save_solution = queue.solve_button
    qtbot.mouseClick(save_solution, Qt.MouseButton.LeftButton)  # nothing written yet
    assert "解决办法" in queue.solution_error.text() and queue.solution_error.isVisible()
    queue.solution.setPlainText("免费更换刹车盘，周六到店")
    with qtbot.waitSignal(queue.changed, timeout=1000):
        qtbot.mouseClick(save_solution, Qt.MouseButton.LeftButton)
    assert contacts.request(rid).status == "solved"
    assert queue.table.item(0, 0).text() == "已有解决办法"
    assert not queue.solve_button.isEnabled()
    reply = task_of(store, customer, "reply")
    assert (reply.due, reply.owner_name) == (TODAY, "王芳")
    assert task_of(store, customer, "escalation") is None

    # the reply call opened from that task is a 答复 call
    answer = open_dialog(task=reply)
    assert answer.call_type.currentData() == "reply"
    assert "免费更换刹车盘" in answer.task_topic.text()


def test_studied_request_is_escalated_from_the_queue(msgbox, qtbot, store, customer, contacts,
                                                    open_dialog):
    from ui.request_dialog import RequestQueueDialog

    dialog = open_dialog(customer_id=customer)
    dialog.call_type.setCurrentIndex(dialog.call_type.findData("consultation"))
    dialog.key_points.setPlainText("询问保养套餐")
    dialog.request_text.setPlainText("想要保养套餐报价")
    dialog.handling_buttons["study"].setChecked(True)
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    queue = RequestQueueDialog(contacts, today_fn=lambda: TODAY)
    qtbot.addWidget(queue)
    assert queue.table.item(0, 0).text() == "处理中" and queue.escalate_button.isEnabled()
    qtbot.mouseClick(queue.escalate_button, Qt.MouseButton.LeftButton)
    assert contacts.request(dialog.outcome.request_id).status == "escalated"
    assert task_of(store, customer, "escalation").owner_name == "黄主管"


def test_reschedule_without_a_time_is_shown_at_the_retry_field(
        msgbox, qtbot, store, customer, contacts, open_dialog):
    dialog = open_dialog(task=task_of(store, customer, "first_followup"))
    dialog.key_points.setPlainText("客户说在开会，晚些再打")
    dialog.unreached.setChecked(True)
    assert not dialog.points_box.isEnabled() and not dialog.satisfaction_row.isEnabled()
    qtbot.mouseClick(dialog.no_answer_buttons["reschedule"], Qt.MouseButton.LeftButton)
    assert dialog.retry_enabled.isChecked()  # 改约时间 asks for the time
    suggested = dialog.retry_at.dateTime().toPython()
    assert suggested.time() == dt.time(10) and suggested.date() > TODAY
    dialog.retry_enabled.setChecked(False)
    save(qtbot, dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "再次联系的时间" in dialog.errors.text("retry_at")
    assert dialog.errors.labels["retry_at"].isVisible()
    assert dialog.key_points.toPlainText() == "客户说在开会，晚些再打"
    assert dialog.no_answer_buttons["reschedule"].isChecked()
    assert contacts.calls_for_customer(customer) == []

    dialog.retry_enabled.setChecked(True)
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    retry = task_of(store, customer, "retry")
    assert retry.due == suggested.date()
    assert task_of(store, customer, "first_followup") is not None  # still to be done


def test_after_three_failed_attempts_the_task_offers_a_letter(
        msgbox, qtbot, store, customer, contacts, people, open_dialog):
    first = task_of(store, customer, "first_followup")
    dialog = open_dialog(task=first)
    assert dialog.unreachable_notice is None
    dialog.close()
    for reason in ("no_answer", "powered_off"):
        contacts.log_call(CallInput(customer_id=customer, called_at=NOW, task_id=first.task_id,
                                    reached=False, no_answer_reason=reason))
    # the third failed call, logged through the dialog, says so
    dialog = open_dialog(task=task_of(store, customer, "first_followup"))
    dialog.unreached.setChecked(True)
    dialog.no_answer_buttons["no_answer"].setChecked(True)
    save(qtbot, dialog)
    assert dialog.outcome.unreachable
    [(kind, _title, text)] = msgbox.shown
    assert kind == "information" and "3 次联系不上" in text and "信函" in text

    [item] = [i for i in TaskService(store).agenda(people["clerk"], TODAY)
              if i.task_id == first.task_id]
    dialog = open_dialog(task=item)
    assert dialog.unreachable_notice is not None and dialog.unreachable_notice.isVisible()
    assert "已 3 次联系不上，建议改发信函" in dialog.unreachable_label.text()
    qtbot.mouseClick(dialog.letter_button, Qt.MouseButton.LeftButton)
    assert dialog.wants_letter and dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.outcome is None and len(msgbox.shown) == 1


def test_incoming_call_finds_the_customer_by_phone(msgbox, qtbot, store, customer, contacts,
                                                   open_dialog):
    dialog = open_dialog(incoming=True)
    assert dialog.direction_label.text() == "来电"
    assert dialog.call_type.currentData() == "consultation"
    assert not dialog.unreached.isVisible()
    qtbot.keyClicks(dialog.caller.search, "567")
    assert not dialog.caller.matches.isVisible()  # too few digits to look up
    qtbot.keyClicks(dialog.caller.search, "8")
    assert dialog.caller.matches.isVisible() and dialog.caller.matches.count() == 1
    assert "张伟" in dialog.caller.matches.item(0).text()
    qtbot.keyClick(dialog.caller.search, Qt.Key.Key_Return)
    assert dialog.customer is not None and dialog.customer.id == customer
    assert not dialog.caller.matches.isVisible()
    assert dialog.caller_name.text() == "张伟" and "张伟" in dialog.summary["name"].text()

    dialog.key_points.setPlainText("问周日是否营业")
    dialog.request_text.setPlainText("周日是否营业")
    dialog.handling_buttons["answered"].setChecked(True)
    dialog.solution.setPlainText("周日照常营业")
    dialog.satisfaction_buttons["satisfied"].setChecked(True)
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    [call] = contacts.calls_for_customer(customer)
    assert (call.direction, call.call_type, call.phone) == ("in", "consultation", "13812345678")
    assert contacts.request(dialog.outcome.request_id).status == "closed"


def test_incoming_call_from_someone_not_in_the_archive(msgbox, qtbot, store, customer,
                                                       contacts, open_dialog):
    dialog = open_dialog(incoming=True)
    qtbot.keyClicks(dialog.caller.search, "13900009999")
    assert "没有找到" in dialog.caller.matches.item(0).text()
    qtbot.keyClick(dialog.caller.search, Qt.Key.Key_Return)  # nothing to pick
    assert dialog.customer is None
    dialog.caller_name.setText("李先生")
    dialog.key_points.setPlainText("询问保养价格")
    dialog.request_text.setPlainText("希望报价")
    dialog.handling_buttons["study"].setChecked(True)
    save(qtbot, dialog)  # a request to follow up needs an archived customer
    assert "客户档案" in dialog.errors.text("request")
    dialog.handling_buttons["answered"].setChecked(True)
    dialog.solution.setPlainText("小保养 380 元")
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    call = contacts.call(dialog.outcome.call_id)
    assert (call.customer_id, call.customer_name, call.phone) == (None, "李先生", "13900009999")
    assert "小保养 380 元" in call.result


def test_a_call_to_a_customer_picked_by_pinyin(msgbox, qtbot, store, customer, contacts,
                                               open_dialog):
    dialog = open_dialog()
    dialog.points[1].setChecked(True)
    save(qtbot, dialog)
    assert "请选择客户" in dialog.errors.text("customer")
    qtbot.keyClicks(dialog.picker.search, "zw")
    qtbot.keyClick(dialog.picker.search, Qt.Key.Key_Return)
    assert dialog.customer.id == customer and dialog.talking.count() >= 2
    assert dialog.points[1].isChecked()  # picking the customer kept the ticks
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert contacts.calls_for_customer(customer)[0].direction == "out"


def test_ctrl_enter_saves(msgbox, qtbot, store, customer, contacts, open_dialog):
    dialog = open_dialog(customer_id=customer)
    dialog.points[6].setChecked(True)
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert contacts.calls_for_customer(customer)[0].points_covered == (6,)


def test_an_incoming_followup_call_closes_the_open_followup_and_keeps_the_score(
        msgbox, qtbot, store, customer, contacts, open_dialog):
    first = task_of(store, customer, "first_followup")
    dialog = open_dialog(incoming=True)
    qtbot.keyClicks(dialog.caller.search, "13812345678")
    qtbot.keyClick(dialog.caller.search, Qt.Key.Key_Return)
    assert not dialog.followup_row.isVisible()  # an incoming call starts as 咨询
    dialog.call_type.setCurrentIndex(dialog.call_type.findData("followup"))
    assert dialog.followup_row.isVisible()
    assert dialog.followup_task.currentData() == first.task_id  # earliest due by default
    assert dialog.followup_task.itemText(dialog.followup_task.count() - 1) == "不完成任何跟踪任务"
    dialog.key_points.setPlainText("客户来电：刹车很好")
    dialog.satisfaction_buttons["satisfied"].setChecked(True)
    dialog.score.setCurrentIndex(dialog.score.findData(9))
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert first.task_id in dialog.outcome.closed_task_ids
    assert task_of(store, customer, "first_followup", "done").done_on == TODAY
    assert task_of(store, customer, "second_followup") is not None
    with store.read() as s:
        from db.models import Call

        [call] = s.query(Call).all()
        assert (call.task_id, call.score, call.result) == (first.task_id, 9, "已回访")


def test_a_call_the_clerk_says_closes_no_followup_leaves_it_open(
        msgbox, qtbot, store, customer, contacts, open_dialog):
    dialog = open_dialog(customer_id=customer)
    assert dialog.followup_row.isVisible()
    dialog.followup_task.setCurrentIndex(dialog.followup_task.findData(0))
    dialog.key_points.setPlainText("顺便问候")
    save(qtbot, dialog)
    assert dialog.outcome.closed_task_ids == []
    assert task_of(store, customer, "first_followup") is not None


# ---------------------------------------------------------------- keys


def _mnemonic(text: str) -> str:
    return text[text.index("&") + 1].upper()


def test_talking_points_and_satisfaction_have_unique_alt_keys(
        msgbox, qtbot, customer, open_dialog):
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

    dialog = open_dialog(customer_id=customer)
    for number, check in dialog.points.items():
        assert check.text().startswith(f"(&{number})")
    for button in dialog.satisfaction_buttons.values():
        assert "(&" in button.text()  # shown in the label: 满意(M)
    texts = [w.text() for w in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel)]
    texts += [g.title() for g in dialog.findChildren(QGroupBox)]
    keys = [_mnemonic(t) for t in texts if "&" in t.replace("&&", "")]
    assert len(keys) >= 11 and len(keys) == len(set(keys)), keys


def test_alt_number_ticks_a_talking_point_and_alt_letter_chooses_satisfaction(
        msgbox, qtbot, customer, open_dialog):
    from PySide6.QtTest import QTest

    dialog = open_dialog(customer_id=customer)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    alt = Qt.KeyboardModifier.AltModifier
    QTest.keyClick(dialog.key_points, Qt.Key.Key_3, alt)
    qtbot.waitUntil(lambda: dialog.points[3].isChecked())
    assert dialog.points[3].hasFocus() and not dialog.points[2].isChecked()
    QTest.keyClick(dialog.points[3], Qt.Key.Key_J, alt)
    qtbot.waitUntil(lambda: dialog.satisfaction_buttons["basic"].isChecked())
    assert dialog.satisfaction_buttons["basic"].hasFocus()


def test_ticking_the_unreached_box_clears_a_stale_error(msgbox, qtbot, store, customer,
                                                        open_dialog):
    dialog = open_dialog(task=task_of(store, customer, "first_followup"))
    save(qtbot, dialog)  # nothing said, nothing ticked
    assert dialog.result() != QDialog.DialogCode.Accepted
    label = dialog.errors.labels["key_points"]
    assert label.isVisible() and "通话要点" in label.text()
    dialog.unreached.setChecked(True)
    assert not label.isVisible() and label.text() == ""


def test_the_unreached_box_and_its_first_reason_read_differently(msgbox, qtbot, customer,
                                                                  open_dialog):
    dialog = open_dialog(customer_id=customer)
    title = dialog.unreached.title().replace("&", "")
    first = dialog.no_answer_buttons["no_answer"].text().replace("&", "")
    assert first == "未接通" and "未接通" not in title
