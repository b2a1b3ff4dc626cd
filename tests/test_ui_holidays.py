import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox

from app import workdays as W
from app.public_days import PublicDayService
from app.staff import StaffService
from db.models import PublicDayKind, Role

D = dt.date
CLICK = Qt.MouseButton.LeftButton


@pytest.fixture
def service(store) -> PublicDayService:
    return PublicDayService(store)


@pytest.fixture
def dialog(qtbot, service, admin, msgbox):
    from ui.holiday_dialog import HolidayDialog

    d = HolidayDialog(service, admin, year=2027)
    qtbot.addWidget(d)
    return d


def rows(dialog) -> list[tuple[str, str, str, str]]:
    m = dialog.model
    return [tuple(m.data(m.index(r, c)) for c in range(m.columnCount()))
            for r in range(m.rowCount())]


def fill_editor(qtbot, dialog, day: str, kind: PublicDayKind, name: str = "") -> None:
    editor = dialog.editor
    assert editor is not None and editor.isVisible()
    editor.date.setText(day)
    editor.kind.setCurrentIndex(editor.kind.findData(kind))
    editor.name.setText(name)
    qtbot.mouseClick(editor.buttons.button(QDialogButtonBox.StandardButton.Ok), CLICK)


def add_line(qtbot, dialog, day: str, kind: PublicDayKind, name: str = "") -> None:
    qtbot.mouseClick(dialog.add_button, CLICK)
    fill_editor(qtbot, dialog, day, kind, name)
    assert dialog.editor is None, "the editor refused the line"


def save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.save_button, CLICK)


def test_a_computed_year_shows_its_days_and_says_it_is_provisional(dialog):
    assert dialog.year_spin.value() == 2027
    assert ("2027-01-01", "周五", "休", "元旦") in rows(dialog)
    assert all(r[2] in ("休", "班") for r in rows(dialog))
    assert dialog.status.text() == W.provisional_note(2027)
    assert "2027 年按推算（未录入国务院通知）" in dialog.status.text()
    assert "#d35400" in dialog.status.styleSheet()
    assert not dialog.clear_button.isEnabled()
    assert not dialog.edit_button.isEnabled() and not dialog.delete_button.isEnabled()
    assert not dialog.dirty_label.isVisibleTo(dialog)
    assert "优先于推算" in dialog.findChild(type(dialog.status), "hint").text()


@pytest.mark.parametrize(("today", "year"), [
    (D(2026, 12, 15), 2027),  # November on: next year's notice is due
    (D(2026, 6, 1), 2026),  # the library carries 2026's notice: nothing due, this year
    (D(2027, 3, 1), 2027),  # this year still computed
])
def test_the_default_year_is_the_one_whose_notice_is_due(qtbot, service, admin, today, year):
    from ui.holiday_dialog import HolidayDialog

    d = HolidayDialog(service, admin, today_fn=lambda: today)
    qtbot.addWidget(d)
    assert d.year_spin.value() == year
    assert (d.year_spin.minimum(), d.year_spin.maximum()) == (today.year - 1, today.year + 5)


def test_adding_a_makeup_workday_and_a_day_off_saves_the_notice(qtbot, dialog, store):
    add_line(qtbot, dialog, "2027-02-20", PublicDayKind.WORK, "")
    add_line(qtbot, dialog, "2027-2-11", PublicDayKind.OFF, "春节")
    assert ("2027-02-20", "周六", "班", "") in rows(dialog)
    assert dialog.model.lines[dialog.selected_row()].day == D(2027, 2, 11)  # the new line
    assert dialog.dirty_label.isVisibleTo(dialog)
    assert not PublicDayService(store).year(2027).entered  # nothing saved yet
    save(qtbot, dialog)
    cal = PublicDayService(store).calendar()
    assert cal.day_info(D(2027, 2, 20)).makeup_workday
    assert cal.is_working_day(D(2027, 2, 20))
    assert not cal.is_working_day(D(2027, 2, 11))
    assert not cal.is_working_day(D(2027, 1, 1))  # the computed days were saved too
    assert "已录入" in dialog.status.text() and "#1e8449" in dialog.status.styleSheet()
    assert "已保存" in dialog.message.text()
    assert not dialog.dirty_label.isVisibleTo(dialog)
    assert dialog.clear_button.isEnabled() and dialog.changed


def test_a_makeup_workday_on_a_weekday_is_refused_and_the_lines_are_kept(
        qtbot, dialog, service):
    qtbot.mouseClick(dialog.add_button, CLICK)
    dialog.editor.kind.setCurrentIndex(dialog.editor.kind.findData(PublicDayKind.WORK))
    dialog.editor.date.setText("2027-02-03")
    assert "星期三" in dialog.editor.weekday.text()  # the editor warns at once
    fill_editor(qtbot, dialog, "2027-02-03", PublicDayKind.WORK, "调休上班")
    row = [r[0] for r in rows(dialog)].index("2027-02-03")
    assert row in dialog.model.problems  # tinted in the table
    save(qtbot, dialog)
    assert "星期三" in dialog.message.text() and "c0392b" in dialog.message.styleSheet()
    assert f"第 {row + 1} 行" in dialog.message.text()  # the table's own row number
    assert not service.year(2027).entered
    assert ("2027-02-03", "周三", "班", "调休上班") in rows(dialog)  # nothing lost
    assert dialog.dirty_label.isVisibleTo(dialog)


def test_the_line_editor_refuses_a_date_twice_or_in_another_year(qtbot, dialog):
    before = rows(dialog)
    qtbot.mouseClick(dialog.add_button, CLICK)
    fill_editor(qtbot, dialog, "2027-01-01", PublicDayKind.OFF, "元旦")
    assert dialog.editor is not None
    assert "第 1 行" in dialog.editor.fields.error_text("day")
    fill_editor(qtbot, dialog, "2028-01-01", PublicDayKind.OFF, "元旦")
    assert "不在 2027 年内" in dialog.editor.fields.error_text("day")
    fill_editor(qtbot, dialog, "2027-13-01", PublicDayKind.OFF, "")
    assert dialog.editor.fields.error_text("day")
    qtbot.mouseClick(dialog.editor.buttons.button(QDialogButtonBox.StandardButton.Cancel), CLICK)
    assert dialog.editor is None and rows(dialog) == before


def test_modify_and_delete_a_line(qtbot, dialog, service):
    dialog.table.selectRow(0)  # 2027-01-01 元旦
    assert dialog.edit_button.isEnabled()
    qtbot.mouseClick(dialog.edit_button, CLICK)
    assert dialog.editor.date.text() == "2027-01-01" and dialog.editor.name.text() == "元旦"
    fill_editor(qtbot, dialog, "2027-01-01", PublicDayKind.OFF, "元旦节")
    assert rows(dialog)[0] == ("2027-01-01", "周五", "休", "元旦节")
    count = len(rows(dialog))
    dialog.table.selectRow(1)
    qtbot.mouseClick(dialog.delete_button, CLICK)
    assert len(rows(dialog)) == count - 1
    assert "2027-02-05" not in [r[0] for r in rows(dialog)]
    save(qtbot, dialog)
    cal = service.calendar()
    assert cal.day_info(D(2027, 1, 1)).holiday_name == "元旦节"
    assert cal.is_working_day(D(2027, 2, 5))  # 除夕 deleted: an ordinary Friday


def write_csv(path, lines: list[str]):
    path.write_text("\n".join(["日期,类型,名称", *lines]) + "\n", encoding="utf-8-sig")
    return path


def test_a_notice_with_a_bad_line_imports_nothing_and_a_good_one_replaces_the_years(
        qtbot, dialog, service, tmp_path, monkeypatch):
    bad = write_csv(tmp_path / "bad.csv", ["2027-01-01,休,元旦", "2027-01-02,假,元旦",
                                           "2027-02-03,班,"])
    monkeypatch.setattr(dialog, "choose_import_file", lambda: bad)
    qtbot.mouseClick(dialog.import_button, CLICK)
    assert "通知有误，没有做任何修改。" in dialog.message.text()
    problems = dialog.problems.toPlainText().splitlines()
    assert len(problems) == 2 and dialog.problems.isVisibleTo(dialog)
    assert "第 3 行" in problems[0] and "假" in problems[0]
    assert "第 4 行" in problems[1] and "星期三" in problems[1]
    assert not service.year(2027).entered

    good = write_csv(tmp_path / "good.csv", [
        "2027-01-01,休,元旦", "2027-02-06,休,春节", "2027-02-20,班,调休上班",
        "2028-01-01,休,元旦"])
    assert dialog.import_file(good)
    assert rows(dialog) == [("2027-01-01", "周五", "休", "元旦"),
                            ("2027-02-06", "周六", "休", "春节"),
                            ("2027-02-20", "周六", "班", "调休上班")]
    assert "2027 年 3 天" in dialog.message.text() and "2028 年 1 天" in dialog.message.text()
    assert not dialog.problems.isVisibleTo(dialog)
    assert service.year(2027).entered and service.year(2028).entered
    assert "已录入" in dialog.status.text()
    assert dialog.changed


def test_a_file_that_is_no_notice_says_why(qtbot, dialog, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("姓名,电话\n张伟,13812345678\n", encoding="utf-8")
    assert not dialog.import_file(other)
    assert "表头" in dialog.message.text()


def test_export_writes_the_lines_as_a_sheet_that_imports_back(
        qtbot, dialog, tmp_path, monkeypatch):
    target = tmp_path / "2027.xlsx"
    monkeypatch.setattr(dialog, "choose_export_file", lambda: target)
    qtbot.mouseClick(dialog.export_button, CLICK)
    read, problems = W.read_notice(target)
    assert not problems
    assert [d for _line, d in read] == dialog.lines()
    assert str(target) in dialog.message.text()


def test_restore_to_computed_after_confirming(qtbot, dialog, service, msgbox):
    add_line(qtbot, dialog, "2027-02-20", PublicDayKind.WORK, "")
    save(qtbot, dialog)
    assert dialog.clear_button.isEnabled()
    msgbox.confirm_answer = False
    qtbot.mouseClick(dialog.clear_button, CLICK)
    assert service.year(2027).entered
    msgbox.confirm_answer = True
    qtbot.mouseClick(dialog.clear_button, CLICK)
    assert msgbox.shown[-1][0] == "confirm"
    assert not service.year(2027).entered
    assert dialog.status.text() == W.provisional_note(2027)
    assert "2027-02-20" not in [r[0] for r in rows(dialog)]
    assert not dialog.clear_button.isEnabled()


def test_switching_year_or_closing_with_unsaved_lines_asks_first(qtbot, dialog, msgbox):
    add_line(qtbot, dialog, "2027-02-20", PublicDayKind.WORK, "")
    msgbox.confirm_answer = False
    dialog.year_spin.setValue(2028)
    assert dialog.year_spin.value() == 2027 and dialog.year == 2027
    assert "2027-02-20" in [r[0] for r in rows(dialog)]
    dialog.reject()  # closing asks too (shown and refused: see the next test)
    assert [k for k, *_ in msgbox.shown] == ["confirm", "confirm"]
    msgbox.confirm_answer = True
    dialog.year_spin.setValue(2028)
    assert dialog.year == 2028
    assert ("2028-01-01", "周六", "休", "元旦") in rows(dialog)
    assert not dialog.is_dirty()
    dialog.year_spin.setValue(2027)  # nothing unsaved: no question
    assert len(msgbox.shown) == 3


def test_closing_with_unsaved_changes_stays_open_when_refused(qtbot, dialog, msgbox):
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.findChild(QCheckBox, "weekday5").setChecked(True)
    msgbox.confirm_answer = False
    dialog.reject()
    assert dialog.isVisible()
    msgbox.confirm_answer = True
    dialog.reject()
    assert not dialog.isVisible()


def test_the_work_week_is_saved_by_the_same_button(qtbot, dialog, service):
    boxes = [dialog.findChild(QCheckBox, f"weekday{i}") for i in range(7)]
    assert [b.text() for b in boxes] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert [b.isChecked() for b in boxes] == [True] * 5 + [False] * 2
    carry = dialog.findChild(QCheckBox, "carryOver")
    assert carry.isChecked() and "顺延" in carry.text()
    boxes[5].setChecked(True)
    carry.setChecked(False)
    save(qtbot, dialog)
    assert service.work_week() == (frozenset({0, 1, 2, 3, 4, 5}), False)
    assert not service.year(2027).entered  # the lines were not touched: still computed
    for b in boxes:
        b.setChecked(False)
    save(qtbot, dialog)
    assert "至少要选一个工作日" in dialog.message.text()
    assert service.work_week() == (frozenset({0, 1, 2, 3, 4, 5}), False)
    assert dialog.is_dirty()


def test_a_clerk_is_refused_by_the_service(qtbot, store, service, msgbox):
    from ui.holiday_dialog import HolidayDialog

    clerk = StaffService(store).create("clerk", "小王", Role.CLERK, "secret12")
    d = HolidayDialog(service, clerk, year=2027)
    qtbot.addWidget(d)
    add_line(qtbot, d, "2027-02-20", PublicDayKind.WORK, "")
    save(qtbot, d)
    assert "只有业务主管或管理员" in d.message.text()
    assert not service.year(2027).entered
