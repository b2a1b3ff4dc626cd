"""The supervisor's figures against hand-counted records (R10, targets K)."""

import datetime as dt

import pytest

from app.archive import CustomerInput, VehicleInput, VisitInput
from app.contacts import CallInput, ContactService, RequestInput
from app.staff import StaffService
from app.summary import Period, SummaryService, misses, rate
from app.tasks import TaskService
from db.models import Role, VisitKind

D = dt.date
NOV = Period.month(2026, 11)


def test_periods_at_the_edges():
    assert (NOV.start, NOV.end) == (D(2026, 11, 1), D(2026, 11, 30))
    feb = Period.month(2028, 2)
    assert feb.end == D(2028, 2, 29)
    assert Period.year(2026).end == D(2026, 12, 31)
    week = Period.week(D(2026, 12, 31))  # a Thursday: the week crosses the year end
    assert (week.start, week.end) == (D(2026, 12, 28), D(2027, 1, 3))


def test_rates_and_targets():
    assert rate(0, 0) is None and rate(49, 50) == 0.98
    assert misses("satisfaction_rate", 0.97) and not misses("satisfaction_rate", 0.98)
    assert misses("comeback_rate", 0.02) and not misses("comeback_rate", 0.019)
    assert not misses("satisfaction_rate", None)  # nothing to measure is not a miss


def test_an_empty_period_measures_nothing(store):
    f = SummaryService(store).figures(NOV)
    assert f.values["visits"] == 0 and f.values["satisfaction_rate"] is None
    assert f.values["comeback_rate"] is None and f.loyal == [] and f.lost == []


@pytest.fixture
def november(store, archive):
    """Three visits in November (one a comeback), calls in and out of the window."""
    clerk = StaffService(store).create("wangfang", "王芳", Role.CLERK, "secret12")
    StaffService(store).create("zhuguan", "黄主管", Role.SUPERVISOR, "secret12")
    ids = []
    for i, (name, pickup, comeback) in enumerate([
        ("张伟", D(2026, 11, 2), False), ("王芳芳", D(2026, 11, 10), True),
        ("李强", D(2026, 11, 20), False),
    ]):
        cid = archive.create_customer(
            CustomerInput(name=name, phone=f"1381234567{i}", address="广州", clerk_id=clerk.id),
            [VehicleInput(plate=f"粤A1234{i}", model="朗逸", kind="轿车",
                          maintenance_cycle_months=6, next_maintenance_date=D(2027, 5, 1),
                          warranty_end=D(2027, 1, 1) if i == 0 else None)])
        vid = archive.detail(cid).vehicles[0].id
        archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=pickup,
                                                     pickup_date=pickup, is_comeback=comeback))
        ids.append(cid)
    tasks = TaskService(store)
    tasks.sync(ids, D(2026, 11, 27))
    firsts = {t.customer_id: t for t in tasks.between(NOV.start, NOV.end, D(2026, 11, 27))
              if t.kind == "first_followup"}
    contacts = ContactService(store)
    # 张伟: called inside the window [11-05, 11-09], satisfied
    contacts.log_call(CallInput(customer_id=ids[0], called_at=dt.datetime(2026, 11, 6, 10),
                                task_id=firsts[ids[0]].task_id, points_covered=[1],
                                satisfaction="satisfied"))
    # 王芳芳: called late (window [11-13, 11-17]), unsatisfied, a complaint escalated
    contacts.log_call(CallInput(
        customer_id=ids[1], called_at=dt.datetime(2026, 11, 19, 10),
        task_id=firsts[ids[1]].task_id, points_covered=[1], satisfaction="unsatisfied",
        request=RequestInput("返修后仍漏油", "escalated", True, "车间")),
        today=D(2026, 11, 19))
    # 李强: not called yet (window [11-23, 11-27])
    return ids


def test_month_figures_counted_by_hand(store, november):
    f = SummaryService(store).figures(NOV, as_of=D(2026, 12, 1))
    v = f.values
    assert (v["visits"], v["comebacks"]) == (3, 1)
    assert v["comeback_rate"] == pytest.approx(1 / 3) and misses("comeback_rate",
                                                                 v["comeback_rate"])
    assert (v["first_followups_due"], v["first_followups_done"],
            v["first_followups_on_time"]) == (3, 2, 1)
    assert (v["warranty_followups_due"], v["warranty_followups_done"]) == (1, 1)
    assert v["warranty_followup_rate"] == 1.0
    assert (v["rated_calls"], v["satisfied_calls"]) == (2, 1)
    assert v["satisfaction_rate"] == 0.5
    assert (v["complaints"], v["complaints_escalated_on_time"], v["complaints_closed"]) == (
        1, 1, 0)
    assert v["second_followups_done"] == 0
    flat = f.as_flat_dict()
    assert flat["target_satisfaction_rate"] == 0.98 and flat["visits"] == 3


def test_a_call_outside_the_period_does_not_count(store, november):
    dec = SummaryService(store).figures(Period.month(2026, 12))
    assert dec.values["rated_calls"] == 0 and dec.values["visits"] == 0


def test_per_clerk_and_lost_and_loyal(store, archive, november):
    other = StaffService(store).create("liqiang", "李强强", Role.CLERK, "secret12")
    summary = SummaryService(store)
    assert summary.figures(NOV, clerk_id=other.id).values["visits"] == 0
    # lost once 流失客户月数 (12) have passed since the last visit, not a month before
    assert summary.figures(Period.month(2027, 10)).lost == []
    lost = summary.figures(Period.month(2027, 11)).lost
    assert set(lost) == set(november)  # nobody came back for twelve months
    cid = november[0]
    vid = archive.detail(cid).vehicles[0].id
    for day in (D(2026, 11, 12), D(2026, 11, 25)):
        archive.register_visit(cid, vid, VisitInput(kind=VisitKind.MAINTENANCE,
                                                    intake_date=day, pickup_date=day))
    assert summary.figures(NOV, loyal_visits=3).loyal == [cid]
    assert summary.complaints_by_department(NOV) == {"车间": 1}


def test_a_filed_summary_is_frozen(store, archive, november):
    summary = SummaryService(store)
    sid = summary.file("month", "2026年11月小结", NOV, "本月返修率偏高，需与车间沟通。")
    before = summary.filed_one(sid)
    assert before.figures["visits"] == 3 and before.figures["target_comeback_rate"] == 0.02
    assert before.filed_by == "管理员"
    # a later edit to the records changes the live figures, not the filed copy
    archive.delete_customer(november[2])
    assert summary.figures(NOV).values["visits"] == 2
    assert summary.filed_one(sid).figures["visits"] == 3
    with pytest.raises(Exception, match="正文"):
        summary.file("month", "", NOV, "  ")


def test_targets_and_values_as_shown():
    from app.summary import format_value, summary_title, target_text

    assert target_text("satisfaction_rate") == "≥ 98%"
    assert target_text("warranty_followup_rate") == "100%"
    assert target_text("comeback_rate") == "< 2%" and target_text("visits") == ""
    assert format_value("satisfaction_rate", 0.9876) == "98.8%"
    assert format_value("satisfaction_rate", None) == "无数据" and format_value("visits", 3) == "3"
    assert format_value("csi", 0.9) == "90.0%" and format_value("csi", None) == "无数据"
    assert format_value("visits", None) == "—"  # a count missing from an old filed summary
    assert target_text("csi") == "≥ 93%"
    assert summary_title(NOV, "month") == "2026年11月 售后跟踪服务 月度小结"
    assert summary_title(Period.year(2026), "year") == "2026年 售后跟踪服务 年度总结"


def test_the_records_behind_each_figure_agree_with_it(store, november):
    from app.summary import LABELS, RATES, RECORD_HEADERS

    summary = SummaryService(store)
    when = D(2026, 12, 1)  # every November window has closed
    v = summary.figures(NOV, as_of=when).values
    for name in LABELS:
        behind = summary.records_behind(name, NOV, as_of=when)
        assert behind.title
        if name not in RATES:
            assert len(behind.ids) == v[name], name
    # a rate lists what pulled it down: the late call, the unsatisfied call, the comeback
    late = summary.records_behind("first_followup_on_time_rate", NOV, as_of=when)
    assert late.kind == "tasks" and len(late.ids) == 2  # 王芳芳 called late, 李强 not yet
    unsatisfied = summary.records_behind("satisfaction_rate", NOV)
    rows = summary.record_rows("calls", unsatisfied.ids)
    assert [r.cells[3] for r in rows.values()] == ["王芳芳"]
    assert [r.cells[5] for r in rows.values()] == ["不满意"]
    comebacks = summary.records_behind("comeback_rate", NOV)
    visit = summary.record_rows("visits", comebacks.ids)[comebacks.ids[0]]
    assert visit.customer_id == november[1] and visit.cells[-1] == "返修"
    complaint = summary.records_behind("complaints", NOV)
    row = summary.record_rows("requests", complaint.ids)[complaint.ids[0]]
    assert (row.cells[1], row.cells[4], row.cells[5]) == ("投诉", "车间", "返修后仍漏油")
    tasks = summary.record_rows("tasks", summary.records_behind("first_followups_due", NOV,
                                                                 as_of=when).ids)
    assert len(tasks) == 3 and all(len(r.cells) == len(RECORD_HEADERS["tasks"])
                                   for r in tasks.values())
    lost = summary.records_behind("lost_customers", Period.month(2027, 11))
    customers = summary.record_rows("customers", lost.ids)
    assert {r.cells[1] for r in customers.values()} == {"张伟", "王芳芳", "李强"}


def test_the_trend_counts_each_month_as_the_figures_do(store, november):
    summary = SummaryService(store)
    trend = summary.monthly_trend(2026, until=D(2026, 12, 1))
    assert len(trend) == 12 and trend[10] == (11, pytest.approx(1 / 3), 0.5, None)
    nov = summary.figures(NOV, as_of=D(2026, 12, 1)).values
    assert trend[10][1] == nov["first_followup_on_time_rate"]
    assert trend[0] == (1, None, None, None)  # nothing due in January: nothing to measure
    # months after `until` are not drawn: their follow-ups are not late yet
    cut = summary.monthly_trend(2026, until=D(2026, 10, 31))
    assert cut[10] == (11, None, None, None) and cut[9] == trend[9]


def test_complaints_by_department_per_clerk(store, november):
    other = StaffService(store).create("liqiang", "李强强", Role.CLERK, "secret12")
    summary = SummaryService(store)
    assert summary.complaints_by_department(NOV, clerk_id=other.id) == {}
    assert summary.complaints_by_department(Period.month(2026, 10)) == {}


def test_a_filed_summary_freezes_the_charts_too(store, archive, november):
    summary = SummaryService(store)
    sid = summary.file("month", "", NOV, "返修率偏高。", today=D(2026, 11, 30))
    filed = summary.filed_one(sid)
    assert filed.title == "2026年11月 售后跟踪服务 月度小结"
    assert filed.period == NOV and filed.trend_year == 2026
    assert filed.trend[10] == (11, pytest.approx(1 / 3), 0.5, None) and filed.trend[11][1:] == (
        None, None, None)
    assert filed.departments == {"车间": 1} and filed.values["visits"] == 3
    # later edits change neither the frozen trend nor the departments
    contacts = ContactService(store)
    contacts.log_call(CallInput(
        customer_id=november[2], called_at=dt.datetime(2026, 11, 25, 10), points_covered=[1],
        satisfaction="unsatisfied",
        request=RequestInput("配件等了两周", "escalated", True, "配件")), today=D(2026, 11, 25))
    assert summary.complaints_by_department(NOV) == {"车间": 1, "配件": 1}
    again = summary.filed_one(sid)
    assert again.departments == {"车间": 1} and again.trend == filed.trend


def test_chart_axes():
    from app.summary import count_axis, department_counts, trend_axis

    assert trend_axis([(1, None, None, None)]) == (0.9, 0.02)  # the targets alone
    assert trend_axis([(1, 0.99, 0.985, 0.94)]) == (0.9, 0.02)
    assert trend_axis([(1, 0.78, 0.99, None)]) == (0.7, 0.05)
    assert trend_axis([(1, 1.0, 1.0, 0.0)]) == (0.0, 0.2)  # a CSI of 0 moves the axis too
    assert trend_axis([(1, 0.0, 1.0)]) == (0.0, 0.2)  # a trend filed before CSI joined it
    assert count_axis(0) == (1, 1) and count_axis(3) == (3, 1) and count_axis(7) == (8, 2)
    assert count_axis(23) == (25, 5)
    assert department_counts({"车间": 2, "未注明": 1})[:2] == [("前台", 0), ("车间", 2)]
    assert department_counts({"未注明": 1})[-1] == ("未注明", 1)


def test_a_window_still_open_is_not_late_yet(store, november):
    summary = SummaryService(store)
    # On 25 November 李强's window [11-23, 11-27] is still open: not counted against anyone.
    mid = summary.figures(NOV, as_of=D(2026, 11, 25)).values
    assert (mid["first_followups_due"], mid["first_followups_on_time"]) == (2, 1)
    after = summary.figures(NOV, as_of=D(2026, 12, 1)).values
    assert after["first_followups_due"] == 3
