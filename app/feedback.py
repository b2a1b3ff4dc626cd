"""The weekly feedback report (篇一 十.1 日结周报，信息共享).

"每周将回访结果、客户反映情况以书面形式发馈给相关部门": each week the follow-up results (calls
made, reached, satisfaction, CSI) and what customers said (complaints, requests, the key points of
unsatisfied calls), grouped by the department concerned (前台 / 车间 / 配件 / 保险 / 销售, or
未注明), printed so that each department gets its own pages to act on and sign.

The week's 回访不满意 items (篇一 十.2: 回访中发现客户不满意时，书面通知相关部门，
并由客服专人再次联系确认满意程度) also get a section of their own in the overview: customer,
date, department and how each stands, so the supervisor sees which still wait for confirmation.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from sqlalchemy import select

from app import clock
from app.store import Store
from app.summary import (
    DEPARTMENTS,
    NO_DEPARTMENT,
    UNSATISFIED_SOURCE,
    Period,
    compute,
    rate,
)
from db.models import Call, Customer, CustomerRequest, CustomerSummary, Staff, Vehicle

COMPLAINT, REQUEST, UNSATISFIED = "投诉", "要求", "不满意"


@dataclass(frozen=True)
class FeedbackItem:
    day: dt.date
    kind: str  # 投诉 / 要求 / 不满意 (an unsatisfied call that raised no request)
    customer_id: int | None
    archive_no: str
    customer: str
    plate: str
    content: str
    status: str  # how it stands: 已上报主管, 已结案：…, or the call's result
    clerk: str
    department: str = ""  # as recorded ("" = 未注明)


@dataclass
class DepartmentPart:
    department: str
    items: list[FeedbackItem] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i.kind == kind)


@dataclass(frozen=True)
class ClerkLine:
    name: str
    calls: int
    reached: int
    rated: int
    satisfied: int  # 满意 + 基本满意
    unsatisfied: int

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.rated)


@dataclass
class Feedback:
    week: Period
    calls: int = 0
    reached: int = 0
    rated: int = 0
    satisfied: int = 0  # 满意
    basic: int = 0  # 基本满意
    unsatisfied: int = 0
    first_due: int = 0
    first_on_time: int = 0
    first_without_call: int = 0  # closed by 标记完成 without a call: not 已回访
    csi: float | None = None  # 篇三: mean score × 10 %, None when nobody scored
    csi_scored: int = 0
    unsatisfied_items: list[FeedbackItem] = field(default_factory=list)  # 回访不满意
    clerks: list[ClerkLine] = field(default_factory=list)
    departments: list[DepartmentPart] = field(default_factory=list)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied + self.basic, self.rated)

    @property
    def first_on_time_rate(self) -> float | None:
        return rate(self.first_on_time, self.first_due)

    def department(self, name: str) -> DepartmentPart:
        for part in self.departments:
            if part.department == name:
                return part
        raise KeyError(name)

    @property
    def with_items(self) -> list[DepartmentPart]:
        return [d for d in self.departments if d.items]


def _archive_no(no: int | None) -> str:
    from app.archive import format_archive_no

    return format_archive_no(no) if no is not None else ""


def weekly_feedback(store: Store, week: Period) -> Feedback:
    """The week's follow-up results and customer feedback, by department."""
    from app.contacts import HANDLING, REQUEST_STATUS, SATISFACTION

    out = Feedback(week)
    parts = {d: DepartmentPart(d) for d in [*DEPARTMENTS, NO_DEPARTMENT]}
    t0, t1 = week.datetimes()
    with store.read() as s:
        names = dict(s.execute(select(Staff.id, Staff.name)).all())
        figures = compute(s, week)
        out.first_due = int(figures.values["first_followups_due"] or 0)
        out.first_on_time = int(figures.values["first_followups_on_time"] or 0)
        out.first_without_call = int(
            figures.values["first_followups_closed_without_call"] or 0)
        out.csi = figures.values["csi"]
        out.csi_scored = int(figures.values["csi_scored"] or 0)

        calls = s.execute(
            select(Call, CustomerSummary.archive_no, CustomerSummary.name,
                   CustomerSummary.plates, Vehicle.plate)
            .outerjoin(CustomerSummary, CustomerSummary.customer_id == Call.customer_id)
            .outerjoin(Vehicle, Vehicle.id == Call.vehicle_id)
            .where(Call.deleted_at.is_(None), Call.called_at >= t0, Call.called_at < t1)
            .order_by(Call.called_at, Call.id)).all()
        requested_calls = set(s.scalars(
            select(CustomerRequest.call_id).where(CustomerRequest.call_id.is_not(None),
                                                  CustomerRequest.raised_on >= week.start,
                                                  CustomerRequest.raised_on <= week.end)))
        per_clerk: dict[str, list[int]] = {}
        call_sat: dict[int, str] = {}
        for c, no, name, plates, plate in calls:
            line = per_clerk.setdefault(names.get(c.clerk_id, "") or "（未注明）", [0] * 5)
            line[0] += 1
            out.calls += 1
            if not c.reached:
                continue
            out.reached += 1
            line[1] += 1
            call_sat[c.id] = c.satisfaction
            if c.satisfaction:
                out.rated += 1
                line[2] += 1
                if c.satisfaction == "satisfied":
                    out.satisfied += 1
                elif c.satisfaction == "basic":
                    out.basic += 1
                if c.satisfaction in ("satisfied", "basic"):
                    line[3] += 1
                else:
                    out.unsatisfied += 1
                    line[4] += 1
            if c.satisfaction == "unsatisfied" and c.id not in requested_calls:
                points = "；".join(x for x in (c.key_points, c.customer_request) if x)
                parts[NO_DEPARTMENT].items.append(FeedbackItem(
                    c.called_at.date(), UNSATISFIED, c.customer_id, _archive_no(no),
                    name or c.caller_name, plate or (plates or "").split(" ")[0],
                    points or "（未记录要点）", c.result or SATISFACTION["unsatisfied"],
                    names.get(c.clerk_id, "")))
        out.clerks = [ClerkLine(n, *v) for n, v in sorted(per_clerk.items())]

        reqs = s.execute(
            select(CustomerRequest, CustomerSummary.archive_no, CustomerSummary.name,
                   CustomerSummary.plates, Call.clerk_id, Call.vehicle_id)
            .join(Customer, Customer.id == CustomerRequest.customer_id)
            .outerjoin(CustomerSummary,
                       CustomerSummary.customer_id == CustomerRequest.customer_id)
            .outerjoin(Call, Call.id == CustomerRequest.call_id)
            .where(CustomerRequest.raised_on >= week.start,
                   CustomerRequest.raised_on <= week.end)
            .order_by(CustomerRequest.raised_on, CustomerRequest.id)).all()
        plates_by_vehicle = dict(s.execute(select(Vehicle.id, Vehicle.plate).where(
            Vehicle.id.in_([r[5] for r in reqs if r[5]]))).all()) if reqs else {}
        for r, no, name, plates, clerk_id, vehicle_id in reqs:
            status = REQUEST_STATUS.get(r.status, r.status)
            if r.solution:
                status += f"：{r.solution}"
            elif r.status == "closed" and r.close_note:
                status += f"：{r.close_note}"
            elif r.handling in HANDLING and r.status == "open":
                status = HANDLING[r.handling]
            unsatisfied = not r.is_complaint and r.source == UNSATISFIED_SOURCE
            content = r.content
            if not unsatisfied and r.call_id is not None and \
                    call_sat.get(r.call_id) == "unsatisfied":
                content += "（通话评价：不满意）"
            dept = r.department if r.department in parts else NO_DEPARTMENT
            item = FeedbackItem(
                r.raised_on, COMPLAINT if r.is_complaint else UNSATISFIED if unsatisfied
                else REQUEST, r.customer_id, _archive_no(no), name or "",
                plates_by_vehicle.get(vehicle_id) or (plates or "").split(" ")[0],
                content, status, names.get(clerk_id, ""), r.department or "")
            parts[dept].items.append(item)
            if unsatisfied:
                out.unsatisfied_items.append(item)
    for part in parts.values():
        order = {COMPLAINT: 0, UNSATISFIED: 1, REQUEST: 2}
        part.items.sort(key=lambda i: (order.get(i.kind, 9), i.day))
    out.departments = list(parts.values())
    return out


# ---------------------------------------------------------------- the printed report


def write_feedback_pdf(feedback: Feedback, center: dict, path: str | os.PathLike, *,
                       printed_on: dt.date | None = None, all_departments: bool = False):
    """The weekly report as an A4 PDF: an overview page, then each department's part on its
    own pages (a page break between departments) with room for its 整改措施 and signature.

    Departments with nothing this week are listed in the overview; with all_departments they
    get their page too. Returns app.summary_pdf.SummaryPdfResult.
    """
    from pathlib import Path

    from app.letters_pdf import Measure, chinese_date, printable
    from app.pdf_fonts import register_fonts
    from app.summary import TARGETS, format_value, misses, target_text
    from app.summary_pdf import (
        GREY,
        INK,
        MARGIN_X,
        RED,
        TEXT_W,
        Column,
        Flow,
        Line,
        Row,
        SummaryPdfResult,
        draw_pages,
        page_head,
    )

    center = {k: printable(str(v or "")) for k, v in center.items()}
    printed_on = printed_on or clock.today()
    font = register_fonts()
    m = Measure()
    w = feedback.week
    title = "售后跟踪服务 客户反馈周报"
    period = f"统计周：{w.start:%Y-%m-%d} 至 {w.end:%Y-%m-%d}"
    section = {"name": ""}  # the department whose pages these are: named in every head

    def head(flow: Flow) -> None:
        left = period + (f"　　送：{section['name']}" if section["name"] else "")
        page_head(center, title, left, f"打印日期：{chinese_date(printed_on)}")(flow)

    flow = Flow(m, font, head)

    # -- overview: the follow-up results
    flow.heading("一、本周跟踪回访结果")
    rate_rows = [
        ("通话总数", str(feedback.calls), "", None),
        ("接通", str(feedback.reached), "", None),
        ("未接通", str(feedback.calls - feedback.reached), "", None),
        ("有满意度评价", str(feedback.rated), "", None),
        ("满意 / 基本满意 / 不满意",
         f"{feedback.satisfied} / {feedback.basic} / {feedback.unsatisfied}", "", None),
        ("服务满意率", format_value("satisfaction_rate", feedback.satisfaction_rate),
         target_text("satisfaction_rate"), "satisfaction_rate"),
        (f"客户满意指数 CSI（{feedback.csi_scored} 次通话打分）",
         format_value("csi", feedback.csi), target_text("csi"), "csi"),
        ("应做第一次跟踪 / 期限内完成", f"{feedback.first_due} / {feedback.first_on_time}", "",
         None),
        ("第一次跟踪未通话关闭（标记完成，不算已回访）", str(feedback.first_without_call), "",
         None),
        ("第一次跟踪及时率",
         format_value("first_followup_on_time_rate", feedback.first_on_time_rate),
         target_text("first_followup_on_time_rate"), "first_followup_on_time_rate"),
    ]
    measured = {"satisfaction_rate": feedback.satisfaction_rate, "csi": feedback.csi,
                "first_followup_on_time_rate": feedback.first_on_time_rate}
    rows = []
    for label, value, target, name in rate_rows:
        v = measured.get(name or "")
        missed = bool(name) and name in TARGETS and misses(name, v)
        verdict = "" if not name else ("—" if v is None else "未达标" if missed else "达标")
        rows.append(Row([label, value, target, verdict],
                        colors=[None, RED if missed else None, None, RED if missed else None],
                        bold=[False, missed, False, missed]))
    flow.table([Column("项目", TEXT_W * 0.44), Column("本周", TEXT_W * 0.22, "r"),
                Column("目标", TEXT_W * 0.16, "c"), Column("达标情况", TEXT_W * 0.18, "c")],
               rows)
    if feedback.clerks:
        flow.heading("按业务员", size=11, keep=50)
        flow.table([Column("业务员", TEXT_W * 0.22), Column("通话", TEXT_W * 0.12, "r"),
                    Column("接通", TEXT_W * 0.12, "r"), Column("有评价", TEXT_W * 0.12, "r"),
                    Column("满意（含基本满意）", TEXT_W * 0.18, "r"),
                    Column("不满意", TEXT_W * 0.1, "r"), Column("满意率", TEXT_W * 0.14, "r")],
                   [Row([c.name, str(c.calls), str(c.reached), str(c.rated), str(c.satisfied),
                         str(c.unsatisfied),
                         format_value("satisfaction_rate", c.satisfaction_rate)])
                    for c in feedback.clerks])

    # -- overview: what each department gets
    flow.heading("二、客户反映情况（按部门）", keep=120)
    dept_rows = []
    for part in feedback.departments:
        n = len(part.items)
        if part.department == "未注明" and not n:
            continue
        dept_rows.append(Row([part.department, str(part.count("投诉")), str(part.count("要求")),
                              str(part.count("不满意")), str(n) if n else "本周无反馈"],
                             colors=[None, RED if part.count("投诉") else None, None, None,
                                     None if n else GREY]))
    flow.table([Column("部门", TEXT_W * 0.2), Column("投诉", TEXT_W * 0.16, "r"),
                Column("要求 / 希望", TEXT_W * 0.2, "r"),
                Column("回访不满意", TEXT_W * 0.26, "r"),
                Column("合计", TEXT_W * 0.18, "r")], dept_rows)

    # -- overview: 回访不满意 (篇一 十.2), each still to be confirmed with the customer
    flow.heading("三、回访不满意（书面通知相关部门，客服专人再次联系确认满意程度）", keep=80)
    if feedback.unsatisfied_items:
        flow.table([Column("序号", TEXT_W * 0.07, "c"), Column("日期", TEXT_W * 0.12, "c"),
                    Column("客户 / 车号", TEXT_W * 0.18), Column("部门", TEXT_W * 0.1, "c"),
                    Column("不满意内容", TEXT_W * 0.31), Column("处理情况", TEXT_W * 0.22)],
                   [Row([str(i), f"{it.day:%m-%d}",
                         it.customer + (f"\n{it.plate}" if it.plate else ""),
                         it.department or "未注明", it.content,
                         it.status + (f"（{it.clerk}）" if it.clerk else "")],
                        colors=[None, None, None, None if it.department else GREY, None,
                                None])
                    for i, it in enumerate(feedback.unsatisfied_items, 1)])
    else:
        flow.paragraph("本周没有回访不满意的客户。", 10.5, color=GREY)
    flow.space(4)
    flow.paragraph("各部门的具体内容见后附各页（每个部门单独成页），请各部门利用质量周会时间"
                   "制定整改措施，填写后交回客服部；客服部将根据整改情况再次与客户联系，确认客户"
                   "满意程度。", 9.5, color=GREY)
    flow.signatures(["客服部（签字）：", "日期："])

    # -- one part per department, each from a new page
    columns = [Column("序号", TEXT_W * 0.07, "c"), Column("日期", TEXT_W * 0.12, "c"),
               Column("客户 / 车号", TEXT_W * 0.17), Column("类别", TEXT_W * 0.08, "c"),
               Column("客户反映内容", TEXT_W * 0.34), Column("处理情况", TEXT_W * 0.22)]
    for part in feedback.departments:
        if not part.items and not (all_departments and part.department != "未注明"):
            continue
        section["name"] = part.department
        flow.new_page()
        heading = (f"致 {part.department}：本周客户反馈" if part.department != "未注明"
                   else "未注明部门的客户反馈（请客服部分派）")
        flow.heading(heading, size=13, keep=80)
        flow.paragraph(
            f"本周（{w.start.month}月{w.start.day}日至{w.end.month}月{w.end.day}日）跟踪回访中，客户反映的与"
            f"{part.department if part.department != '未注明' else '各部门'}有关的投诉、要求和"
            f"不满意意见共 {len(part.items)} 条，请查阅并制定整改措施。", 10.5)
        flow.space(4)
        if part.items:
            flow.table(columns, [
                Row([str(i), f"{it.day:%m-%d}",
                     f"{it.customer}" + (f"\n{it.plate}" if it.plate else ""), it.kind,
                     it.content, it.status + (f"（{it.clerk}）" if it.clerk else "")],
                    colors=[None, None, None, RED if it.kind == "投诉" else None, None, None])
                for i, it in enumerate(part.items, 1)])
        else:
            flow.paragraph("本周无客户反馈。", 10.5, color=GREY)
        flow.ensure(150)
        flow.y -= 24
        flow.text_at(MARGIN_X, flow.y, "整改措施：", 11, bold=True)
        for _ in range(4):
            flow.y -= 24
            flow.add(Line(MARGIN_X, flow.y, MARGIN_X + TEXT_W, flow.y, INK, 0.4))
        flow.signatures(["客服部（分派至）：" if part.department == "未注明"
                         else "部门负责人（签收）：", "日期："])
    section["name"] = ""
    pages = flow.number_pages(left=center.get("name", ""))
    missing: set[str] = set()
    n = draw_pages(pages, font, m, Path(path), title=title, author=center.get("name", ""),
                   missing=missing)
    return SummaryPdfResult(Path(path), n, font, missing)
