"""R10: the supervisor is reminded of the 小结 and the 总结 until they are filed."""

import datetime as dt

from app.chores import last_working_day, supervisor_chores
from app.summary import Period, SummaryService
from app.workdays import WorkCalendar

D = dt.date


def chores(store, day):
    with store.read() as s:
        return [(c.kind, c.year, c.month) for c in supervisor_chores(s, day)
                if c.kind != "holiday_notice"]


def test_the_months_summary_is_due_from_its_last_working_day_until_filed(store):
    assert last_working_day(2026, 10, WorkCalendar()) == D(2026, 10, 30)  # 10-31 is a Saturday
    assert chores(store, D(2026, 10, 29)) == [("month_summary", 2026, 9)]  # September unfiled
    SummaryService(store).file("month", "", Period.month(2026, 9), "九月小结")
    assert chores(store, D(2026, 10, 29)) == []
    assert chores(store, D(2026, 10, 30)) == [("month_summary", 2026, 10)]
    assert chores(store, D(2026, 11, 2)) == [("month_summary", 2026, 10)]  # still missing
    SummaryService(store).file("month", "", Period.month(2026, 10), "十月小结")
    assert chores(store, D(2026, 11, 2)) == []


def test_the_years_report_is_due_in_its_last_week_and_in_january(store):
    service = SummaryService(store)
    for m in range(10, 13):
        service.file("month", "", Period.month(2026, m), "小结")
    assert chores(store, D(2026, 12, 23)) == []
    assert chores(store, D(2026, 12, 24)) == [("year_summary", 2026, 0)]
    assert ("year_summary", 2026, 0) in chores(store, D(2027, 1, 15))
    service.file("year", "", Period.year(2026), "年度总结")
    assert chores(store, D(2027, 1, 15)) == []


def test_the_agenda_links_the_chore_to_the_statistics_tab(qtbot, store, admin, ui_settings,
                                                         msgbox):
    from ui.main_window import MainWindow

    w = MainWindow(store, admin, ui_settings, today_fn=lambda: D(2026, 11, 2))
    qtbot.addWidget(w)
    w.show()
    label = w.calendar_tab.chores_label
    assert label.isVisibleTo(w.calendar_tab) and "提交 2026 年 10 月小结" in label.text()
    label.linkActivated.emit("month:2026:10")
    assert w.tabs.currentWidget() is w.summary_page
    period = w.summary_tab.period()
    assert (period.start, period.end) == (D(2026, 10, 1), D(2026, 10, 31))
