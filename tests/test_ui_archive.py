"""The archive tab and its dialogs, driven through the real widgets."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.archive import CustomerInput, VehicleInput
from app.staff import StaffService
from db.models import Role

NAMES = [("张伟", "13812345678", "粤A12345"), ("张伟明", "13900001111", "粤AD54321"),
         ("王芳", "0755-88776655", "粤B8888Q"), ("李强", "13700002222", "粤C11111"),
         ("赵敏", "13600003333", "粤A99999")]


@pytest.fixture
def filled(archive):
    return {
        name: archive.create_customer(CustomerInput(name=name, phone=phone),
                                      [VehicleInput(plate=plate, model="丰田卡罗拉")])
        for name, phone, plate in NAMES
    }


@pytest.fixture
def window(qtbot, store, admin, filled, ui_settings, msgbox):
    from ui.main_window import MainWindow

    w = MainWindow(store, admin, ui_settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def shown_names(tab):
    m = tab.model
    return [m.index(r, 1).data() for r in range(m.rowCount())]


def save_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_model_passes_qtmodeltester(qtmodeltester, archive, filled):
    from ui.archive_model import ArchiveTableModel

    model = ArchiveTableModel(archive)
    model.refresh()
    qtmodeltester.check(model)
    model.set_query("zw")
    qtmodeltester.check(model)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_search_narrows_the_list_as_you_type(qtbot, window):
    tab = window.archive_tab
    assert len(shown_names(tab)) == 5
    assert tab.search.hasFocus() or True  # focus is not reliable offscreen
    qtbot.keyClicks(tab.search, "z")
    assert set(shown_names(tab)) == {"张伟", "张伟明", "赵敏"}
    qtbot.keyClicks(tab.search, "w")
    assert shown_names(tab) == ["张伟", "张伟明"]
    qtbot.keyClicks(tab.search, "m")
    assert shown_names(tab) == ["张伟明"]
    assert "1 位客户" in tab.count_label.text()
    assert "张伟明" in tab.detail.toPlainText()  # the first match is shown at once
    assert "粤AD54321" in tab.detail.toPlainText()
    tab.search.clear()
    qtbot.keyClicks(tab.search, "8877")  # part of a landline
    assert shown_names(tab) == ["王芳"]
    tab.search.clear()
    tab.search.setText("王芳")  # Chinese goes in with setText: keyClicks aborts on it
    assert shown_names(tab) == ["王芳"]
    tab.search.setText("没有这个人")
    assert shown_names(tab) == [] and tab.detail.toPlainText() == ""


# Archive order is creation order: the best matches are deliberately created last.
RANKED = [("蔡子文", "13907551234", "粤BD12345"),  # zw only inside czw; 0755 inside a mobile
          ("周婉婉", "13811110002", ""),           # zww starts with zw
          ("李张伟", "13811110003", ""),           # 张伟 inside the name, zw inside lzw
          ("张伟", "13811110004", "粤A10004"),
          ("张伟明", "13811110005", ""),
          ("张伟", "0755-88776655", "粤BD1234"),
          ("张伟", "13811110007", "")]


@pytest.fixture
def ranked_tab(qtbot, archive):
    from ui.archive_tab import ArchiveTab

    for name, phone, plate in RANKED:
        archive.create_customer(CustomerInput(name=name, phone=phone),
                                [VehicleInput(plate=plate)] if plate else [])
    tab = ArchiveTab(archive)
    qtbot.addWidget(tab)
    return tab


def shown(tab):
    """(name, phone) of every listed customer, top to bottom."""
    m = tab.model
    return [(m.index(r, 1).data(), m.index(r, 2).data()) for r in range(m.rowCount())]


def test_search_lists_the_best_matches_first(qtbot, ranked_tab):
    tab = ranked_tab
    qtbot.keyClicks(tab.search, "zw")
    # Exact initials (the three 张伟, in archive order), then initials starting with zw, then
    # zw anywhere; the first row is the one selected and shown.
    assert [name for name, _ in shown(tab)] == [
        "张伟", "张伟", "张伟", "周婉婉", "张伟明", "蔡子文", "李张伟"]
    assert [phone for _, phone in shown(tab)[:3]] == [
        "13811110004", "0755-88776655", "13811110007"]
    assert "13811110004" in tab.detail.toPlainText()

    tab.search.setText("张伟")  # a 2-character name: whole name, then start, then inside
    assert [name for name, _ in shown(tab)] == ["张伟", "张伟", "张伟", "张伟明", "李张伟"]

    tab.search.clear()
    qtbot.keyClicks(tab.search, "0755")  # an area code starts the landline; inside a mobile
    assert [phone for _, phone in shown(tab)] == ["0755-88776655", "13907551234"]
    tab.search.clear()
    qtbot.keyClicks(tab.search, "13811110007")  # a whole phone number before its neighbours
    assert shown(tab) == [("张伟", "13811110007")]

    tab.search.setText("粤BD1234")  # the whole plate, then the longer plate it begins
    assert [name for name, _ in shown(tab)] == ["张伟", "蔡子文"]
    assert tab.model.index(0, 3).data() == "粤BD1234"
    tab.search.clear()
    qtbot.keyClicks(tab.search, "d1234")  # inside both plates: archive order
    assert [name for name, _ in shown(tab)] == ["蔡子文", "张伟"]


def test_a_sorted_column_orders_the_customers_within_a_rank(qtbot, ranked_tab):
    tab = ranked_tab
    tab.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # phone, highest first
    qtbot.keyClicks(tab.search, "zw")
    assert shown(tab)[:3] == [("张伟", "13811110007"), ("张伟", "13811110004"),
                              ("张伟", "0755-88776655")]
    assert [name for name, _ in shown(tab)[3:]] == ["张伟明", "周婉婉", "蔡子文", "李张伟"]


def test_a_very_wide_search_keeps_archive_order(qtbot, ranked_tab, monkeypatch):
    """Past RANK_AT_MOST matches (the first digit of a phone on 50k customers) ranking costs
    more than a keystroke may and says nothing: the list stays in archive order."""
    from app import search_index

    monkeypatch.setattr(search_index, "RANK_AT_MOST", 3)
    qtbot.keyClicks(ranked_tab.search, "zw")
    assert [name for name, _ in shown(ranked_tab)] == [name for name, _, _ in RANKED]
    ranked_tab.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert [name for name, _ in shown(ranked_tab)] == [name for name, _, _ in RANKED][::-1]
    ranked_tab.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # phone: that order alone
    phones = [phone for _, phone in shown(ranked_tab)]
    assert phones == sorted(phone for _, phone, _ in RANKED)
    monkeypatch.setattr(search_index, "RANK_AT_MOST", 7)  # exactly at the limit: ranked
    ranked_tab.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [name for name, _ in shown(ranked_tab)][:4] == ["张伟", "张伟", "张伟", "周婉婉"]


def test_sorting_by_a_column(qtbot, window):
    tab = window.archive_tab
    tab.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # phone
    phones = [tab.model.index(r, 2).data() for r in range(tab.model.rowCount())]
    assert phones == sorted(phones)


def test_create_customer_through_the_dialog(qtbot, archive, store, admin, msgbox):
    from ui.customer_dialog import CustomerDialog

    dialog = CustomerDialog(archive, StaffService(store).list(), default_clerk_id=admin.id)
    qtbot.addWidget(dialog)
    dialog.name.setText("陈静")
    qtbot.keyClicks(dialog.phone, "135 1234 0000")
    dialog.address.setText("广州市天河区体育西路 1 号")
    qtbot.keyClicks(dialog.vehicle.plate, "yue")  # clerks sometimes type pinyin by mistake
    dialog.vehicle.plate.setText("粤a 66666")
    dialog.vehicle.model.setText("本田雅阁")
    dialog.vehicle.cycle_months.setValue(6)
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    detail = archive.detail(dialog.customer_id)
    assert (detail.name, detail.phone, detail.clerk_name) == ("陈静", "13512340000", "管理员")
    assert detail.vehicles[0].plate == "粤A66666" and detail.vehicles[0].model == "本田雅阁"
    assert archive.search_ids("cj") == [dialog.customer_id]
    assert msgbox.shown == []


def test_bad_phone_shows_its_message_and_keeps_the_other_fields(qtbot, archive, store, msgbox):
    from ui.customer_dialog import CustomerDialog

    dialog = CustomerDialog(archive, StaffService(store).list())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("陈静")
    dialog.address.setText("广州市越秀区中山五路 8 号")
    qtbot.keyClicks(dialog.phone, "1351234")
    dialog.vehicle.plate.setText("粤A66666")
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "11 位" in dialog.fields.error_text("phone")
    assert dialog.fields.errors["phone"].isVisible()
    assert dialog.fields.error_text("name") == ""
    assert (dialog.name.text(), dialog.phone.text(), dialog.address.text()) == (
        "陈静", "1351234", "广州市越秀区中山五路 8 号")
    assert dialog.vehicle.plate.text() == "粤A66666"
    assert archive.search_ids("陈静") == []
    # fixing the phone saves
    dialog.phone.setText("13512340000")
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.fields.error_text("phone") == ""


def test_bad_plate_and_date_shown_at_their_fields(qtbot, archive, store, msgbox):
    from ui.customer_dialog import CustomerDialog

    dialog = CustomerDialog(archive, StaffService(store).list())
    qtbot.addWidget(dialog)
    dialog.name.setText("陈静")
    dialog.phone.setText("13512340000")
    dialog.vehicle.plate.setText("粤A123")
    dialog.vehicle.insurance_expiry.setText("2026-02-30")
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert "格式不对" in dialog.vehicle.error_text("plate")
    assert "不存在" in dialog.vehicle.error_text("insurance_expiry")
    assert archive.search_ids("陈静") == []


def test_phone_of_another_customer_warns_and_opens_them(qtbot, archive, store, filled, msgbox):
    from ui.customer_dialog import CustomerDialog

    dialog = CustomerDialog(archive, StaffService(store).list())
    qtbot.addWidget(dialog)
    dialog.name.setText("张大伟")
    dialog.phone.setText("13812345678")
    msgbox.choose_answer = 0  # 打开该客户
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    kind, _title, text = msgbox.shown[-1]
    assert kind == "choose" and "张伟" in text and "000001" in text
    assert dialog.open_customer_id == filled["张伟"]
    assert archive.search_ids("张大伟") == []

    dialog = CustomerDialog(archive, StaffService(store).list())
    qtbot.addWidget(dialog)
    dialog.name.setText("张大伟")
    dialog.phone.setText("13812345678")
    msgbox.choose_answer = 1  # 仍然保存: the same family can share a phone
    qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert archive.search_ids("张大伟") == [dialog.customer_id]


def test_register_visit_from_the_keyboard(qtbot, archive, store, filled, msgbox):
    from ui.visit_dialog import VisitDialog

    dialog = VisitDialog(archive, StaffService(store).list())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.picker.search, "lq")
    assert dialog.picker.matches.count() == 1
    qtbot.keyClick(dialog.picker.search, Qt.Key.Key_Return)
    assert dialog.customer is not None and dialog.customer.name == "李强"
    assert dialog.vehicle.currentText().startswith("粤C11111")
    dialog.kind.setCurrentIndex(1)  # 保养
    dialog.intake.setText("2026-11-20")
    qtbot.keyClicks(dialog.pickup, "2026/11/21")
    dialog.items.setText("更换机油机滤")
    qtbot.keyClicks(dialog.mileage, "15000")
    qtbot.keyClicks(dialog.amount, "450.5")
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)  # Enter moves on, does not save
    assert dialog.result() != dialog.DialogCode.Accepted and not dialog.amount.hasFocus()
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == dialog.DialogCode.Accepted
    visit = archive.detail(filled["李强"]).visits[0]
    assert (visit.intake_date, visit.pickup_date, visit.mileage_km, visit.amount_fen) == (
        dt.date(2026, 11, 20), dt.date(2026, 11, 21), 15000, 45050)


def test_visit_pickup_before_intake_is_refused_and_form_kept(qtbot, archive, store, filled,
                                                             msgbox):
    from ui.visit_dialog import VisitDialog

    dialog = VisitDialog(archive, StaffService(store).list(), customer_id=filled["王芳"])
    qtbot.addWidget(dialog)
    dialog.intake.setText("2026-11-20")
    dialog.pickup.setText("2026-11-19")
    dialog.items.setText("四轮定位")
    dialog.save()
    assert "早于" in dialog.fields.error_text("pickup_date")
    assert dialog.items.text() == "四轮定位"
    assert archive.detail(filled["王芳"]).visits == []


def test_visit_with_a_new_vehicle(qtbot, archive, store, filled, msgbox):
    from ui.visit_dialog import NEW_VEHICLE, VisitDialog

    dialog = VisitDialog(archive, StaffService(store).list(), customer_id=filled["赵敏"])
    qtbot.addWidget(dialog)
    dialog.vehicle.setCurrentIndex(dialog.vehicle.findData(NEW_VEHICLE))
    dialog.new_plate.setText("粤A12345")  # belongs to 张伟
    dialog.save()
    assert "张伟" in dialog.fields.error_text("plate")
    dialog.new_plate.setText("粤AF12345")
    dialog.new_model.setText("比亚迪秦PLUS")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    detail = archive.detail(filled["赵敏"])
    assert {v.plate for v in detail.vehicles} == {"粤A99999", "粤AF12345"}
    assert detail.visits[0].plate == "粤AF12345"


def test_delete_then_restore_from_the_recycle_bin(qtbot, window, archive, filled, msgbox):
    from ui.recycle_bin import RecycleBinDialog

    tab = window.archive_tab
    window.tabs.setCurrentWidget(tab)  # Delete acts on the archive list only
    tab.select_customer(filled["王芳"])
    window.act_delete.trigger()
    assert msgbox.shown[-1][0] == "confirm"
    assert "王芳" not in shown_names(tab)
    bin_dialog = RecycleBinDialog(archive, window)
    qtbot.addWidget(bin_dialog)
    assert bin_dialog.model.rowCount() == 1
    bin_dialog.table.selectRow(0)
    qtbot.mouseClick(bin_dialog.restore_button, Qt.MouseButton.LeftButton)
    assert bin_dialog.model.rowCount() == 0
    window.archive_tab.reload()
    assert "王芳" in shown_names(tab)


def test_window_size_and_column_widths_are_remembered(qtbot, store, admin, filled, ui_settings,
                                                       msgbox):
    from ui.main_window import MainWindow

    w = MainWindow(store, admin, ui_settings)
    qtbot.addWidget(w)
    w.show()
    w.resize(720, 520)
    w.archive_tab.table.setColumnWidth(1, 177)
    w.close()
    again = MainWindow(store, admin, ui_settings)
    qtbot.addWidget(again)
    again.show()
    assert again.archive_tab.table.columnWidth(1) == 177
    assert (again.width(), again.height()) == (720, 520)


def test_only_working_tabs_and_admin_menu_for_admins(qtbot, store, filled, ui_settings, msgbox):
    from ui.main_window import MainWindow

    clerk = StaffService(store).create("clerk1", "业务员一", Role.CLERK, "secret12")
    w = MainWindow(store, clerk, ui_settings)
    qtbot.addWidget(w)
    tabs = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert tabs == ["客户档案", "跟踪日历（0）", "电话/信函记录", "登记表", "统计"]  # 今日必做 0
    menus = [a.text() for a in w.menuBar().actions()]
    assert not any("管理" in m for m in menus)
    assert "业务员一" in w.user_label.text()


def test_login_wrong_password_then_right(qtbot, store, msgbox):
    from ui.login import LoginDialog

    dialog = LoginDialog(StaffService(store))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, "wrong")
    dialog.try_login()
    assert "密码不对" in dialog.fields.error_text("password")
    assert dialog.user is None and dialog.username.text() == "admin"
    dialog.password.setText("secret12")
    dialog.try_login()
    assert dialog.user is not None and dialog.user.name == "管理员"


def test_first_start_creates_the_administrator(qtbot, tmp_path, msgbox):
    from app.store import Store
    from ui.login import FirstAdminDialog

    store = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    staff = StaffService(store)
    assert staff.needs_first_admin()
    dialog = FirstAdminDialog(staff)
    qtbot.addWidget(dialog)
    dialog.center_name.setText("广州顺达汽车维修服务中心")
    dialog.username.setText("boss")
    dialog.name.setText("陈主管")
    dialog.password.setText("abc12345")
    dialog.password2.setText("abc12346")
    dialog.create()
    assert "不一样" in dialog.fields.error_text("password2")
    dialog.password2.setText("abc12345")
    dialog.create()
    assert dialog.user is not None and dialog.user.role == Role.ADMIN
    assert not staff.needs_first_admin()
    store.close()


def test_admin_adds_and_deactivates_staff(qtbot, store, msgbox):
    from app.staff import LoginError
    from ui.staff_dialog import StaffDialog, StaffEditDialog

    staff = StaffService(store)
    dialog = StaffDialog(staff)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    add = StaffEditDialog(staff, dialog)
    qtbot.addWidget(add)
    qtbot.keyClicks(add.username, "wangfang")
    add.name.setText("王芳")
    add.password.setText("123")  # too short
    add.save()
    assert "至少" in add.fields.error_text("password")
    add.password.setText("wangfang123")
    add.save()
    dialog.reload()
    assert dialog.table.rowCount() == 2 and dialog.table.item(1, 2).text() == "跟踪业务员"
    member = dialog.members[1]
    edit = StaffEditDialog(staff, dialog, member=member)
    qtbot.addWidget(edit)
    assert edit.username.isReadOnly()
    edit.active.setChecked(False)
    edit.save()
    with pytest.raises(LoginError, match="停用"):
        staff.login("wangfang", "wangfang123")


def test_correct_a_visit_from_the_archive_page(qtbot, archive, store, filled, msgbox):
    from app.archive import VisitInput
    from db.models import VisitKind
    from ui.archive_tab import ArchiveTab
    from ui.visit_dialog import VisitDialog

    cid = filled["李强"]
    vid = archive.detail(cid).vehicles[0].id
    visit_id = archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.REPAIR, intake_date=dt.date(2026, 11, 20),
        pickup_date=dt.date(2026, 11, 21), service_items="更换刹车片", mileage_km=1000))
    tab = ArchiveTab(archive)
    qtbot.addWidget(tab)
    tab.select_customer(cid)
    with qtbot.waitSignal(tab.visitLinkClicked) as blocker:
        tab._link(type("U", (), {"toString": lambda self: f"visit:{visit_id}"})())
    assert blocker.args == [cid, visit_id]
    dialog = VisitDialog(archive, StaffService(store).list(), customer_id=cid,
                         visit=archive.visit(visit_id))
    qtbot.addWidget(dialog)
    assert dialog.items.text() == "更换刹车片" and dialog.mileage.text() == "1000"
    assert not dialog.picker.isEnabled()
    dialog.pickup.setText("2026-11-23")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    detail = archive.detail(cid)
    assert len(detail.visits) == 1 and detail.visits[0].pickup_date == dt.date(2026, 11, 23)


def test_the_archive_page_says_how_the_next_maintenance_date_was_found(window, archive):
    from app.archive import VisitInput
    from db.models import VisitKind

    cid = archive.create_customer(
        CustomerInput(name="周期客户", phone="13900001234"),
        [VehicleInput(plate="粤B12345", model="朗逸", maintenance_cycle_months=6)])
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.MAINTENANCE, intake_date=dt.date(2026, 11, 2),
        pickup_date=dt.date(2026, 11, 2), service_items="二保"))
    window.archive_tab.reload()
    window.archive_tab.select_customer(cid)
    text = window.archive_tab.detail.toPlainText()
    assert "2027-05-02" in text and "按 6 个月" in text
