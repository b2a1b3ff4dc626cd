"""Tasks as the clerks see them: today's agenda, the month, absences and stand-ins (R9)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app import clock, task_rows
from app import rules as R
from app.agenda_plan import Planned, PlanTask, plan_days
from app.followup import TASK_KIND_LABELS, sync_customers
from app.normalize import ValidationError
from app.rules import RuleSettings, Window
from app.settings import load_rules, save_rules
from app.staff import StaffInfo, acting, refuse_others, supervisor_only
from app.store import Store
from app.workdays import COMPUTED, OFFICIAL, WorkCalendar, load_calendar
from db.models import (
    Absence,
    CustomerSummary,
    Staff,
    Task,
    TaskKind,
    TaskStatus,
    Vehicle,
)

MUST = "must"  # 今日必做: overdue, due today, or suggested for today
EARLY = "early"  # 可提前: open, not due, suggested for a later day in its window


@dataclass(frozen=True)
class AgendaItem:
    task_id: int
    kind: str
    status: str
    customer_id: int
    archive_no: int
    customer_name: str
    phone: str
    plate: str
    window_start: dt.date
    due: dt.date
    owner_id: int | None
    owner_name: str
    topic: str
    under_warranty: bool
    done_on: dt.date | None = None
    proxy_for: str = ""  # the absent clerk's name when shown to their stand-in (代理)
    suggested_day: dt.date | None = None
    no_working_day: bool = False
    failed_attempts: int = 0  # calls that reached nobody, on this task or its retries
    calendar: str = OFFICIAL  # how the suggested day's year is known: OFFICIAL or COMPUTED
    carried_over: bool = False  # the whole window is days off: suggested after it (顺延)
    # In today's agenda: MUST (今日必做) or EARLY (可提前); "" for a task not open today
    agenda: str = ""

    @property
    def must_today(self) -> bool:
        return self.agenda == MUST

    @property
    def provisional(self) -> bool:
        return self.calendar == COMPUTED

    @property
    def kind_label(self) -> str:
        return TASK_KIND_LABELS.get(TaskKind(self.kind), self.kind) if self.kind in set(
            TaskKind) else self.kind

    def overdue(self, today: dt.date) -> bool:
        if self.carried_over and self.suggested_day is not None and self.suggested_day >= today:
            return False  # 顺延: the window was all days off; the next working day is in time
        return self.status == TaskStatus.OPEN and self.due < today

    def urgency(self, today: dt.date) -> tuple[int, int]:
        return R.urgency(Window(self.window_start, self.due), today)


class AgendaCounts(NamedTuple):
    """What the 跟踪日历 headline, the status bar and `followdesk tasks --today` count."""

    must: int  # 今日必做, the overdue included
    overdue: int
    early: int  # 可提前


@dataclass
class AgendaPlan:
    """Today's agenda in its two parts, each by due date, with every row's planned day."""

    must_ids: list[int]
    early_ids: list[int]
    days: dict[int, Planned]
    overdue: int
    owners: dict[int, int | None] = field(default_factory=dict)  # task id → owner

    @property
    def ids(self) -> list[int]:
        return self.must_ids + self.early_ids

    @property
    def counts(self) -> AgendaCounts:
        return AgendaCounts(len(self.must_ids), self.overdue, len(self.early_ids))


# The supervisor's team view: what each number opens in the agenda.
TEAM_OVERDUE, TEAM_MUST, TEAM_DONE, TEAM_ON_TIME = "overdue", "must", "done", "on_time"


TEAM_DAYS = 30  # the team view's 及时率 looks back this many days


@dataclass(frozen=True)
class TeamRow:
    """One clerk's day and month: 逾期 / 今日必做 now, 本月完成 this month, 及时率 over the
    last TEAM_DAYS days."""

    clerk_id: int  # UNASSIGNED for tasks of customers with no clerk
    name: str
    overdue: int
    must: int
    done: int  # tasks done by a call this month (标记完成 without one is not counted)
    on_time: int  # first follow-ups due this month done on time by a call …
    counted: int  # … of those whose window has closed or that are done (as 统计 counts)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.counted if self.counted else None


@dataclass
class DayCounts:
    by_kind: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    done: int = 0

    @property
    def open(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class AbsenceInfo:
    id: int
    staff_id: int
    staff_name: str
    start_date: dt.date
    end_date: dt.date
    stand_in_id: int
    stand_in_name: str
    note: str

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


@dataclass(frozen=True)
class Scope:
    """Whose tasks a viewer sees: everyone's (supervisor), or their own plus stand-in work."""

    everyone: bool
    owner_ids: frozenset[int]
    # absent clerk id → (from, to, name) during which the viewer works their tasks
    proxied: dict[int, list[AbsenceInfo]] = field(default_factory=dict)
    unassigned: bool = False  # the supervisor's 未分配: tasks of customers with no clerk


UNASSIGNED = -1  # clerk_id meaning "nobody": the supervisor's 未分配 filter


class TaskService:
    def __init__(self, store: Store):
        self.store = store

    # -- settings

    def rules(self) -> RuleSettings:
        with self.store.read() as s:
            return load_rules(s)

    @supervisor_only("只有业务主管或管理员可以修改跟踪规则。")
    def save_rules(self, rules: RuleSettings, today: dt.date | None = None) -> int:
        """Store new day counts and move every open task to its new window."""
        today = today or clock.today()
        with self.store.session() as s:
            save_rules(s, rules)
            ids = s.scalars(select(Task.customer_id).where(
                Task.status == TaskStatus.OPEN).distinct()).all()
            sync_customers(s, ids, rules, today, self.store.actor_id)
            return len(ids)

    def sync(self, customer_ids, today: dt.date | None = None) -> None:
        with self.store.session() as s:
            sync_customers(s, customer_ids, load_rules(s), today or clock.today(),
                           self.store.actor_id)

    # -- doing the work

    def complete(self, task_id: int, done_on: dt.date, today: dt.date | None = None, *,
                 reason: str = "", note: str = "") -> None:
        """标记完成. A task that asks for a call closes without one only with a reason from
        NO_CALL_REASONS, kept with who and when; the figures count it apart from calls (R7)."""
        with self.store.session() as s:
            task = s.get_one(Task, task_id)
            if task.status != TaskStatus.OPEN:
                raise ValidationError("status", "这项任务已经关闭。")
            if task.kind in task_rows.CALL_KINDS:
                task_rows.close_without_call(task, done_on, self.store.actor_id, reason, note)
            else:
                task_rows.done(task, done_on, self.store.actor_id)
            sync_customers(s, [task.customer_id], load_rules(s), today or clock.today(),
                           self.store.actor_id)

    @staticmethod
    def needs_call(kind: str) -> bool:
        """Closing a task of this kind by hand asks why no call was made."""
        return kind in task_rows.CALL_KINDS

    def reopen(self, task_id: int) -> None:
        with self.store.session() as s:
            task = s.get_one(Task, task_id)
            refuse_others(acting(self.store), task.owner_id,
                          "只能重新打开自己的任务；其他人的请找业务主管。")
            task_rows.reopen(task)

    # -- who sees what (R9)

    def scope(self, viewer: StaffInfo | None, day: dt.date, clerk_id: int | None = None
              ) -> Scope:
        """viewer None or a supervisor: everyone (or the chosen clerk); a clerk: own + 代理."""
        if viewer is None or viewer.is_supervisor:
            if clerk_id is None:
                return Scope(True, frozenset())
            if clerk_id == UNASSIGNED:
                return Scope(False, frozenset(), unassigned=True)
            viewer_id = clerk_id
        else:
            viewer_id = viewer.id
        proxied: dict[int, list[AbsenceInfo]] = defaultdict(list)
        for a in self.absences(active_on=None):
            if a.stand_in_id == viewer_id:
                proxied[a.staff_id].append(a)
        return Scope(False, frozenset({viewer_id}), dict(proxied))

    def _scope_filter(self, scope: Scope, start: dt.date, end: dt.date):
        """SQL condition for tasks in scope whose dates fall in [start, end]."""
        if scope.everyone:
            return True
        if scope.unassigned:
            return Task.owner_id.is_(None)
        parts = [Task.owner_id.in_(scope.owner_ids)]
        for staff_id, absences in scope.proxied.items():
            for a in absences:
                if a.start_date <= end and start <= a.end_date:
                    parts.append(and_(Task.owner_id == staff_id))
        return or_(*parts)

    def _proxy_name(self, scope: Scope, owner_id: int | None, day: dt.date) -> str | None:
        """'' for the viewer's own task, the absent clerk's name for 代理, None if out of scope."""
        if scope.everyone or owner_id in scope.owner_ids:
            return ""
        if scope.unassigned:
            return "" if owner_id is None else None
        for a in scope.proxied.get(owner_id or -1, []):
            if a.covers(day):
                return a.staff_name
        return None

    # -- queries

    def _items(self, s: Session, where, scope: Scope, today: dt.date,
               proxy_day=None, days: dict[int, Planned] | None = None) -> list[AgendaItem]:
        names = dict(s.execute(select(Staff.id, Staff.name)).all())
        stmt = (
            select(Task.id, Task.kind, Task.status, Task.customer_id, CustomerSummary.archive_no,
                   CustomerSummary.name, CustomerSummary.phone, Vehicle.plate,
                   CustomerSummary.plates, Task.window_start, Task.due, Task.owner_id,
                   Task.topic, Task.under_warranty, Task.done_on)
            .join(CustomerSummary, CustomerSummary.customer_id == Task.customer_id)
            .outerjoin(Vehicle, Vehicle.id == Task.vehicle_id)
            .where(where)
        )
        rows = s.execute(stmt).all()
        attempts = _failed_attempts(s, [r[0] for r in rows])
        cal = load_calendar(s)
        if days is None:
            days = self._plan_for_rows(s, cal, rows, today)
        items = []
        for row in rows:
            (tid, kind, status, cid, no, name, phone, plate, plates, start, due, owner, topic,
             warranty, done_on) = row
            proxy = self._proxy_name(scope, owner, proxy_day(start, due) if proxy_day else due)
            if proxy is None:
                continue
            suggested, none_free, carried, agenda = None, False, False, ""
            planned = days.get(tid) if status == TaskStatus.OPEN else None
            if planned is not None:
                suggested, none_free = planned.suggested_day, planned.no_working_day
                carried, agenda = planned.carried_over, MUST if planned.must_today else EARLY
            elif status == TaskStatus.OPEN:  # a window not open yet: its first working day
                suggested = cal.suggested_day(Window(start, due), today)
                none_free = suggested is None and due >= today
                carried = bool(suggested and suggested > due)
            items.append(AgendaItem(
                tid, kind, status, cid, no, name, phone, plate or plates.split(" ")[0],
                start, due, owner, names.get(owner, ""), topic, warranty, done_on, proxy,
                suggested, none_free, attempts.get(tid, 0),
                cal.year_source((suggested or due).year), carried, agenda,
            ))
        return items

    def _plan_for_rows(self, s: Session, cal: WorkCalendar, rows, today: dt.date
                       ) -> dict[int, Planned]:
        """The planned days of the open rows whose window is open today. Overdue and
        due-today rows are today whatever the load: only a row that may wait needs its
        owner's whole plan (the month view's past days never do)."""
        days: dict[int, Planned] = {}
        owners = set()
        for r in rows:
            tid, status, start, due, owner = r[0], r[2], r[9], r[10], r[11]
            if status != TaskStatus.OPEN or start > today:
                continue
            if due <= today:
                deadline = cal.deadline(Window(start, due))
                if deadline <= today:
                    days[tid] = Planned(today, True, deadline > due and deadline == today,
                                        overdue=deadline < today)
                    continue
            owners.add(owner)
        if owners:
            planned = self._plan(s, cal, today, owners)
            days.update({r[0]: planned[r[0]] for r in rows if r[0] in planned})
        return days

    def _plan(self, s: Session, cal: WorkCalendar, today: dt.date, owners=None
              ) -> dict[int, Planned]:
        """The planned day of every open task whose window is open today, of these owners
        (None in owners: the unassigned; owners None: everyone), spread by daily capacity."""
        where = and_(Task.status == TaskStatus.OPEN, Task.window_start <= today)
        if owners is not None:
            known = [o for o in owners if o is not None]
            parts = [Task.owner_id.in_(known)] if known else []
            if None in owners:
                parts.append(Task.owner_id.is_(None))
            where = and_(where, or_(*parts))
        rows = _plan_rows(s.connection(), where)
        return _planned(rows, cal, load_rules(s).daily_calls, today)

    def _agenda_where(self, viewer: StaffInfo | None, today: dt.date, clerk_id: int | None,
                      kinds: set[str] | None):
        scope = self.scope(viewer, today, clerk_id)
        where = and_(Task.status == TaskStatus.OPEN, Task.window_start <= today)
        if scope.unassigned:
            where = and_(where, Task.owner_id.is_(None))
        elif not scope.everyone:
            # Own tasks, and those of clerks away today whose stand-in the viewer is (代理).
            owners = set(scope.owner_ids) | {
                staff_id for staff_id, absences in scope.proxied.items()
                if any(a.covers(today) for a in absences)}
            where = and_(where, Task.owner_id.in_(owners))
        if kinds:
            where = and_(where, Task.kind.in_(kinds))
        return scope, where

    def agenda_plan(self, viewer: StaffInfo | None, today: dt.date, *,
                    clerk_id: int | None = None, kinds: set[str] | None = None) -> AgendaPlan:
        """今日工作: 今日必做 (overdue, due today, suggested today) and 可提前, each by due date.

        The suggested days are spread over each owner's open work by the daily capacity
        (app.agenda_plan), whatever the kind filter shows: a filter hides rows, it does not
        move calls to other days.
        """
        _scope, where = self._agenda_where(viewer, today, clerk_id, None)
        with self.store.read() as s:
            cal = load_calendar(s)
            rows = _plan_rows(s.connection(), where)
            capacity = load_rules(s).daily_calls
        days = _planned(rows, cal, capacity, today)
        shown = sorted(((due, tid) for tid, _o, kind, _s, due in rows
                        if not kinds or kind in kinds))
        must = [tid for _d, tid in shown if days[tid].must_today]
        early = [tid for _d, tid in shown if not days[tid].must_today]
        overdue = sum(1 for tid in must if days[tid].overdue)
        return AgendaPlan(must, early, days, overdue, {tid: owner for tid, owner, *_r in rows})

    def agenda_ids(self, viewer: StaffInfo | None, today: dt.date, *,
                   clerk_id: int | None = None, kinds: set[str] | None = None) -> list[int]:
        """今日工作 as task ids: 今日必做 by due date, then 可提前 by due date."""
        return self.agenda_plan(viewer, today, clerk_id=clerk_id, kinds=kinds).ids

    def agenda_items(self, viewer: StaffInfo | None, today: dt.date, task_ids: list[int],
                     *, clerk_id: int | None = None,
                     plan: AgendaPlan | None = None) -> dict[int, AgendaItem]:
        """The rows of these agenda tasks, with 代理 marked as of today (and the planned days
        of `plan` when the caller has it: no second spreading per screen)."""
        scope = self.scope(viewer, today, clerk_id)
        out: dict[int, AgendaItem] = {}
        with self.store.read() as s:
            for start in range(0, len(task_ids), 500):
                chunk = task_ids[start : start + 500]
                for item in self._items(s, Task.id.in_(chunk), scope, today,
                                        proxy_day=lambda _s, _d: today,
                                        days=plan.days if plan is not None else None):
                    out[item.task_id] = item
        return out

    def agenda(self, viewer: StaffInfo | None, today: dt.date, *, clerk_id: int | None = None,
               kinds: set[str] | None = None) -> list[AgendaItem]:
        """今日工作: 今日必做 then 可提前, each by due date."""
        plan = self.agenda_plan(viewer, today, clerk_id=clerk_id, kinds=kinds)
        rows = self.agenda_items(viewer, today, plan.ids, clerk_id=clerk_id, plan=plan)
        return [rows[i] for i in plan.ids if i in rows]

    def day_tasks(self, viewer: StaffInfo | None, day: dt.date, today: dt.date, *,
                  clerk_id: int | None = None, kinds: set[str] | None = None
                  ) -> list[AgendaItem]:
        """The tasks due on one day (open and done), as a click on the month view lists them."""
        scope = self.scope(viewer, today, clerk_id)
        where = and_(Task.due == day, Task.status != TaskStatus.CANCELLED,
                     self._scope_filter(scope, day, day))
        if kinds:
            where = and_(where, Task.kind.in_(kinds))
        with self.store.read() as s:
            items = self._items(s, where, scope, today)
        items.sort(key=lambda i: (i.status != TaskStatus.OPEN, i.kind, i.archive_no))
        return items

    def month_counts(self, viewer: StaffInfo | None, year: int, month: int, today: dt.date,
                     *, clerk_id: int | None = None, kinds: set[str] | None = None
                     ) -> dict[dt.date, DayCounts]:
        first = dt.date(year, month, 1)
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
        scope = self.scope(viewer, today, clerk_id)
        where = and_(Task.due >= first, Task.due <= last, Task.status != TaskStatus.CANCELLED,
                     self._scope_filter(scope, first, last))
        if kinds:
            where = and_(where, Task.kind.in_(kinds))
        counts: dict[dt.date, DayCounts] = defaultdict(DayCounts)
        stmt = (select(Task.due, Task.kind, Task.status, Task.owner_id, func.count())
                .where(where).group_by(Task.due, Task.kind, Task.status, Task.owner_id))
        with self.store.read() as s:
            for due, kind, status, owner, n in s.execute(stmt):
                if self._proxy_name(scope, owner, due) is None:
                    continue
                day = counts[due]
                if status == TaskStatus.DONE:
                    day.done += n
                    continue
                day.by_kind[kind] = day.by_kind.get(kind, 0) + n
                if due < today:
                    day.overdue += n
        return dict(counts)

    def status_counts(self, viewer: StaffInfo | None, today: dt.date, *,
                      clerk_id: int | None = None, kinds: set[str] | None = None
                      ) -> AgendaCounts:
        """(今日必做, of which overdue, 可提前) for the status bar and the agenda's headline."""
        return self.agenda_plan(viewer, today, clerk_id=clerk_id, kinds=kinds).counts

    def between(self, start: dt.date, end: dt.date, today: dt.date, *,
                owner_id: int | None = None, kind: str | None = None,
                include_closed: bool = True) -> list[AgendaItem]:
        """Tasks whose window overlaps [start, end] (the command line's `tasks`)."""
        where = and_(Task.window_start <= end, Task.due >= start)
        if owner_id is not None:
            where = and_(where, Task.owner_id == owner_id)
        if kind:
            where = and_(where, Task.kind == kind)
        if not include_closed:
            where = and_(where, Task.status == TaskStatus.OPEN)
        with self.store.read() as s:
            items = self._items(s, where, Scope(True, frozenset()), today)
        items.sort(key=lambda i: (i.due, i.window_start, i.archive_no, i.kind))
        return items

    # -- the supervisor's team view

    def team(self, clerks: list[tuple[int, str]], today: dt.date) -> list[TeamRow]:
        """Each clerk's 逾期 / 今日必做 (as their own agenda counts them) and this month's
        tasks done by a call and first-follow-up 及时率 (as 统计 counts it); a 未分配 row
        when customers without a clerk have work due."""
        plan = self.agenda_plan(None, today)
        overdue: dict[int | None, int] = defaultdict(int)
        must: dict[int | None, int] = defaultdict(int)
        for tid in plan.must_ids:
            owner = plan.owners.get(tid)
            must[owner] += 1
            overdue[owner] += plan.days[tid].overdue
        out = []
        with self.store.read() as s:
            done = self._done_this_month(s, today)
            for clerk_id, name in clerks:
                on_time, counted = self._on_time(s, clerk_id, today)
                out.append(TeamRow(clerk_id, name, overdue[clerk_id], must[clerk_id],
                                   sum(1 for t in done if t.owner_id == clerk_id),
                                   len(on_time), len(counted)))
        if must[None]:
            out.append(TeamRow(UNASSIGNED, "未分配", overdue[None], must[None], 0, 0, 0))
        return out

    def team_tasks(self, clerk_id: int, subset: str, today: dt.date) -> list[AgendaItem]:
        """The rows behind a team number that the agenda does not hold: this month's tasks
        done by a call (latest first), or the first follow-ups 及时率 counts (late first)."""
        with self.store.read() as s:
            if subset == TEAM_DONE:
                tasks = [t for t in self._done_this_month(s, today) if t.owner_id == clerk_id]
                order = {t.id: (-t.done_on.toordinal(), t.id) for t in tasks}
            elif subset == TEAM_ON_TIME:
                on_time, tasks = self._on_time(s, clerk_id, today)
                good = {t.id for t in on_time}
                order = {t.id: (t.id in good, t.due, t.id) for t in tasks}
            else:
                raise ValueError(subset)
            if not order:
                return []
            items = self._items(s, Task.id.in_(list(order)), Scope(True, frozenset()), today)
        items.sort(key=lambda i: order[i.task_id])
        return items

    @staticmethod
    def _done_this_month(s: Session, today: dt.date) -> list[Task]:
        """Call tasks done this month by the call they asked for (R7: not 标记完成, nor closed
        by the program because their aim was met)."""
        first = today.replace(day=1)
        rows = s.scalars(select(Task).where(
            Task.status == TaskStatus.DONE, Task.done_on >= first, Task.done_on <= today,
            Task.kind.in_([str(k) for k in task_rows.CALL_KINDS]))).all()
        return [t for t in rows if task_rows.done_by_call(t)]

    @staticmethod
    def _on_time(s: Session, clerk_id: int, today: dt.date) -> tuple[list[Task], list[Task]]:
        """(on time, counted) first follow-ups due in the last 30 days (or done ahead of a due
        day in the coming 30), counted as 统计 counts
        its 第一次跟踪及时率. A rolling month: on the 2nd of a month "this month" had almost
        nothing due, and read 100% beside a list of overdue calls."""
        from app import summary

        cal = load_calendar(s)
        counted = summary._tasks(s, TaskKind.FIRST_FOLLOWUP,
                                 # a call done ahead of its due day counts too
                                 summary.Period(today - dt.timedelta(days=TEAM_DAYS - 1),
                                                today + dt.timedelta(days=TEAM_DAYS)),
                                 clerk_id, as_of=today)
        return [t for t in counted if summary._on_time(cal, t)], list(counted)

    def chores(self, viewer: StaffInfo | None, today: dt.date) -> list:
        """The supervisor's own chores due today (小结/总结 to file, the holiday notice)."""
        if viewer is not None and not viewer.is_supervisor:
            return []
        from app.chores import supervisor_chores

        with self.store.read() as s:
            return supervisor_chores(s, today)

    def work_calendar(self) -> WorkCalendar:
        """The center's calendar as entered and set now (holidays, 调休, work week, 顺延)."""
        with self.store.read() as s:
            return load_calendar(s)

    def for_customer(self, customer_id: int, today: dt.date) -> list[AgendaItem]:
        with self.store.read() as s:
            items = self._items(s, and_(Task.customer_id == customer_id,
                                        Task.status != TaskStatus.CANCELLED),
                                Scope(True, frozenset()), today)
        items.sort(key=lambda i: (i.status != TaskStatus.OPEN, i.due))
        return items

    # -- absences (R9)

    def absences(self, active_on: dt.date | None = None) -> list[AbsenceInfo]:
        with self.store.read() as s:
            names = dict(s.execute(select(Staff.id, Staff.name)).all())
            q = select(Absence).where(Absence.cancelled.is_(False)).order_by(Absence.start_date)
            if active_on is not None:
                q = q.where(Absence.start_date <= active_on, Absence.end_date >= active_on)
            return [AbsenceInfo(a.id, a.staff_id, names.get(a.staff_id, ""), a.start_date,
                                a.end_date, a.stand_in_id, names.get(a.stand_in_id, ""), a.note)
                    for a in s.scalars(q)]

    @supervisor_only("请假与代理（R9）由业务主管安排。")
    def add_absence(self, staff_id: int, start: dt.date, end: dt.date, stand_in_id: int,
                    note: str = "") -> int:
        if end < start:
            raise ValidationError("end_date", "结束日期早于开始日期。")
        if stand_in_id == staff_id:
            raise ValidationError("stand_in", "代理人不能是请假的本人。")
        with self.store.session() as s:
            clash = s.scalar(select(Absence.id).where(
                Absence.staff_id == staff_id, Absence.cancelled.is_(False),
                Absence.start_date <= end, Absence.end_date >= start))
            if clash:
                raise ValidationError("start_date", "这段时间与已登记的请假重叠。")
            stand_in = s.get(Staff, stand_in_id)
            if stand_in is None or not stand_in.active:
                raise ValidationError("stand_in", "代理人须是在岗员工。")
            away = s.scalar(select(Absence.id).where(
                Absence.staff_id == stand_in_id, Absence.cancelled.is_(False),
                Absence.start_date <= end, Absence.end_date >= start))
            if away:
                raise ValidationError(
                    "stand_in", f"{stand_in.name} 在这段时间也请假了，请另选代理人。")
            row = Absence(staff_id=staff_id, start_date=start, end_date=end,
                          stand_in_id=stand_in_id, note=note.strip())
            s.add(row)
            s.flush()
            return row.id

    @supervisor_only("请假与代理（R9）由业务主管安排。")
    def cancel_absence(self, absence_id: int) -> None:
        with self.store.session() as s:
            s.get_one(Absence, absence_id).cancelled = True


def _plan_rows(conn, where) -> list[tuple[int, int | None, str, dt.date, dt.date]]:
    """(id, owner, kind, window start, due) of the tasks to plan, fetched raw: the agenda
    reads thousands of them on every refresh."""
    stmt = select(Task.id, Task.owner_id, Task.kind, Task.window_start, Task.due).where(where)
    day = dt.date.fromisoformat
    return [(tid, owner, kind, day(start) if isinstance(start, str) else start,
             day(due) if isinstance(due, str) else due)
            for tid, owner, kind, start, due in conn.execute(stmt).cursor.fetchall()]


_PLANS: dict[tuple, dict[int, Planned]] = {}  # the last few plans, by everything they read


def _planned(rows, cal: WorkCalendar, capacity: int, today: dt.date) -> dict[int, Planned]:
    """plan_days over these rows, remembered: one refresh asks for the same plan for the
    agenda, the status bar and the team view. The key is everything the plan reads (the
    rows themselves, the calendar, the capacity, today), so a change anywhere is a new plan."""
    key = (today, capacity, cal.work_week, cal.carry_over, frozenset(cal.notice.items()),
           tuple(rows))
    hit = _PLANS.get(key)
    if hit is None:
        calls = {str(k) for k in task_rows.CALL_KINDS}
        hit = plan_days([PlanTask(tid, owner, start, due, kind in calls)
                         for tid, owner, kind, start, due in rows], cal, capacity, today)
        if len(_PLANS) >= 8:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = hit
    return hit


def _failed_attempts(s: Session, task_ids: list[int]) -> dict[int, int]:
    """Unanswered calls per task, counting those made on its retry tasks."""
    from db.models import Call

    if not task_ids:
        return {}
    out: dict[int, int] = {}
    parents = dict(s.execute(select(Task.id, Task.parent_task_id).where(
        Task.parent_task_id.in_(task_ids))).all())
    for start in range(0, len(task_ids) + len(parents), 500):
        ids = (task_ids + list(parents))[start : start + 500]
        for task_id, n in s.execute(
            select(Call.task_id, func.count()).where(
                Call.task_id.in_(ids), Call.reached.is_(False), Call.deleted_at.is_(None))
            .group_by(Call.task_id)
        ):
            root = parents.get(task_id, task_id)
            out[root] = out.get(root, 0) + n
    return out
