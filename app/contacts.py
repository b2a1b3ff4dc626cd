"""Calls (R7) and customer requests and complaints (R5).

Logging a call closes the task it answers and opens what follows: the second follow-up (R4),
a retry when nobody answered, a letter after a campaign notice (R6), and for a request or
complaint the study / escalation / reply steps until the customer has their answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app import task_rows
from app.followup import sync_customers
from app.normalize import ValidationError, normalize_phone, search_key
from app.rules import LOST_REASONS, Window
from app.settings import load_rules
from app.staff import acting, refuse_others, supervisor_only
from app.store import Store
from app.workdays import load_calendar
from db.models import (
    Call,
    Campaign,
    CampaignInvitee,
    Customer,
    CustomerRequest,
    CustomerSummary,
    Role,
    Staff,
    Task,
    TaskKind,
    TaskStatus,
    Vehicle,
    utcnow,
)

# 篇二 §3: what a follow-up call gives the customer.
STANDARD_POINTS = {
    1: "询问客户用车情况和对本公司服务有何意见",
    2: "询问客户近期有无新的服务需求需我公司效劳",
    3: "告之相关的汽车运用知识和注意事项",
    4: "介绍本公司近期为客户提供的各种服务、特别是新的服务内容",
    5: "介绍本公司近期为客户安排的各类优惠联谊活动（内容、日期、地址）",
    6: "咨询服务",
    7: "走访客户",
}
CALL_TYPES = {"followup": "跟踪", "consultation": "咨询", "complaint": "投诉",
              "notice": "活动通知", "reply": "答复", "other": "其他"}
NO_ANSWER = {"no_answer": "未接通", "powered_off": "关机", "invalid_number": "空号",
             "reschedule": "改约时间"}
SATISFACTION = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
HANDLING = {"answered": "当场答复", "study": "研究后答复", "escalated": "上报主管"}
DEPARTMENTS = ["前台", "车间", "配件", "保险", "销售"]
REQUEST_STATUS = {"open": "处理中", "escalated": "已上报主管", "solved": "已有解决办法",
                  "replied": "已答复，待确认", "closed": "已结案"}
UNREACHABLE_DEFAULT = 3


@dataclass
class RequestInput:
    content: str
    handling: str  # answered / study / escalated
    is_complaint: bool = False
    department: str = ""
    solution: str = ""  # when answered on the spot


@dataclass
class CallInput:
    customer_id: int | None
    called_at: dt.datetime
    direction: str = "out"
    call_type: str = "followup"
    task_id: int | None = None
    vehicle_id: int | None = None
    campaign_id: int | None = None
    phone: str = ""
    caller_name: str = ""
    reached: bool = True
    no_answer_reason: str = ""
    retry_at: dt.datetime | None = None
    points_covered: list[int] = field(default_factory=list)
    key_points: str = ""
    customer_request: str = ""
    satisfaction: str = ""
    result: str = ""
    request: RequestInput | None = None
    score: int | None = None  # 请您为本次服务打分, 0–10 (CSI)
    # A follow-up call logged without a task closes the customer's open follow-up; False
    # when the clerk said this call does none of them.
    close_followup: bool = True
    department: str = ""  # 回访不满意: the department to notify in writing (篇一 十.2)
    lost_reason: str = ""  # 流失回访: why the customer stopped coming (rules.LOST_REASONS)

    def check(self) -> None:
        if self.call_type not in CALL_TYPES:
            raise ValidationError("call_type", "请选择通话类别。")
        if self.customer_id is None and not (self.phone or self.caller_name):
            raise ValidationError("customer", "请选择客户，或至少记下来电号码。")
        if self.reached:
            if self.no_answer_reason:
                raise ValidationError("no_answer_reason", "接通的电话不需要选择未接通原因。")
            if self.call_type == "followup" and not (self.points_covered or self.key_points):
                raise ValidationError("key_points", "请勾选通话内容或填写通话要点。")
            if self.satisfaction and self.satisfaction not in SATISFACTION:
                raise ValidationError("satisfaction", "请选择满意度。")
            if self.score is not None and not 0 <= self.score <= 10:
                raise ValidationError("score", "服务评分应在 0 到 10 分之间。")
            if self.lost_reason and self.lost_reason not in LOST_REASONS:
                raise ValidationError("lost_reason", "请选择客户流失的原因。")
        else:
            if self.no_answer_reason not in NO_ANSWER:
                raise ValidationError("no_answer_reason", "请选择未接通的原因。")
            if self.no_answer_reason == "reschedule" and self.retry_at is None:
                raise ValidationError("retry_at", "改约时间须填写再次联系的时间。")
            if self.retry_at is not None and self.retry_at < self.called_at:
                raise ValidationError("retry_at", "再次联系的时间早于这次通话。")
            if self.request is not None:
                raise ValidationError("request", "未接通的电话不能登记客户要求。")
        if self.request is not None and self.customer_id is None and \
                self.request.handling != "answered":
            # An answer on the spot is kept in the call; a follow-up needs an archive.
            raise ValidationError(
                "request", "登记客户要求须先选择客户；档案中没有的来电人，请先新建客户。")
        if any(p not in STANDARD_POINTS for p in self.points_covered):
            raise ValidationError("points_covered", "通话内容只能从七项中选择。")
        if self.request is not None:
            r = self.request
            if not r.content.strip():
                raise ValidationError("request", "请写明客户的要求、希望或投诉。")
            if r.handling not in HANDLING:
                raise ValidationError(
                    "handling", "请选择处理方式：当场答复、研究后答复或上报主管。")
            if r.department and r.department not in DEPARTMENTS:
                raise ValidationError("department", "请选择涉及的部门。")
            if r.handling == "answered" and not r.solution.strip():
                raise ValidationError("solution", "当场答复的，请写下答复内容。")


@dataclass(frozen=True)
class CallInfo:
    id: int
    customer_id: int | None
    archive_no: int | None
    customer_name: str
    plate: str
    phone: str
    called_at: dt.datetime
    direction: str
    call_type: str
    reached: bool
    no_answer_reason: str
    points_covered: tuple[int, ...]
    key_points: str
    customer_request: str
    satisfaction: str
    result: str
    clerk_name: str
    task_id: int | None
    deleted: bool = False

    @property
    def type_label(self) -> str:
        return CALL_TYPES.get(self.call_type, self.call_type)

    @property
    def outcome_label(self) -> str:
        if not self.reached:
            return NO_ANSWER.get(self.no_answer_reason, "未接通")
        return SATISFACTION.get(self.satisfaction, "")


@dataclass(frozen=True)
class RequestInfo:
    id: int
    customer_id: int
    archive_no: int
    customer_name: str
    phone: str
    is_complaint: bool
    content: str
    department: str
    handling: str
    status: str
    raised_on: dt.date
    escalated_on: dt.date | None
    solution: str
    solved_on: dt.date | None
    replied_on: dt.date | None
    closed_on: dt.date | None
    due: dt.date | None  # the open step's due date
    source: str = ""  # "unsatisfied": 回访不满意 found on a follow-up call
    close_note: str = ""

    @property
    def status_label(self) -> str:
        return REQUEST_STATUS.get(self.status, self.status)

    def overdue(self, today: dt.date) -> bool:
        return self.due is not None and self.due < today and self.status != "closed"


@dataclass
class CallOutcome:
    call_id: int
    request_id: int | None = None
    closed_task_ids: list[int] = field(default_factory=list)
    opened_task_ids: list[int] = field(default_factory=list)
    failed_attempts: int = 0
    unreachable: bool = False


def _topic_stem(text: str) -> str:
    """A proposed topic without what changes from day to day ("（还有 12 天）", "，地点 …")."""
    return re.split(r"[（，]", text.strip(), maxsplit=1)[0]


def _points(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(",") if p.strip().isdigit())


class ContactService:
    def __init__(self, store: Store, unreachable_after: int | None = None):
        self.store = store
        self._unreachable_after = unreachable_after

    @property
    def unreachable_after(self) -> int:
        """Failed attempts before a task offers a letter instead (setting, default 3)."""
        if self._unreachable_after is None:
            from app.settings import UNREACHABLE_KEY, load_int

            with self.store.read() as s:
                self._unreachable_after = load_int(s, UNREACHABLE_KEY, UNREACHABLE_DEFAULT)
        return self._unreachable_after

    # ------------------------------------------------------------ incoming calls

    def customers_by_phone(self, phone: str) -> list[int]:
        """来电: the customers whose phone contains the typed digits (most recent first)."""
        digits = search_key(normalize_phone(phone)).replace("-", "")
        if len(digits) < 4:
            return []
        with self.store.read() as s:
            return s.scalars(
                select(CustomerSummary.customer_id)
                .where(CustomerSummary.deleted.is_(False),
                       CustomerSummary.search_text.like(f"%{digits}%"))
                .order_by(CustomerSummary.last_visit_date.desc())
                .limit(20)
            ).all()

    # ------------------------------------------------------------ logging a call

    def log_call(self, data: CallInput, today: dt.date | None = None) -> CallOutcome:
        data.check()
        today = today or data.called_at.date()
        with self.store.session() as s:
            if data.reached and not data.lost_reason and data.task_id is not None and s.scalar(
                    select(Task.kind).where(Task.id == data.task_id)) == TaskKind.LOST_CUSTOMER:
                # 流失客户 … 分析 (篇三 (一)2): a reached lost customer is asked why
                raise ValidationError("lost_reason", "流失回访接通后，请选择客户流失的原因。")
            call = Call(
                customer_id=data.customer_id, vehicle_id=data.vehicle_id, task_id=data.task_id,
                campaign_id=data.campaign_id, clerk_id=self.store.actor_id,
                called_at=data.called_at, direction=data.direction, call_type=data.call_type,
                phone=normalize_phone(data.phone), caller_name=data.caller_name.strip(),
                reached=data.reached,
                no_answer_reason="" if data.reached else data.no_answer_reason,
                retry_at=None if data.reached else data.retry_at,
                points_covered=",".join(str(p) for p in sorted(set(data.points_covered))),
                key_points=data.key_points.strip(),
                customer_request=data.customer_request.strip(),
                satisfaction=data.satisfaction if data.reached else "",
                result=data.result.strip(),
                score=data.score if data.reached else None,
                lost_reason=data.lost_reason if data.reached else "",
            )
            s.add(call)
            s.flush()
            out = CallOutcome(call.id)
            task = s.get(Task, data.task_id) if data.task_id else None
            if task is None and data.reached and data.close_followup \
                    and data.call_type == "followup" and data.customer_id is not None:
                # Logged from the archive page, F4 or a register: the call still does the
                # follow-up whose window it falls in or has passed (earliest due first).
                found = task_rows.open_followups(s, data.customer_id, call.called_at.date(),
                                                 data.vehicle_id)
                if found:
                    task = found[0]
                    call.task_id = task.id
            if data.reached:
                if task is not None and task.status == TaskStatus.OPEN:
                    self._close_by_call(s, task, call, today, out)
                if data.request is not None and data.customer_id is not None:
                    out.request_id = self._open_request(s, call, data, today, out)
                elif data.satisfaction == "unsatisfied" and data.customer_id is not None \
                        and not (task is not None and task.request_id):
                    out.request_id = self._unsatisfied(s, call, data, out)
            elif task is not None:
                self._failed_attempt(s, task, call, today, out)
            elif call.retry_at is not None and data.customer_id is not None:
                # A call from the archive, not from a task: the agreed time still needs a task.
                day = call.retry_at.date()
                out.opened_task_ids.append(self._add_task(
                    s, TaskKind.RETRY, data.customer_id, Window(day, day),
                    self._clerk_of(s, data.customer_id) or self.store.actor_id,
                    f"call:{call.id}:retry",
                    topic=f"重拨（{call.retry_at:%H:%M}）：{data.key_points or '约定再次联系'}"))
            if not call.result:
                call.result = self._result_text(data, out)
            if data.customer_id is not None:
                sync_customers(s, [data.customer_id], load_rules(s), today, self.store.actor_id)
            return out

    def _result_text(self, data: CallInput, out: CallOutcome) -> str:
        if not data.reached:
            text = NO_ANSWER.get(data.no_answer_reason, "未接通")
            if data.retry_at:
                text += f"，约 {data.retry_at:%m-%d %H:%M} 再联系"
            return text
        if data.request is not None:
            return HANDLING[data.request.handling]
        # 处理结果 on paper means 当场答复 / 研究后答复 / 上报主管, not the satisfaction.
        if data.satisfaction == "unsatisfied" and data.customer_id is not None:
            return HANDLING["escalated"]
        return "已回访" if data.call_type == "followup" else HANDLING["answered"]

    def _done(self, task: Task, day: dt.date) -> None:
        task_rows.done(task, day, self.store.actor_id)

    def _close_by_call(self, s: Session, task: Task, call: Call, today: dt.date,
                       out: CallOutcome) -> None:
        day = call.called_at.date()
        target = task
        if task.kind == TaskKind.RETRY and task.parent_task_id:
            self._done(task, day)
            out.closed_task_ids.append(task.id)
            parent = s.get(Task, task.parent_task_id)
            if parent is None or parent.status != TaskStatus.OPEN:
                return
            target = parent
        self._done(target, day)
        out.closed_task_ids.append(target.id)
        # Pending retries of the task are answered too.
        for retry in s.scalars(select(Task).where(Task.parent_task_id == target.id,
                                                  Task.status == TaskStatus.OPEN)):
            self._done(retry, day)
            out.closed_task_ids.append(retry.id)
        if target.kind == TaskKind.EVENT_NOTICE:
            due = day + dt.timedelta(days=load_rules(s).notice_letter_days)
            out.opened_task_ids.append(self._add_task(
                s, TaskKind.EVENT_LETTER, target.customer_id, Window(day, due),
                target.owner_id, f"campaign:{target.campaign_id}:{target.customer_id}:letter",
                topic=target.topic.replace("电话通知", "寄出通知信函"),
                campaign_id=target.campaign_id))
        if target.kind == TaskKind.REPLY and target.request_id:
            self._request_replied(s, target.request_id, call, day, today, out)

    def _failed_attempt(self, s: Session, task: Task, call: Call, today: dt.date,
                        out: CallOutcome) -> None:
        root = s.get(Task, task.parent_task_id) if task.kind == TaskKind.RETRY and \
            task.parent_task_id else task
        assert root is not None
        out.failed_attempts = self.failed_attempts(s, root.id)
        out.unreachable = out.failed_attempts >= self.unreachable_after
        if task.kind == TaskKind.RETRY:
            task_rows.done(task, call.called_at.date(), self.store.actor_id, "retry:failed")
        if call.retry_at is not None:
            day = call.retry_at.date()
            out.opened_task_ids.append(self._add_task(
                s, TaskKind.RETRY, root.customer_id, Window(day, day), root.owner_id,
                f"call:{call.id}:retry", topic=f"重拨（{call.retry_at:%H:%M}）：{root.topic}",
                parent_task_id=root.id, vehicle_id=root.vehicle_id, visit_id=root.visit_id))

    def failed_attempts(self, s: Session, task_id: int) -> int:
        retry_ids = select(Task.id).where(Task.parent_task_id == task_id)
        return s.scalar(select(func.count(Call.id)).where(
            Call.reached.is_(False), Call.deleted_at.is_(None),
            or_(Call.task_id == task_id, Call.task_id.in_(retry_ids)))) or 0

    def open_followups(self, customer_id: int, day: dt.date,
                       vehicle_id: int | None = None) -> list[tuple[int, str]]:
        """The follow-up tasks a call on `day` would close, earliest due first, as (task id,
        what a clerk reads): the call dialog offers them when the call has no task."""
        from app.followup import TASK_KIND_LABELS

        with self.store.read() as s:
            plates = dict(s.execute(select(Vehicle.id, Vehicle.plate).where(
                Vehicle.customer_id == customer_id)).all())
            return [(t.id, f"{TASK_KIND_LABELS[TaskKind(t.kind)]}　"
                           f"{plates.get(t.vehicle_id, '') or ''}　"
                           f"{t.window_start:%m-%d}～{t.due:%m-%d}".replace("　　", "　"))
                    for t in task_rows.open_followups(s, customer_id, day, vehicle_id)]

    def suggested_retry(self, after: dt.datetime, hour: int = 10) -> dt.datetime:
        """When to try again after nobody answered: the center's next working day at 10:00."""
        with self.store.read() as s:
            day = load_calendar(s).next_working_day(after.date())
        return dt.datetime.combine(day, dt.time(hour))

    def attempts_for(self, task_id: int) -> int:
        with self.store.read() as s:
            return self.failed_attempts(s, task_id)

    def _add_task(self, s: Session, kind: TaskKind, customer_id: int, window: Window,
                  owner_id: int | None, key: str, *, topic: str = "",
                  request_id: int | None = None, campaign_id: int | None = None,
                  parent_task_id: int | None = None, vehicle_id: int | None = None,
                  visit_id: int | None = None) -> int:
        return task_rows.add(s, kind, customer_id, window, owner_id, key, topic=topic,
                             request_id=request_id, campaign_id=campaign_id,
                             parent_task_id=parent_task_id, vehicle_id=vehicle_id,
                             visit_id=visit_id)

    # ------------------------------------------------------------ requests (R5)

    def _clerk_of(self, s: Session, customer_id: int) -> int | None:
        return s.scalar(select(Customer.clerk_id).where(Customer.id == customer_id))

    def _supervisor(self, s: Session) -> int | None:
        return s.scalar(select(Staff.id).where(Staff.role == Role.SUPERVISOR,
                                               Staff.active.is_(True)).order_by(Staff.id))

    def _open_request(self, s: Session, call: Call, data: CallInput, today: dt.date,
                      out: CallOutcome) -> int:
        r = data.request
        assert r is not None and data.customer_id is not None
        day = call.called_at.date()
        req = CustomerRequest(
            customer_id=data.customer_id, call_id=call.id, is_complaint=r.is_complaint,
            content=r.content.strip(), department=r.department, handling=r.handling,
            raised_on=day, status="open",
        )
        s.add(req)
        s.flush()
        due = day + dt.timedelta(days=load_rules(s).escalation_days)
        clerk = self._clerk_of(s, data.customer_id) or self.store.actor_id
        if r.handling == "answered":
            req.solution, req.solved_on, req.replied_on = r.solution.strip(), day, day
            req.solved_by_id = self.store.actor_id
            req.reply_call_id = call.id
            # A complaint, or any request the customer called 不满意, stays open until a call
            # confirms satisfaction (or the supervisor closes it with a reason).
            if data.satisfaction != "unsatisfied" and (
                    not r.is_complaint or data.satisfaction == "satisfied"):
                req.status, req.closed_on = "closed", day
            else:
                req.status = "replied"
                out.opened_task_ids.append(self._confirm_task(s, req, clerk, day))
        elif r.handling == "study":
            out.opened_task_ids.append(self._add_task(
                s, TaskKind.ESCALATION, req.customer_id, Window(day, due), clerk,
                f"request:{req.id}:study", request_id=req.id,
                topic=f"研究并答复：{req.content}（两日内解决不了须报告主管）"))
        else:
            req.status, req.escalated_on = "escalated", day
            out.opened_task_ids.append(self._escalation_task(s, req, day))
        return req.id

    def _unsatisfied(self, s: Session, call: Call, data: CallInput, out: CallOutcome) -> int:
        """回访不满意 (篇一 十.2): notify the department in writing through the supervisor's
        queue, and have the clerk call again to confirm satisfaction."""
        assert data.customer_id is not None
        day = call.called_at.date()
        req = CustomerRequest(
            customer_id=data.customer_id, call_id=call.id, is_complaint=False,
            content=data.key_points.strip() or data.customer_request.strip()
            or "回访中客户表示不满意", department=data.department, handling="escalated",
            raised_on=day, status="escalated", escalated_on=day, source="unsatisfied")
        s.add(req)
        s.flush()
        out.opened_task_ids.append(self._escalation_task(s, req, day))
        clerk = self._clerk_of(s, data.customer_id) or self.store.actor_id
        due = day + dt.timedelta(days=load_rules(s).escalation_days)
        out.opened_task_ids.append(self._add_task(
            s, TaskKind.REPLY, req.customer_id, Window(day, due), clerk,
            f"request:{req.id}:confirm:{day.isoformat()}", request_id=req.id,
            topic=f"回访不满意，再次联系确认满意程度：{req.content}"))
        return req.id

    @supervisor_only("不满意也结案须由业务主管决定。")
    def close_request(self, request_id: int, reason: str, day: dt.date) -> None:
        """The supervisor closes a request the customer is not (yet) satisfied with, saying why;
        its open tasks are cancelled."""
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError("reason", "请写明结案原因。")
        with self.store.session() as s:
            req = s.get_one(CustomerRequest, request_id)
            if req.status == "closed":
                raise ValidationError("status", "这项要求已经结案。")
            req.status, req.closed_on, req.close_note = "closed", day, reason
            for t in s.scalars(select(Task).where(Task.request_id == request_id,
                                                  Task.status == TaskStatus.OPEN)):
                task_rows.cancel(t, "request_closed")

    def _escalation_task(self, s: Session, req: CustomerRequest, day: dt.date) -> int:
        due = req.raised_on + dt.timedelta(days=load_rules(s).escalation_days)
        kind = "回访不满意" if req.source == "unsatisfied" else (
            "投诉" if req.is_complaint else "要求")
        return self._add_task(
            s, TaskKind.ESCALATION, req.customer_id, Window(min(day, due), due),
            self._supervisor(s), f"request:{req.id}:escalation", request_id=req.id,
            topic=f"主管批示（{kind}{'·' + req.department if req.department else ''}）："
                  f"{req.content}")

    def _confirm_task(self, s: Session, req: CustomerRequest, clerk: int | None,
                      day: dt.date) -> int:
        due = day + dt.timedelta(days=load_rules(s).escalation_days)
        return self._add_task(
            s, TaskKind.REPLY, req.customer_id, Window(day, due), clerk,
            f"request:{req.id}:confirm:{day.isoformat()}", request_id=req.id,
            topic=f"回访确认客户对投诉处理是否满意：{req.content}")

    def _close_request_tasks(self, s: Session, request_id: int, kinds: set[str],
                             day: dt.date) -> None:
        for t in s.scalars(select(Task).where(Task.request_id == request_id,
                                              Task.kind.in_(kinds),
                                              Task.status == TaskStatus.OPEN)):
            self._done(t, day)

    def escalate(self, request_id: int, day: dt.date) -> None:
        """The clerk could not solve it: report it to the supervisor (R5, within two days)."""
        with self.store.session() as s:
            req = s.get_one(CustomerRequest, request_id)
            if req.status != "open":
                raise ValidationError("status", "这项要求已经上报或处理。")
            self._close_request_tasks(s, req.id, {TaskKind.ESCALATION}, day)
            req.status, req.escalated_on, req.handling = "escalated", day, "escalated"
            self._escalation_task(s, req, day)

    def solve(self, request_id: int, solution: str, day: dt.date) -> int:
        """A solution is written (by the supervisor, or by the clerk after study): the reply
        to the customer is due the same day."""
        if not solution.strip():
            raise ValidationError("solution", "请填写解决办法。")
        with self.store.session() as s:
            req = s.get_one(CustomerRequest, request_id)
            if req.status not in ("open", "escalated"):
                raise ValidationError("status", "这项要求已经有解决办法。")
            self._close_request_tasks(s, req.id, {TaskKind.ESCALATION}, day)
            req.solution, req.solved_on, req.status = solution.strip(), day, "solved"
            req.solved_by_id = self.store.actor_id
            clerk = self._clerk_of(s, req.customer_id) or self.store.actor_id
            return self._add_task(
                s, TaskKind.REPLY, req.customer_id, Window(day, day), clerk,
                f"request:{req.id}:reply", request_id=req.id,
                topic=f"当日答复客户：{req.solution}")

    def _request_replied(self, s: Session, request_id: int, call: Call | None, day: dt.date,
                         today: dt.date, out: CallOutcome | None = None) -> None:
        req = s.get_one(CustomerRequest, request_id)
        if req.replied_on is None:
            req.replied_on = day
        if call is not None:
            req.reply_call_id = call.id
        satisfied = call is not None and call.satisfaction == "satisfied"
        confirm_needed = req.is_complaint or req.source == "unsatisfied" or (
            call is not None and call.satisfaction == "unsatisfied")
        if not confirm_needed or satisfied:
            req.status, req.closed_on = "closed", day
            return
        # 篇一: a complaint closes only when a call confirms the customer is satisfied.
        req.status = "replied"
        clerk = self._clerk_of(s, req.customer_id) or self.store.actor_id
        task_id = self._confirm_task(s, req, clerk, day)
        if out is not None:
            out.opened_task_ids.append(task_id)

    def replied_by_letter(self, s: Session, request_id: int, letter_id: int,
                          day: dt.date) -> None:
        """Called by the letter service when a 答复函 answers a request."""
        req = s.get_one(CustomerRequest, request_id)
        req.reply_letter_id = letter_id
        self._close_request_tasks(s, request_id, {TaskKind.REPLY}, day)
        self._request_replied(s, request_id, None, day, day)

    def requests(self, *, open_only: bool = True, customer_id: int | None = None,
                 escalated_only: bool = False,
                 complaints_since: dt.date | None = None) -> list[RequestInfo]:
        """The supervisor's queue (escalated first), or one customer's requests. With
        complaints_since, complaints closed on the spot since that day stay in the queue:
        投诉应及时向上级领导反映 (篇一 七) even when the clerk solved them."""
        with self.store.read() as s:
            q = (select(CustomerRequest, CustomerSummary.archive_no, CustomerSummary.name,
                        CustomerSummary.phone)
                 .join(CustomerSummary,
                       CustomerSummary.customer_id == CustomerRequest.customer_id))
            if open_only and complaints_since is not None:
                q = q.where(or_(CustomerRequest.status != "closed", and_(
                    CustomerRequest.is_complaint.is_(True),
                    CustomerRequest.raised_on >= complaints_since)))
            elif open_only:
                q = q.where(CustomerRequest.status != "closed")
            if escalated_only:
                q = q.where(CustomerRequest.status == "escalated")
            if customer_id is not None:
                q = q.where(CustomerRequest.customer_id == customer_id)
            dues = dict(s.execute(
                select(Task.request_id, func.min(Task.due))
                .where(Task.request_id.is_not(None), Task.status == TaskStatus.OPEN)
                .group_by(Task.request_id)).all())
            out = [
                RequestInfo(
                    r.id, r.customer_id, no, name, phone, r.is_complaint, r.content,
                    r.department, r.handling, r.status, r.raised_on, r.escalated_on,
                    r.solution, r.solved_on, r.replied_on, r.closed_on, dues.get(r.id),
                    r.source, r.close_note)
                for r, no, name, phone in s.execute(q)
            ]
        order = {"escalated": 0, "open": 1, "solved": 2, "replied": 3, "closed": 4}
        out.sort(key=lambda r: (order.get(r.status, 9), r.due or dt.date.max, r.id))
        return out

    def request(self, request_id: int) -> RequestInfo:
        found = [r for r in self.requests(open_only=False) if r.id == request_id]
        if not found:
            raise LookupError(request_id)
        return found[0]

    # ------------------------------------------------------------ reading calls

    def _call_rows(self, s: Session, where) -> list[CallInfo]:
        names = dict(s.execute(select(Staff.id, Staff.name)).all())
        stmt = (
            select(Call, CustomerSummary.archive_no, CustomerSummary.name,
                   CustomerSummary.plates, Vehicle.plate, CustomerSummary.phone)
            .outerjoin(CustomerSummary, CustomerSummary.customer_id == Call.customer_id)
            .outerjoin(Vehicle, Vehicle.id == Call.vehicle_id)
            .where(where)
        )
        # A call logged without the number dialled shows the customer's (first) phone, as
        # the register and the record form print it.
        return [
            CallInfo(c.id, c.customer_id, no, name or c.caller_name,
                     plate or (plates or "").split(" ")[0],
                     c.phone or (phones or "").split(" / ")[0], c.called_at,
                     c.direction, c.call_type, c.reached, c.no_answer_reason,
                     _points(c.points_covered), c.key_points, c.customer_request,
                     c.satisfaction, c.result, names.get(c.clerk_id, ""), c.task_id,
                     c.deleted_at is not None)
            for c, no, name, plates, plate, phones in s.execute(stmt)
        ]

    def calls_for_customer(self, customer_id: int, limit: int | None = None
                           ) -> list[CallInfo]:
        with self.store.read() as s:
            rows = self._call_rows(s, and_(Call.customer_id == customer_id,
                                           Call.deleted_at.is_(None)))
        rows.sort(key=lambda c: c.called_at, reverse=True)
        return rows[:limit] if limit else rows

    def covered_before(self, customer_id: int) -> set[int]:
        """The standard points the customer's earlier calls covered (R4: don't repeat)."""
        covered: set[int] = set()
        for c in self.calls_for_customer(customer_id, limit=5):
            if c.reached:
                covered.update(c.points_covered)
        return covered

    def call(self, call_id: int) -> CallInfo:
        with self.store.read() as s:
            rows = self._call_rows(s, Call.id == call_id)
        if not rows:
            raise LookupError(call_id)
        return rows[0]

    def call_ids(self, *, start: dt.date | None = None, end: dt.date | None = None,
                 call_type: str | None = None, clerk_id: int | None = None,
                 customer_id: int | None = None, deleted: bool = False) -> list[int]:
        """The call register's rows, newest first (the 电话记录 tab fetches rows lazily)."""
        q = select(Call.id).where(Call.deleted_at.is_not(None) if deleted
                                  else Call.deleted_at.is_(None))
        if start:
            q = q.where(Call.called_at >= dt.datetime.combine(start, dt.time()))
        if end:
            q = q.where(Call.called_at < dt.datetime.combine(end + dt.timedelta(1), dt.time()))
        if call_type:
            q = q.where(Call.call_type == call_type)
        if clerk_id:
            q = q.where(Call.clerk_id == clerk_id)
        if customer_id:
            q = q.where(Call.customer_id == customer_id)
        q = q.order_by(Call.called_at.desc(), Call.id.desc())
        with self.store.engine.connect() as conn:
            return [row[0] for row in conn.execute(q).cursor.fetchall()]

    def call_rows(self, ids: list[int]) -> dict[int, CallInfo]:
        with self.store.read() as s:
            out: dict[int, CallInfo] = {}
            for start in range(0, len(ids), 500):
                for c in self._call_rows(s, Call.id.in_(ids[start : start + 500])):
                    out[c.id] = c
            return out

    def delete_call(self, call_id: int) -> None:
        with self.store.session() as s:
            call = s.get_one(Call, call_id)
            refuse_others(acting(self.store), call.clerk_id,
                          "只能删除自己登记的通话记录；其他人的请找业务主管。")
            call.deleted_at, call.deleted_by_id = utcnow(), self.store.actor_id

    def restore_call(self, call_id: int) -> None:
        with self.store.session() as s:
            call = s.get_one(Call, call_id)
            refuse_others(acting(self.store), call.clerk_id,
                          "只能恢复自己登记的通话记录；其他人的请找业务主管。")
            call.deleted_at = call.deleted_by_id = None

    # ------------------------------------------------------------ R2 talking points

    def talking_points(self, customer_id: int, today: dt.date) -> list[str]:
        """What this call could offer, from the archive: the "next" service (R2)."""
        from app.archive import ArchiveService

        detail = ArchiveService(self.store).detail(customer_id)
        points: list[str] = []
        for v in detail.vehicles:
            if v.next_maintenance_date:
                days = (v.next_maintenance_date - today).days
                when = f"{-days} 天前已到期" if days < 0 else f"还有 {days} 天"
                points.append(
                    f"{v.plate} 下次保养 {v.next_maintenance_date}（{when}），提醒按期保养")
            if v.warranty_end and 0 <= (v.warranty_end - today).days <= 90:
                points.append(f"{v.plate} 保修 {v.warranty_end} 到期，到期前可免费检查")
            if v.insurance_expiry and -30 <= (v.insurance_expiry - today).days <= 60:
                points.append(f"{v.plate} 保险 {v.insurance_expiry} 到期，介绍续保")
        with self.store.read() as s:
            for c in s.scalars(
                select(Campaign).join(CampaignInvitee, CampaignInvitee.campaign_id == Campaign.id)
                .where(CampaignInvitee.customer_id == customer_id, Campaign.deleted_at.is_(None),
                       Campaign.event_date >= today).order_by(Campaign.event_date)
            ):
                place = f"，地点 {c.place}" if c.place else ""
                points.append(f"邀请参加「{c.title}」：{c.event_date}{place}")
        if detail.services_wanted:
            points.append(f"客户希望的服务：{detail.services_wanted}")
        last_repair = next((v for v in detail.visits if v.service_items), None)
        if last_repair:
            points.append(
                f"询问 {last_repair.intake_date} {last_repair.service_items} 后车辆使用情况")
        # R4 内容避免重复: a topic ticked on an earlier call (it became a line of its 通话要点)
        # is not proposed again; the day counts in brackets change, so compare the stem.
        said = {_topic_stem(line) for c in self.calls_for_customer(customer_id, limit=5)
                if c.reached for line in c.key_points.splitlines() if line.strip()}
        return [p for p in points if _topic_stem(p) not in said]
