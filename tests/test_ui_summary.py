"""统计 tab, driven through the real widgets on a fixed day (R10, targets K, 篇一 十.1)."""

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog

from app.archive import VisitInput
from app.contacts import CallInput, ContactService
from app.staff import StaffService
from app.summary import Period, SummaryService
from db.models import Role, VisitKind
from tests.worlds import november_2026
from ui import summary_tab
from ui.summary_tab import RED, SummaryTab

pypdf = pytest.importorskip("pypdf")

D = dt.date
TODAY = D(2026, 11, 27)
NOV = Period.month(2026, 11)


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    """The app's clock reads this file's day, like the services it calls."""
    frozen_clock.freeze(TODAY)


@pytest.fixture
def staff(store, monkeypatch):
    monkeypatch.setattr("app.staff.hash_password", lambda password: "unused")
    s = StaffService(store)
    return {"wang": s.create("wangfang", "王芳", Role.CLERK, "secret12"),
            "li": s.create("liqiang", "李强", Role.CLERK, "secret12")}


@pytest.fixture
def november(store, archive, staff):
    """Three visits in November (one a comeback): one call on time, one late and unsatisfied
    with a complaint for 车间, one not called yet."""
    return november_2026(store, archive, staff["wang"].id, TODAY)


@pytest.fixture
def make_tab(qtbot, store, archive, admin):
    def make(user=None):
        people = StaffService(store).list(include_inactive=False)
        tab = SummaryTab(SummaryService(store), ContactService(store), archive, people,
                         user or admin, today_fn=lambda: TODAY)
        qtbot.addWidget(tab)
        tab.resize(1400, 760)
        tab.show()
        qtbot.waitExposed(tab)
        return tab

    return make


@pytest.fixture
def saved_pdfs(monkeypatch, tmp_path):
    """QFileDialog answers a file in tmp_path; opening the viewer is recorded instead."""
    opened = []
    names = iter(f"out{i}.pdf" for i in range(100))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / next(names)), ""))
    monkeypatch.setattr(summary_tab, "open_file", opened.append)
    return opened


def texts(path):
    return ["".join(p.extract_text().split()) for p in pypdf.PdfReader(str(path)).pages]


def test_the_period_picker_changes_the_figures(make_tab, november):
    tab = make_tab()
    assert tab.period_label.text() == "2026年11月"
    assert tab.value_text("visits") == "3" and tab.value_text("comebacks") == "1"
    tab.prev_button.click()
    assert tab.period_label.text() == "2026年10月" and tab.value_text("visits") == "0"
    assert tab.value_text("satisfaction_rate") == "无数据"  # nothing to measure: not 0%
    tab.next_button.click()
    tab.kind_combo.setCurrentIndex(0)  # 周: the week of TODAY has no visit
    assert tab.period() == Period.week(TODAY) and tab.value_text("visits") == "0"
    tab.prev_button.click()  # 11-16..22: 李强's visit
    assert tab.value_text("visits") == "1"
    tab.kind_combo.setCurrentIndex(2)  # 年
    assert tab.period_label.text() == "2026年" and tab.value_text("visits") == "3"
    tab.kind_combo.setCurrentIndex(3)  # 自定义
    assert tab.from_field.isVisible()
    tab.from_field.setText("2026-11-01")
    tab.to_field.setText("2026-11-15")
    tab.apply_button.click()
    assert tab.value_text("visits") == "2"
    tab.to_field.setText("2026-10-01")
    tab.apply_button.click()
    assert tab.error_label.text() == "结束日期早于开始日期。" and tab.value_text("visits") == "2"
    tab.this_button.click()
    assert tab.period_label.text() == "2026年11月"


def test_the_clerk_filter(make_tab, november, staff):
    tab = make_tab()
    tab.clerk_combo.setCurrentIndex(tab.clerk_combo.findText("李强"))
    assert tab.value_text("visits") == "0" and tab.value_text("calls") == "0"
    tab.clerk_combo.setCurrentIndex(tab.clerk_combo.findText("王芳"))
    assert tab.value_text("visits") == "3"


def test_a_missed_target_shows_red(make_tab, november):
    tab = make_tab()
    panel = tab.figures_panel
    assert tab.value_text("comeback_rate") == "33.3%"
    assert panel.is_missed("comeback_rate") and RED in panel.value_buttons[
        "comeback_rate"].styleSheet()
    assert panel.verdicts["comeback_rate"].text() == "未达标"
    assert tab.value_text("satisfaction_rate") == "50.0%" and panel.is_missed("satisfaction_rate")
    assert tab.value_text("warranty_followup_rate") == "100.0%"
    assert not panel.is_missed("warranty_followup_rate")
    assert RED not in panel.value_buttons["warranty_followup_rate"].styleSheet()
    assert panel.verdicts["warranty_followup_rate"].text() == "达标"


def test_clicking_lost_customers_lists_them_and_opens_one(qtbot, make_tab, november):
    tab = make_tab()
    tab.set_period("month", D(2027, 11, 1))  # nobody came back for twelve months
    assert tab.value_text("lost_customers") == "3"
    qtbot.mouseClick(tab.figures_panel.value_buttons["lost_customers"],
                     Qt.MouseButton.LeftButton)
    dialog = tab.records_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "流失客户（截至 2027-11-30 已 12 个月以上未来访）"
    assert dialog.model.rowCount() == 3
    names = {dialog.model.index(r, 1).data() for r in range(3)}
    assert names == {"张伟", "王芳芳", "李强"}
    qtbot.waitExposed(dialog)
    table = dialog.table
    pos = table.visualRect(dialog.model.index(1, 0)).center()
    with qtbot.waitSignal(tab.openCustomer) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [november[1]]
    with qtbot.waitSignal(tab.openCustomer) as blocker:
        dialog.table.selectRow(2)
        dialog.open_button.click()
    assert blocker.args == [november[2]]


def test_clicking_a_rate_lists_what_pulled_it_down(qtbot, make_tab, november):
    tab = make_tab()
    qtbot.mouseClick(tab.figures_panel.value_buttons["first_followup_on_time_rate"],
                     Qt.MouseButton.LeftButton)
    dialog = tab.records_dialog
    assert dialog.windowTitle() == "未在期限内完成的第一次跟踪"
    # 李强's window closes today (27 November): not late yet, so only 王芳芳 pulls it down.
    assert dialog.model.rowCount() == 1
    assert [dialog.model.index(0, c).data() for c in (1, 3)] == ["第一次跟踪", "王芳芳"]
    tab.figures_panel.value_buttons["satisfaction_rate"].click()
    assert tab.records_dialog.model.rowCount() == 1
    assert tab.records_dialog.model.index(0, 5).data() == "不满意"
    # a count of zero has nothing behind it
    assert not tab.figures_panel.value_buttons["letters_notice"].isEnabled()


def test_filing_a_summary_freezes_it_and_reopening_shows_it(
        qtbot, make_tab, november, archive, msgbox):
    tab = make_tab()
    assert tab.title_edit.text() == "2026年11月 售后跟踪服务 月度小结"
    tab.file_button.click()  # no text yet
    assert tab.text_error.text() == "请填写小结/总结的正文。" and tab.filed_list.count() == 0
    text = "本月返修率偏高（33.3%），已与车间沟通，下月起返修车辆由主管复检。"
    tab.text_edit.setPlainText(text)
    with qtbot.waitSignal(tab.summaryFiled) as blocker:
        tab.file_button.click()
    assert msgbox.shown[-1][0] == "confirm"
    assert tab.filed_list.count() == 1 and tab.text_edit.toPlainText() == ""
    assert tab.filed_list.item(0).text() == "2026年11月 售后跟踪服务 月度小结"
    sid = blocker.args[0]
    # a later edit to the records changes the live figures, not the filed copy
    archive.delete_customer(november[2])
    tab.refresh()
    assert tab.value_text("visits") == "2"
    tab.filed_list.setCurrentRow(0)
    dialog = tab.open_filed()
    assert dialog.filed.id == sid and dialog.isVisible()
    assert dialog.text.toPlainText() == text and dialog.text.isReadOnly()
    assert dialog.figures.value_buttons["visits"].text() == "3"
    assert dialog.figures.is_missed("comeback_rate")
    assert dialog.dept_chart.counts == {"车间": 1}


def test_only_a_supervisor_files(make_tab, staff, november):
    tab = make_tab(staff["wang"])
    assert not tab.file_button.isEnabled() and tab.text_edit.isReadOnly()


def test_printing_a_filed_summary_and_the_weekly_feedback(
        make_tab, november, msgbox, saved_pdfs, tmp_path):
    tab = make_tab()
    tab.text_edit.setPlainText("返修率偏高。")
    tab.file_summary()
    path = tab.print_filed()
    assert saved_pdfs == [path] and path.exists()
    pages = texts(path)
    assert all("2026年11月售后跟踪服务月度小结" in p for p in pages)
    assert "返修率偏高。" in pages[-1] and "业务主管（签字）" in pages[-1]
    tab.kind_combo.setCurrentIndex(0)
    tab.prev_button.click()
    tab.prev_button.click()  # the week of 11-09..15: 王芳芳's call was on 11-19, so 11-16..22
    tab.next_button.click()
    path = tab.print_feedback()
    assert path is not None and path.exists()
    pages = texts(path)
    assert "统计周：2026-11-16至2026-11-22" in pages[0]
    assert any("致车间" in p and "返修后仍漏油" in p for p in pages[1:])
    live = tab.print_live()
    assert live is not None and "未存档" in texts(live)[0]


def test_the_charts_paint_and_answer_clicks(qtbot, make_tab, november):
    tab = make_tab()
    for chart in (tab.trend_chart, tab.dept_chart):
        image = chart.grab().toImage()
        assert not image.isNull() and image.width() > 200
    assert tab.trend_chart.trend[10][2] == 0.5
    assert tab.trend_chart.trend[11] == (12, None, None, None)
    assert tab.dept_chart.counts == {"车间": 1}
    # a click on October's slot shows October
    chart = tab.trend_chart
    plot = chart._plot()
    x = int(plot.left() + 9.5 / 12 * plot.width())
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(x, int(plot.center().y())))
    assert tab.period_label.text() == "2026年10月"
    tab.to_today()
    # a click on 车间's bar lists its complaints
    plot, bars = tab.dept_chart._bars()
    i = [b[0] for b in bars].index("车间")
    x = int(plot.left() + (i + 0.5) / len(bars) * plot.width())
    qtbot.mouseClick(tab.dept_chart, Qt.MouseButton.LeftButton,
                     pos=QPoint(x, int(plot.center().y())))
    assert tab.records_dialog.windowTitle() == "车间的投诉"
    assert tab.records_dialog.model.index(0, 5).data() == "返修后仍漏油"


def test_empty_charts_paint(make_tab):
    tab = make_tab()
    assert tab.value_text("visits") == "0"
    assert not tab.trend_chart.grab().toImage().isNull()
    assert not tab.dept_chart.grab().toImage().isNull()


def test_closed_without_call_shows_beside_the_done_count_and_lists_why(
        qtbot, make_tab, november, store, staff):
    """李强's first follow-up (window 11-23..27) closed 11-25 by 标记完成, no call."""
    from app.tasks import TaskService

    tasks = TaskService(store)
    li = next(t for t in tasks.between(NOV.start, NOV.end, TODAY)
              if t.customer_id == november[2] and t.kind == "first_followup")
    store.actor_id = staff["wang"].id
    tasks.complete(li.task_id, D(2026, 11, 25), D(2026, 11, 25), reason="客户已到店面谈")
    tab = make_tab()
    panel = tab.figures_panel
    # 应做 3 (李强's is closed, so it counts today); 已回访 2 by calls; 1 closed without one
    assert [tab.value_text(n) for n in ("first_followups_due", "first_followups_done",
                                        "first_followups_closed_without_call",
                                        "first_followups_on_time")] == ["3", "2", "1", "1"]
    assert tab.value_text("first_followup_on_time_rate") == "33.3%"
    assert panel.labels["first_followups_closed_without_call"].text() == "未通话关闭（标记完成）"
    assert "不算已回访" in panel.labels["first_followups_closed_without_call"].toolTip()
    # it sits right under the done count, in the same group
    box = panel.group_boxes["跟踪回访"]
    grid = box.layout()
    row_of = {n: grid.getItemPosition(grid.indexOf(panel.value_buttons[n]))[0]
              for n in ("first_followups_done", "first_followups_closed_without_call")}
    assert row_of["first_followups_closed_without_call"] == row_of["first_followups_done"] + 1
    assert summary_tab.AMBER in panel.value_buttons[
        "first_followups_closed_without_call"].styleSheet()
    assert tab.value_text("warranty_followups_closed_without_call") == "0"
    qtbot.mouseClick(panel.value_buttons["first_followups_closed_without_call"],
                     Qt.MouseButton.LeftButton)
    dialog = tab.records_dialog
    assert dialog.windowTitle() == "未通话就标记完成的第一次跟踪"
    model = dialog.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
               for c in range(model.columnCount())]
    assert headers[-4:] == ["关闭日期", "关闭人", "未通话原因", "说明"]
    assert model.rowCount() == 1
    assert [model.index(0, c).data() for c in (3, 6, 7, 8)] == [
        "李强", "2026-11-25", "王芳", "客户已到店面谈"]


def test_csi_shows_no_data_then_the_mean_score(make_tab, november, store):
    tab = make_tab()
    panel = tab.figures_panel
    # November's calls carry no score: 无数据, no verdict, not 0% or 100%
    assert tab.value_text("csi") == "无数据" and tab.value_text("csi_scored") == "0"
    assert panel.verdicts["csi"].text() == "—" and not panel.is_missed("csi")
    assert not panel.value_buttons["csi"].isEnabled()
    contacts = ContactService(store)
    for who, at, score in ((november[0], dt.datetime(2026, 11, 20, 10), 8),
                           (november[2], dt.datetime(2026, 11, 24, 10), 10)):
        contacts.log_call(CallInput(customer_id=who, called_at=at, points_covered=[3],
                                    satisfaction="satisfied", score=score), today=at.date())
    tab.refresh()
    # (8 + 10) / 2 × 10 = 90%, from 2 scored calls: below the 93% target
    assert tab.value_text("csi") == "90.0%" and tab.value_text("csi_scored") == "2"
    assert panel.verdicts["csi"].text() == "未达标" and panel.is_missed("csi")
    assert panel.notes["csi"].text() == "已打分通话的平均分（0–10 分）× 10"
    target = panel.group_boxes["满意度"].layout()
    row = target.getItemPosition(target.indexOf(panel.value_buttons["csi"]))[0]
    assert target.itemAtPosition(row, 2).widget().text() == "≥ 93%"
    panel.value_buttons["csi"].click()
    assert tab.records_dialog.model.rowCount() == 2
    assert tab.records_dialog.model.index(0, 5).data() == "满意（8 分）"
    assert tab.trend_chart.trend[10][3] == pytest.approx(0.9)
    tab.prev_button.click()  # October: nobody scored
    assert tab.value_text("csi") == "无数据"


def test_the_comeback_rate_says_its_definition(make_tab, november, archive):
    """One comeback among 4 repairs + 1 maintenance + 1 consultation: 1 / 5 = 20%."""
    cid = november[0]
    vid = archive.detail(cid).vehicles[0].id
    for day, kind in ((D(2026, 11, 12), VisitKind.REPAIR), (D(2026, 11, 16), VisitKind.MAINTENANCE),
                      (D(2026, 11, 18), VisitKind.CONSULTATION)):
        archive.register_visit(cid, vid if kind != VisitKind.CONSULTATION else None,
                               VisitInput(kind=kind, intake_date=day, pickup_date=day))
    tab = make_tab()
    assert [tab.value_text(n) for n in ("visits", "vehicle_jobs", "comebacks",
                                        "comeback_rate")] == ["6", "5", "1", "20.0%"]
    note = tab.figures_panel.notes["comeback_rate"]
    assert note.text() == "返修台次 ÷ 维修和保养台次（不含咨询、来访）" and note.isVisible()
    assert tab.figures_panel.labels["comeback_rate"].toolTip() == note.text()
