"""修改记录 and stale saves (issue 14): who changed what is kept; a save made on an older read is
refused with who saved first, and the typed text is not lost."""

from __future__ import annotations

import pytest

from app.archive import CustomerInput, StaleEdit, VehicleInput
from app.history import HistoryService
from app.staff import RoleRefused, StaffService
from db.models import Role


@pytest.fixture
def clerks(store):
    staff = StaffService(store)
    return (staff.create("wangfang", "王芳", Role.CLERK, "secret12"),
            staff.create("liqiang", "李强", Role.CLERK, "secret12"))


def test_an_old_phone_number_and_who_changed_it_are_kept(store, archive, clerks):
    wang, _ = clerks
    cid = archive.create_customer(CustomerInput(name="张伟", phone="13812345678"),
                                  [VehicleInput(plate="粤A12345")])
    store.actor_id = wang.id
    detail = archive.detail(cid)
    archive.update_customer(cid, CustomerInput(name="张伟", phone="13900001111"),
                            detail.version)
    [change] = [c for c in HistoryService(store).for_customer(cid) if c.field == "联系电话"]
    assert (change.who, change.action, change.old, change.new) == (
        "王芳", "修改", "13812345678", "13900001111")


def test_who_deleted_survives_the_restore(store, archive, clerks):
    cid = archive.create_customer(CustomerInput(name="李明", phone="13900001111"))
    archive.delete_customer(cid)
    archive.restore_customer(cid)
    actions = [c.action for c in HistoryService(store).for_customer(cid)]
    assert actions[:2] == ["恢复", "删除"] and actions[-1] == "新建"
    assert {c.who for c in HistoryService(store).for_customer(cid)} == {"管理员"}


def test_a_save_on_an_older_read_is_refused_with_who_saved_first(store, archive, clerks):
    wang, li = clerks
    cid = archive.create_customer(CustomerInput(name="张伟", phone="13812345678"))
    read_by_li = archive.detail(cid)  # both desks open the same customer
    store.actor_id = wang.id
    archive.update_customer(cid, CustomerInput(name="张伟", phone="13900001111",
                                               address="天河区"), archive.detail(cid).version)
    store.actor_id = li.id
    with pytest.raises(StaleEdit) as stale:
        archive.update_customer(cid, CustomerInput(name="张伟", phone="13812345678",
                                                   notes="李强的备注"), read_by_li.version)
    assert "此客户已被王芳在" in stale.value.message and "没有保存" in stale.value.message
    assert archive.detail(cid).phone == "13900001111"  # 王芳's save stands
    fresh = archive.detail(cid)
    archive.update_customer(cid, CustomerInput(name="张伟", phone="13900001111",
                                               notes="李强的备注"), fresh.version)
    assert archive.detail(cid).notes == "李强的备注"


def test_a_car_saved_twice_from_old_reads_is_refused(store, archive, clerks):
    cid = archive.create_customer(CustomerInput(name="张伟", phone="13812345678"),
                                  [VehicleInput(plate="粤A12345")])
    car = archive.detail(cid).vehicles[0]
    archive.update_vehicle(car.id, VehicleInput(plate="粤A12345", model="卡罗拉"), car.version)
    with pytest.raises(StaleEdit):
        archive.update_vehicle(car.id, VehicleInput(plate="粤A12345", model="凯美瑞"),
                               car.version)


def test_only_the_admin_reads_the_whole_centers_log(store, archive, clerks):
    wang, _ = clerks
    archive.create_customer(CustomerInput(name="张伟", phone="13812345678"))
    assert HistoryService(store).recent()
    store.actor_id = wang.id
    with pytest.raises(RoleRefused):
        HistoryService(store).recent()


def test_the_customer_dialog_keeps_the_typed_text_on_a_stale_save(
        qtbot, store, archive, clerks, msgbox, monkeypatch):
    from ui import common
    from ui.customer_dialog import CustomerDialog

    wang, li = clerks
    cid = archive.create_customer(CustomerInput(name="张伟", phone="13812345678"))
    store.actor_id = li.id
    dialog = CustomerDialog(archive, [wang, li], customer=archive.detail(cid))
    qtbot.addWidget(dialog)
    dialog.show()
    store.actor_id = wang.id  # another desk saves first
    archive.update_customer(cid, CustomerInput(name="张伟", phone="13900001111"),
                            archive.detail(cid).version)
    store.actor_id = li.id
    dialog.notes.setPlainText("李强的备注")
    answers = iter([1, 0])  # keep mine, then load theirs
    asked = []
    monkeypatch.setattr(common, "choose",
                        lambda _p, _t, text, _b: asked.append(text) or next(answers))
    dialog.save()
    assert dialog.isVisible() and "王芳" in asked[0]
    assert dialog.notes.toPlainText() == "李强的备注"  # nothing typed is lost
    dialog.save()
    assert dialog.phone.text() == "13900001111"  # theirs loaded, on request
    dialog.notes.setPlainText("李强的备注")
    dialog.save()
    assert not dialog.isVisible()
    detail = archive.detail(cid)
    assert (detail.phone, detail.notes) == ("13900001111", "李强的备注")


def test_the_history_dialog_lists_and_filters(qtbot, store, archive, clerks):
    from ui.history_dialog import HistoryDialog

    cid = archive.create_customer(CustomerInput(name="张伟", phone="13812345678"))
    archive.update_customer(cid, CustomerInput(name="张伟", phone="13900001111"),
                            archive.detail(cid).version)
    dialog = HistoryDialog("修改记录", HistoryService(store).for_customer(cid))
    qtbot.addWidget(dialog)
    dialog.show()
    assert len(dialog.visible_rows()) >= 2
    dialog.filter.setText("13900001111")
    [row] = dialog.visible_rows()
    assert row[1:] == ["管理员", "客户 张伟", "修改", "联系电话", "13812345678", "13900001111"]


def test_settings_read_in_plain_words_and_bookkeeping_is_not_logged(store):
    from app.letters import LetterService

    letters = LetterService(store)
    letters.templates()  # seeds the default templates: not a change anybody made
    letters.save_center(name="广州顺达汽车服务中心", address="", phone="")
    changes = HistoryService(store).recent()
    assert [(c.field, c.new) for c in changes if c.what == "设置"] == [
        ("中心名称", "广州顺达汽车服务中心")]
