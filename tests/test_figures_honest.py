"""The figures recounted by hand (issue 10): 已回访 counts only logged calls, 返修率 divides by
vehicle jobs, CSI is the mean score of the scored calls, and 回访不满意 reaches the weekly
feedback. Every number asserted here is one a supervisor counts on paper from the records."""

import datetime as dt

import pytest

from app.archive import CustomerInput, VehicleInput, VisitInput
from app.contacts import CallInput, ContactService
from app.feedback import weekly_feedback, write_feedback_pdf
from app.staff import StaffService
from app.summary import RECORD_HEADERS, Period, SummaryService, misses
from app.tasks import TaskService
from db.models import Role, VisitKind

D = dt.date
NOV = Period.month(2026, 11)
OCT = Period.month(2026, 10)
AFTER = D(2026, 12, 1)  # every November window has closed


@pytest.fixture(autouse=True)
def on_a_known_day(frozen_clock):
    """Whatever day CI moves the suite to, these records are written as of 1 December 2026."""
    frozen_clock.freeze(dt.datetime(2026, 12, 1, 9))


@pytest.fixture
def clerk(store, monkeypatch):
    monkeypatch.setattr("app.staff.hash_password", lambda password: "unused")
    return StaffService(store).create("wangfang", "王芳", Role.CLERK, "secret12")


def customer(archive, clerk, name, i, *, warranty=False):
    cid = archive.create_customer(
        CustomerInput(name=name, phone=f"1391234560{i}", address="广州", clerk_id=clerk.id),
        [VehicleInput(plate=f"粤B5678{i}", model="朗逸", kind="轿车",
                      warranty_end=D(2027, 6, 30) if warranty else None)])
    return cid, archive.detail(cid).vehicles[0].id


def first_task(store, cid, day):
    tasks = TaskService(store).between(NOV.start, NOV.end, day)
    return next(t for t in tasks if t.customer_id == cid and t.kind == "first_followup")


# ---------------------------------------------------------------- 已回访 only from calls


@pytest.fixture
def november_desk(store, archive, clerk):
    """Three repairs picked up in November, each first follow-up closed a different way:

    张伟 (warranty)   picked up 11-02, window 11-05..11-09: called 11-06 — 已回访, on time.
                      His second follow-up (11-13..11-20) closed 11-15 by 标记完成 客户拒绝回访.
    王芳芳 (warranty) picked up 11-10, window 11-13..11-17: 标记完成 11-14 客户已到店面谈 —
                      inside the window, but no call: not 已回访, not on time.
    李强              picked up 11-20, window 11-23..11-27: 标记完成 11-25 其他（客户出国）.
    """
    contacts, tasks = ContactService(store), TaskService(store)
    people = {}
    for i, (name, pickup, warranty) in enumerate([
            ("张伟", D(2026, 11, 2), True), ("王芳芳", D(2026, 11, 10), True),
            ("李强", D(2026, 11, 20), False)]):
        cid, vid = customer(archive, clerk, name, i, warranty=warranty)
        archive.register_visit(cid, vid, VisitInput(kind=VisitKind.REPAIR, intake_date=pickup,
                                                     pickup_date=pickup))
        tasks.sync([cid], pickup)
        people[name] = cid
    store.actor_id = clerk.id  # the clerk works the agenda
    zhang = first_task(store, people["张伟"], D(2026, 11, 6))
    contacts.log_call(CallInput(customer_id=people["张伟"], task_id=zhang.task_id,
                                called_at=dt.datetime(2026, 11, 6, 10), points_covered=[1],
                                satisfaction="satisfied"), today=D(2026, 11, 6))
    second = next(t for t in tasks.between(NOV.start, NOV.end, D(2026, 11, 15))
                  if t.customer_id == people["张伟"] and t.kind == "second_followup")
    assert (second.window_start, second.due) == (D(2026, 11, 13), D(2026, 11, 20))
    tasks.complete(second.task_id, D(2026, 11, 15), D(2026, 11, 15), reason="客户拒绝回访")
    wang = first_task(store, people["王芳芳"], D(2026, 11, 14))
    tasks.complete(wang.task_id, D(2026, 11, 14), D(2026, 11, 14), reason="客户已到店面谈")
    li = first_task(store, people["李强"], D(2026, 11, 25))
    tasks.complete(li.task_id, D(2026, 11, 25), D(2026, 11, 25), reason="其他", note="客户出国")
    return people


def test_a_follow_up_closed_without_a_call_is_not_called(store, november_desk):
    v = SummaryService(store).figures(NOV, as_of=AFTER).values
    # 应做 3; 已回访 1 (张伟's call); 未通话关闭 2 (王芳芳, 李强); in the window by a call 1
    assert (v["first_followups_due"], v["first_followups_done"],
            v["first_followups_closed_without_call"], v["first_followups_on_time"]) == (3, 1, 2, 1)
    assert v["first_followup_on_time_rate"] == pytest.approx(1 / 3)
    # 保修期内: 张伟 and 王芳芳 due, only 张伟 called: 1 / 2 = 50%, the 100% target missed
    assert (v["warranty_followups_due"], v["warranty_followups_done"],
            v["warranty_followups_closed_without_call"]) == (2, 1, 1)
    assert v["warranty_followup_rate"] == 0.5 and misses("warranty_followup_rate", 0.5)
    # 张伟's second follow-up was closed without a call too; 王芳芳 and 李强 got none planned
    # (R4 counts from the first *call*)
    assert (v["second_followups_done"], v["second_followups_closed_without_call"]) == (0, 1)
    assert v["calls"] == 1


def test_the_records_behind_closed_without_call_say_why_who_and_when(store, november_desk):
    summary = SummaryService(store)
    behind = summary.records_behind("first_followups_closed_without_call", NOV, as_of=AFTER)
    assert behind.kind == "no_call_tasks" and behind.title == "未通话就标记完成的第一次跟踪"
    rows = summary.record_rows(behind.kind, behind.ids)
    headers = RECORD_HEADERS["no_call_tasks"]
    assert headers[6:] == ["关闭日期", "关闭人", "未通话原因", "说明"]
    got = [dict(zip(headers, rows[i].cells, strict=True)) for i in behind.ids]
    assert [(r["客户名称"], r["关闭日期"], r["关闭人"], r["未通话原因"], r["说明"])
            for r in got] == [("王芳芳", "2026-11-14", "王芳", "客户已到店面谈", ""),
                              ("李强", "2026-11-25", "王芳", "其他", "客户出国")]
    assert [rows[i].customer_id for i in behind.ids] == [november_desk["王芳芳"],
                                                         november_desk["李强"]]
    # the lists of what was done or missed agree with the counts
    done = summary.records_behind("first_followups_done", NOV, as_of=AFTER)
    assert [summary.record_rows("tasks", done.ids)[i].cells[3] for i in done.ids] == ["张伟"]
    missed = summary.records_behind("warranty_followup_rate", NOV, as_of=AFTER)
    row = summary.record_rows("tasks", missed.ids)[missed.ids[0]]
    assert len(missed.ids) == 1 and (row.cells[3], row.cells[6]) == ("王芳芳", "未通话关闭")
    late = summary.records_behind("first_followup_on_time_rate", NOV, as_of=AFTER)
    assert len(late.ids) == 2
    warranty = summary.records_behind("warranty_followups_closed_without_call", NOV,
                                      as_of=AFTER)
    assert summary.record_rows("no_call_tasks", warranty.ids)[warranty.ids[0]].cells[3] == \
        "王芳芳"


def test_the_trend_and_the_weekly_report_count_only_calls(store, november_desk):
    summary = SummaryService(store)
    nov = summary.monthly_trend(2026, until=AFTER)[10]
    assert nov[1] == pytest.approx(1 / 3)  # as the month's figures: 1 on time of 3
    # the week 11-16..22 holds one first follow-up due: 王芳芳's (11-17), closed without a call
    fb = weekly_feedback(store, Period.week(D(2026, 11, 16)))
    assert (fb.first_due, fb.first_on_time, fb.first_without_call) == (1, 0, 1)


def test_a_call_reopened_task_counts_again(store, november_desk):
    """Reopened (撤销完成) and then called: 已回访 again, the no-call line back to one."""
    tasks, contacts = TaskService(store), ContactService(store)
    wang = first_task(store, november_desk["王芳芳"], D(2026, 11, 16))
    tasks.reopen(wang.task_id)
    contacts.log_call(CallInput(customer_id=november_desk["王芳芳"], task_id=wang.task_id,
                                called_at=dt.datetime(2026, 11, 16, 15), points_covered=[1],
                                satisfaction="basic"), today=D(2026, 11, 16))
    v = SummaryService(store).figures(NOV, as_of=AFTER).values
    assert (v["first_followups_done"], v["first_followups_closed_without_call"],
            v["first_followups_on_time"]) == (2, 1, 2)
    assert (v["warranty_followups_done"], v["warranty_followup_rate"]) == (2, 1.0)


# ---------------------------------------------------------------- 返修率


@pytest.fixture
def october_jobs(store, archive, clerk):
    """October: 4 repairs (the third a comeback), 1 maintenance, 1 consultation (no car)."""
    cid, vid = customer(archive, clerk, "赵敏", 5)
    other, other_vid = customer(archive, clerk, "钱进", 6)
    for day, kind, comeback, who in [
            (D(2026, 10, 8), VisitKind.REPAIR, False, (cid, vid)),
            (D(2026, 10, 12), VisitKind.REPAIR, False, (other, other_vid)),
            (D(2026, 10, 15), VisitKind.REPAIR, True, (cid, vid)),
            (D(2026, 10, 20), VisitKind.REPAIR, False, (other, other_vid)),
            (D(2026, 10, 22), VisitKind.MAINTENANCE, False, (cid, vid)),
            (D(2026, 10, 26), VisitKind.CONSULTATION, False, (other, None))]:
        archive.register_visit(who[0], who[1], VisitInput(kind=kind, intake_date=day,
                                                          pickup_date=day,
                                                          is_comeback=comeback))
    return cid, other


def test_the_comeback_rate_divides_by_vehicle_jobs(store, october_jobs):
    summary = SummaryService(store)
    v = summary.figures(OCT, as_of=AFTER).values
    # 6 visits; 5 of them jobs on a car (4 repairs + 1 maintenance); 1 comeback: 1 / 5 = 20%
    assert (v["visits"], v["vehicle_jobs"], v["comebacks"]) == (6, 5, 1)
    assert v["comeback_rate"] == pytest.approx(0.2) and misses("comeback_rate", 0.2)
    jobs = summary.records_behind("vehicle_jobs", OCT, as_of=AFTER)
    kinds = [summary.record_rows("visits", jobs.ids)[i].cells[1] for i in jobs.ids]
    assert len(kinds) == 5 and "咨询" not in kinds
    behind = summary.records_behind("comeback_rate", OCT, as_of=AFTER)
    assert [summary.record_rows("visits", behind.ids)[i].cells[0] for i in behind.ids] == [
        "2026-10-15"]


def test_the_comeback_rate_says_what_it_divides_by():
    from app.summary import NOTES

    assert NOTES["comeback_rate"] == "返修台次 ÷ 维修和保养台次（不含咨询、来访）"


# ---------------------------------------------------------------- CSI


@pytest.fixture
def scored_calls(store, archive, clerk):
    """November calls: scores 8 and 10; one rated but not scored; one unanswered; a scored
    call deleted (score 2); a scored call in December (score 3)."""
    cid, _ = customer(archive, clerk, "孙丽", 7)
    other, _ = customer(archive, clerk, "周强", 8)
    c = ContactService(store)

    def call(who, at, **kw):
        kw.setdefault("points_covered", [1])
        return c.log_call(CallInput(customer_id=who, called_at=at, **kw),
                          today=at.date()).call_id

    ids = {
        "eight": call(cid, dt.datetime(2026, 11, 3, 10), satisfaction="basic", score=8),
        "ten": call(other, dt.datetime(2026, 11, 18, 16), satisfaction="satisfied", score=10),
        "unscored": call(cid, dt.datetime(2026, 11, 20, 9), satisfaction="satisfied"),
        "no_answer": call(other, dt.datetime(2026, 11, 21, 9), reached=False,
                          no_answer_reason="no_answer", points_covered=[]),
        "deleted": call(cid, dt.datetime(2026, 11, 24, 9), satisfaction="basic", score=2),
        "december": call(other, dt.datetime(2026, 12, 1, 9), satisfaction="basic", score=3),
    }
    c.delete_call(ids["deleted"])
    return ids


def test_csi_is_the_mean_score_of_the_scored_calls(store, scored_calls):
    summary = SummaryService(store)
    v = summary.figures(NOV, as_of=AFTER).values
    # (8 + 10) / 2 = 9 points of 10 = 90%, from 2 scored calls; the 93% target is missed
    assert v["csi_scored"] == 2 and v["csi"] == pytest.approx(0.9)
    assert misses("csi", v["csi"])
    behind = summary.records_behind("csi", NOV, as_of=AFTER)
    assert behind.ids == [scored_calls["eight"], scored_calls["ten"]]
    rows = summary.record_rows("calls", behind.ids)
    assert [rows[i].cells[5] for i in behind.ids] == ["基本满意（8 分）", "满意（10 分）"]
    assert summary.records_behind("csi_scored", NOV, as_of=AFTER).ids == behind.ids
    # the trend draws it month by month: November 90%, December (one call of 3) 30%
    trend = summary.monthly_trend(2026, until=D(2026, 12, 31))
    assert trend[10][3] == pytest.approx(0.9) and trend[11][3] == pytest.approx(0.3)
    assert trend[9][3] is None  # October: nobody scored
    # a clerk with no scored calls measures nothing
    other = StaffService(store).create("liqiang", "李强强", Role.CLERK, "secret12")
    assert summary.figures(NOV, clerk_id=other.id, as_of=AFTER).values["csi"] is None


def test_no_score_is_no_data_never_zero_or_full(store, scored_calls):
    v = SummaryService(store).figures(OCT, as_of=AFTER).values
    assert v["csi_scored"] == 0 and v["csi"] is None and not misses("csi", v["csi"])
    from app.summary import format_value

    assert format_value("csi", v["csi"]) == "无数据"


def test_a_filed_summary_keeps_csi_and_an_old_one_has_none(store, scored_calls):
    import json

    from db.models import FiledSummary

    summary = SummaryService(store)
    sid = summary.file("month", "", NOV, "CSI 90%，未达 93%。", today=AFTER)
    filed = summary.filed_one(sid)
    assert filed.values["csi"] == pytest.approx(0.9) and filed.values["csi_scored"] == 2
    assert filed.trend[10][3] == pytest.approx(0.9)
    # a summary filed before CSI and the new lines existed: three-column trend, no CSI
    with store.session() as s:
        row = s.get(FiledSummary, sid)
        frozen = json.loads(row.figures_json)
        for name in ("csi", "csi_scored", "vehicle_jobs"):
            del frozen[name]
        frozen["trend"] = [t[:3] for t in frozen["trend"]]
        row.figures_json = json.dumps(frozen, ensure_ascii=False)
    old = summary.filed_one(sid)
    assert old.values["csi"] is None and old.trend[10] == (11, None, 1.0, None)


# ---------------------------------------------------------------- 回访不满意 in the weekly report


@pytest.fixture
def unsatisfied_week(store, archive, clerk):
    """Week 11-16..22: 孙丽 unsatisfied with the workshop (11-17, still open), 周强 unsatisfied
    with the front desk (11-19, closed by the supervisor 11-20); 吴昊 unsatisfied the week
    after (11-24), not listed."""
    admin_id = store.actor_id
    c = ContactService(store)
    people = {}
    store.actor_id = clerk.id  # 王芳 makes the calls
    for i, (name, at, dept) in enumerate([
            ("孙丽", dt.datetime(2026, 11, 17, 10), "车间"),
            ("周强", dt.datetime(2026, 11, 19, 15), "前台"),
            ("吴昊", dt.datetime(2026, 11, 24, 9), "配件")]):
        cid, _ = customer(archive, clerk, name, i)
        out = c.log_call(CallInput(customer_id=cid, called_at=at, points_covered=[1],
                                   key_points=f"{name}：{dept}的服务不满意",
                                   satisfaction="unsatisfied", department=dept, score=4),
                         today=at.date())
        people[name] = out.request_id
    store.actor_id = admin_id
    store.actor_id = StaffService(store).create("zhuguan", "黄主管", Role.SUPERVISOR,
                                                "secret12").id
    c.close_request(people["周强"], "客户已接受道歉，不再追究", D(2026, 11, 20))
    return people


def test_the_weekly_feedback_lists_the_unsatisfied_items(store, unsatisfied_week):
    fb = weekly_feedback(store, Period.week(D(2026, 11, 18)))
    got = [(i.day, i.customer, i.department, i.status) for i in fb.unsatisfied_items]
    assert got == [(D(2026, 11, 17), "孙丽", "车间", "已上报主管"),
                   (D(2026, 11, 19), "周强", "前台", "已结案：客户已接受道歉，不再追究")]
    # each also goes to its department's pages, as 不满意 (not as a customer request)
    assert [(i.kind, i.customer) for i in fb.department("车间").items] == [("不满意", "孙丽")]
    assert fb.department("前台").count("要求") == 0
    assert (fb.rated, fb.unsatisfied, fb.csi_scored) == (2, 2, 2)
    assert fb.csi == pytest.approx(0.4)  # (4 + 4) / 2 = 4 points of 10
    v = SummaryService(store).figures(Period.week(D(2026, 11, 18)), as_of=AFTER).values
    assert (v["unsatisfied_items"], v["requests"], v["complaints"]) == (2, 0, 0)


def test_the_weekly_feedback_pdf_has_a_section_for_them(store, unsatisfied_week, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    fb = weekly_feedback(store, Period.week(D(2026, 11, 18)))
    path = write_feedback_pdf(fb, {"name": "广州顺达汽车维修服务中心"}, tmp_path / "fb.pdf",
                              printed_on=AFTER).path
    first = "".join(pypdf.PdfReader(str(path)).pages[0].extract_text().split())
    assert "三、回访不满意（书面通知相关部门，客服专人再次联系确认满意程度）" in first
    assert "111-17孙丽粤B56780车间孙丽：车间的服务不满意已上报主管（王芳）" in first
    assert "211-19周强粤B56781前台周强：前台的服务不满意已结案：客户已接受道歉，不再追究（王芳）" \
        in first
    assert "吴昊" not in first
    assert "客户满意指数CSI（2次通话打分）40.0%≥93%未达标" in first
    empty = weekly_feedback(store, Period.week(D(2026, 11, 4)))
    assert empty.unsatisfied_items == [] and empty.csi is None
    path = write_feedback_pdf(empty, {}, tmp_path / "empty.pdf", printed_on=AFTER).path
    first = "".join(pypdf.PdfReader(str(path)).pages[0].extract_text().split())
    assert "本周没有回访不满意的客户。" in first
    assert "客户满意指数CSI（0次通话打分）无数据≥93%—" in first
