"""Letters (R8): notices, invitations and replies from editable templates, each registered."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select

from app import clock, task_rows
from app.normalize import ValidationError
from app.settings import clean_center, load_center, save_center
from app.staff import acting, refuse_others, supervisor_only
from app.store import Store
from db.models import (
    Campaign,
    Counter,
    Customer,
    CustomerRequest,
    CustomerSummary,
    Letter,
    LetterTemplate,
    Setting,
    Staff,
    Task,
    TaskKind,
    TaskStatus,
    utcnow,
)

LETTER_KINDS = {"notice": "通知", "invitation": "邀请函", "reply": "答复函"}
LETTER_COUNTER = "letter_no.{year}"  # the counter of a year's letter numbers
WAYS = {"mail": "邮寄", "hand": "面交", "electronic": "电子"}
PLACEHOLDERS = ["客户名称", "地址", "车号", "活动名称", "活动内容", "活动日期", "活动地点",
                "答复内容", "中心名称", "中心地址", "中心电话", "日期"]

FOLLOWUP_TEMPLATE = "回访信"
DEFAULT_TEMPLATES = [
    ("notice", FOLLOWUP_TEMPLATE, "感谢您对{中心名称}的信任",
     "尊敬的{客户名称}：\n\n"
     "感谢您选择{中心名称}为您的爱车提供服务。我们十分重视您的用车感受：车辆使用中如有任何问题，"
     "或对我们的服务有意见和建议，欢迎随时致电 {中心电话}，我们将竭诚为您服务。\n\n"
     "祝您行车平安！\n"),
    ("invitation", "活动邀请函", "邀请您参加{活动名称}",
     "尊敬的{客户名称}：\n\n"
     "感谢您一直以来对{中心名称}的信任与支持。为回馈广大客户，我中心将举办“{活动名称}”，"
     "诚邀您届时光临。\n\n"
     "活动内容：{活动内容}\n活动日期：{活动日期}\n活动地点：{活动地点}\n\n"
     "如有疑问，欢迎致电 {中心电话}。期待您的光临！\n"),
    ("notice", "活动通知", "关于{活动名称}的通知",
     "尊敬的{客户名称}：\n\n"
     "{中心名称}将于{活动日期}在{活动地点}举办“{活动名称}”。\n\n{活动内容}\n\n"
     "欢迎您届时参加。如有疑问，请致电 {中心电话}。\n"),
    ("notice", "保养提醒通知", "车辆保养提醒",
     "尊敬的{客户名称}：\n\n"
     "您的爱车（{车号}）即将到达保养周期。按期保养能让车辆保持良好状态，"
     "欢迎您提前预约到店保养。\n\n预约电话：{中心电话}\n"),
    ("reply", "答复函", "关于您所提意见的答复",
     "尊敬的{客户名称}：\n\n"
     "感谢您对我中心工作的关心和监督。关于您反映的问题，我们经认真研究，答复如下：\n\n"
     "{答复内容}\n\n如您还有任何意见或建议，请随时致电 {中心电话}。\n"),
]


# The default templates of the first release: a database seeded then gets the newer ones once.
FIRST_RELEASE_TEMPLATES = ("活动邀请函", "活动通知", "保养提醒通知", "答复函")
SEEDED_KEY = "letters.seeded_templates"

CAMPAIGN_FIELDS = ("活动名称", "活动内容", "活动日期", "活动地点")
LETTERHEAD = "在“联系 → 信函模板与信头…”（写信函时也可点“编辑模板…”）的信头中填写"
ARCHIVE = "在客户档案中填写（客户 → 编辑客户…）"
WHERE_TO_FILL = {
    "中心名称": ("本中心名称", LETTERHEAD),
    "中心地址": ("本中心地址", LETTERHEAD),
    "中心电话": ("本中心电话", LETTERHEAD),
    **{name: (name, "这是活动的内容：请从“联系 → 活动管理…”选中活动后发信函，"
                    "或换一个不含活动的模板") for name in CAMPAIGN_FIELDS},
    "答复内容": ("答复内容（解决办法）",
             "主管在“联系 → 客户要求与投诉…”中写好解决办法后再发答复函"),
    "客户名称": ("客户名称", ARCHIVE),
    "地址": ("客户地址", ARCHIVE),
    "车号": ("车号", "在客户的车辆中填写（客户 → 新增车辆…）"),
}
PLACEHOLDER_RE = re.compile(r"\{([^{}]+)\}")


def unfilled(drafts) -> dict[str, list[str]]:
    """Each {占位符} still in the letters → the recipients whose letter shows it."""
    found: dict[str, list[str]] = {}
    for d in drafts:
        for name in dict.fromkeys(PLACEHOLDER_RE.findall(d.subject + "\n" + d.body)):
            found.setdefault(name, []).append(d.recipient)
    return found


def unfilled_message(drafts, *, editable: bool = False) -> str:
    """Why these letters cannot be printed yet, and where each missing thing is filled in;
    "" when nothing is missing."""
    found = unfilled(drafts)
    if not found:
        return ""
    lines = ["信函中还有没填上的内容，不能打印或保存 PDF："]
    for name, who in found.items():
        label, where = WHERE_TO_FILL.get(name, (None, None))
        whose = ""
        if len(drafts) > 1:
            whose = f"（{len(who)} 封：{'、'.join(who[:5])}{'…' if len(who) > 5 else ''}）"
        if label is None:
            lines.append(f"· {{{name}}}{whose}：模板里没有这个占位符，请用“编辑模板…”改正。")
        else:
            lines.append(f"· {{{name}}}（{label}）{whose}：{where}。")
    if editable:
        lines.append("也可以直接在正文里把 {…} 改成实际内容。已写的内容都保留着。")
    else:
        lines.append("已写的内容都保留着。")
    return "\n".join(lines)


def template_purpose(t) -> str:
    """campaign (uses an 活动 field), reply (a 答复函), followup (回访) or other."""
    names = set(PLACEHOLDER_RE.findall(t.subject + "\n" + t.body))
    if names & set(CAMPAIGN_FIELDS):
        return "campaign"
    if t.kind == "reply" or "答复内容" in names:
        return "reply"
    return "followup" if "回访" in t.name else "other"


def choose_template(templates, *, kind: str | None = None, campaign: bool = False,
                    request: bool = False):
    """The template a letter opens with: one for a campaign only when there is a campaign; a
    答复函 for a request or complaint; otherwise the 回访 letter. Among those, one of the kind
    asked for first; a template needing what the letter does not have comes last."""
    wanted = "campaign" if campaign else "reply" if request else "followup"

    def fits(t) -> bool:
        purpose = template_purpose(t)
        return (purpose != "campaign" or campaign) and (purpose != "reply" or request)

    def rank(t) -> tuple:
        return (not fits(t), template_purpose(t) != wanted,
                kind is not None and t.kind != kind)

    return min(templates, key=rank, default=None)


@dataclass
class LetterDraft:
    customer_id: int | None
    recipient: str
    address: str
    subject: str
    body: str


@dataclass(frozen=True)
class TemplateInfo:
    id: int
    kind: str
    name: str
    subject: str
    body: str


@dataclass(frozen=True)
class LetterInfo:
    id: int
    customer_id: int | None
    archive_no: int | None
    kind: str
    sent_on: dt.date
    recipient: str
    address: str
    subject: str
    body: str
    way: str
    clerk_name: str
    campaign_id: int | None
    request_id: int | None
    note: str
    deleted: bool = False
    letter_no: str = ""  # 编号, 2026-0001

    @property
    def kind_label(self) -> str:
        return LETTER_KINDS.get(self.kind, self.kind)

    @property
    def way_label(self) -> str:
        return WAYS.get(self.way, self.way)


@dataclass(frozen=True)
class PrintedLetter:
    """A registered letter as it is printed again: its stored words, its date, its 编号.

    app.letters_pdf prints a letter's `id` as its 编号 (编号：第 … 号), so here `id` is the
    letter number the register shows, not the database row.
    """

    recipient: str
    address: str
    subject: str
    body: str
    sent_on: dt.date
    id: str  # the 编号
    letter_no: str
    way: str = "mail"


def next_letter_no(s, year: int) -> str:
    """The next 编号 of `year` (2026-0001 …), taken inside the caller's write transaction: the
    counter row is written first, so two clerks registering at once wait for each other and
    a number once handed out (the letter deleted later, say) is never given again."""
    name = LETTER_COUNTER.format(year=year)
    counter = s.get(Counter, name)
    if counter is None:
        highest = s.scalar(select(Letter.letter_no).where(Letter.letter_no.like(f"{year}-%"))
                           .order_by(Letter.letter_no.desc()).limit(1))
        last = int(highest.split("-", 1)[1]) if highest else 0
        counter = Counter(name=name, last_value=last)
        s.add(counter)
    counter.last_value += 1
    s.flush()
    return f"{year}-{counter.last_value:04d}"


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {占位符}; an unknown one, or one whose value is empty (the center's phone not
    set yet), stays visible so the clerk sees it, and the letter is not printed with a gap."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1)) or m.group(0), text)


class LetterService:
    def __init__(self, store: Store):
        self.store = store

    # -- letterhead and templates

    def center(self) -> dict[str, str]:
        with self.store.read() as s:
            return load_center(s)

    @supervisor_only("信头（中心名称、地址、电话）由业务主管或管理员设置。")
    def save_center(self, **values: str) -> None:
        """Change the letterhead (name required, phone checked: ValidationError with the field
        center_name / center_phone)."""
        with self.store.session() as s:
            center = dict(load_center(s), **values)
            save_center(s, **clean_center(center["name"], center["address"], center["phone"]))

    def templates(self, kind: str | None = None) -> list[TemplateInfo]:
        with self.store.session() as s:
            self._seed_templates(s)
            q = select(LetterTemplate).order_by(LetterTemplate.id)
            if kind:
                q = q.where(LetterTemplate.kind == kind)
            return [TemplateInfo(t.id, t.kind, t.name, t.subject, t.body) for t in s.scalars(q)]

    @staticmethod
    def _seed_templates(s) -> None:
        """The default templates, each once: a new database gets them all, an older one the
        ones added since (a template the center deleted or renamed does not come back)."""
        import json

        row = s.get(Setting, SEEDED_KEY)
        if row is not None:
            seeded = set(json.loads(row.value))
        elif s.scalar(select(LetterTemplate.id).limit(1)) is None:
            seeded = set()
        else:
            seeded = set(FIRST_RELEASE_TEMPLATES)
        todo = [t for t in DEFAULT_TEMPLATES if t[1] not in seeded]
        if not todo and row is not None:
            return
        names = set(s.scalars(select(LetterTemplate.name)))
        for k, name, subject, body in todo:
            if name not in names:
                s.add(LetterTemplate(kind=k, name=name, subject=subject, body=body))
        value = json.dumps(sorted(seeded | {t[1] for t in DEFAULT_TEMPLATES}),
                           ensure_ascii=False)
        if row is None:
            s.add(Setting(key=SEEDED_KEY, value=value))
        else:
            row.value = value
        s.flush()

    def default_template(self, *, kind: str | None = None, campaign_id: int | None = None,
                         request_id: int | None = None) -> TemplateInfo | None:
        """The template a letter opens with, for its context (see choose_template)."""
        return choose_template(self.templates(), kind=kind, campaign=campaign_id is not None,
                               request=request_id is not None)

    def context_for_task(self, task_id: int) -> tuple[int | None, int | None]:
        """(campaign, request) a task's letter is about: a campaign's notice, or the reply to a
        request whose solution is written; a retry asks its first task."""
        with self.store.read() as s:
            task = s.get(Task, task_id)
            seen = set()
            while task is not None and task.id not in seen:
                seen.add(task.id)
                if task.campaign_id or task.request_id:
                    break
                task = s.get(Task, task.parent_task_id) if task.parent_task_id else None
            if task is None:
                return None, None
            request_id = task.request_id
            if request_id:
                req = s.get(CustomerRequest, request_id)
                if req is None or not (req.solution or "").strip():
                    request_id = None
            return task.campaign_id, request_id

    def context_for_customer(self, customer_id: int) -> int | None:
        """The request a letter to this customer answers: one whose solution waits to be
        told to the customer (an open 答复 task); None otherwise."""
        with self.store.read() as s:
            return s.scalar(select(Task.request_id).where(
                Task.customer_id == customer_id, Task.kind == TaskKind.REPLY,
                Task.status == TaskStatus.OPEN, Task.request_id.is_not(None))
                .order_by(Task.due, Task.id).limit(1))

    @supervisor_only("信函模板由业务主管或管理员修改。")
    def save_template(self, template_id: int | None, kind: str, name: str, subject: str,
                      body: str) -> int:
        if kind not in LETTER_KINDS:
            raise ValidationError("kind", "请选择信函类别。")
        if not name.strip():
            raise ValidationError("name", "请填写模板名称。")
        if not body.strip():
            raise ValidationError("body", "模板正文不能为空。")
        with self.store.session() as s:
            clash = s.scalar(select(LetterTemplate.id).where(
                LetterTemplate.name == name.strip(), LetterTemplate.id != (template_id or -1)))
            if clash:
                raise ValidationError("name", f"已有名为“{name.strip()}”的模板。")
            row = s.get(LetterTemplate, template_id) if template_id else None
            if row is None:
                row = LetterTemplate(kind=kind)
                s.add(row)
            row.kind, row.name, row.subject, row.body = kind, name.strip(), subject, body
            s.flush()
            return row.id

    # -- drafting

    def draft(self, template_id: int, customer_ids: list[int], *,
              campaign_id: int | None = None, request_id: int | None = None,
              today: dt.date | None = None) -> list[LetterDraft]:
        with self.store.read() as s:
            t = s.get_one(LetterTemplate, template_id)
            subject, body = t.subject, t.body
        return self._fill_for(subject, body, customer_ids, campaign_id=campaign_id,
                              request_id=request_id, today=today)

    def refill(self, draft: LetterDraft, *, campaign_id: int | None = None,
               request_id: int | None = None, today: dt.date | None = None) -> LetterDraft:
        """The clerk's edited letter with its remaining {占位符} filled from what is known
        now (the letterhead just set, say); the clerk's words stay as they are."""
        if draft.customer_id is None:
            return draft
        done = self._fill_for(draft.subject, draft.body, [draft.customer_id],
                              campaign_id=campaign_id, request_id=request_id, today=today)
        return done[0] if done else draft

    def _fill_for(self, subject: str, body: str, customer_ids: list[int], *,
                  campaign_id: int | None, request_id: int | None,
                  today: dt.date | None) -> list[LetterDraft]:
        today = today or clock.today()
        with self.store.read() as s:
            center = load_center(s)
            base = {"中心名称": center["name"], "中心地址": center["address"],
                    "中心电话": center["phone"],
                    "日期": f"{today.year}年{today.month}月{today.day}日"}
            if campaign_id:
                c = s.get_one(Campaign, campaign_id)
                base.update({"活动名称": c.title, "活动内容": c.content, "活动地点": c.place,
                             "活动日期": f"{c.event_date.year}年{c.event_date.month}月"
                                         f"{c.event_date.day}日"})
            if request_id:
                base["答复内容"] = s.get_one(CustomerRequest, request_id).solution
            rows = {r.customer_id: r for r in s.scalars(
                select(CustomerSummary).where(CustomerSummary.customer_id.in_(customer_ids)))}
            addresses = dict(s.execute(select(Customer.id, Customer.address)
                                       .where(Customer.id.in_(customer_ids))).all())
            drafts = []
            for cid in customer_ids:
                r = rows.get(cid)
                if r is None:
                    continue
                values = dict(base, 客户名称=r.name, 地址=addresses.get(cid, ""),
                              车号=r.plates.split(" ")[0] if r.plates else "")
                drafts.append(LetterDraft(cid, r.name, addresses.get(cid, ""),
                                          fill(subject, values), fill(body, values)))
            return drafts

    # -- registering (R8)

    def register(self, drafts: list[LetterDraft], *, kind: str, way: str, sent_on: dt.date,
                 campaign_id: int | None = None, request_id: int | None = None,
                 note: str = "") -> list[int]:
        """Enter each letter in the register, each with its 编号 (see next_letter_no); the
        tasks they answer are done. Returns the new letters' ids, in the drafts' order."""
        if kind not in LETTER_KINDS:
            raise ValidationError("kind", "请选择信函类别。")
        if way not in WAYS:
            raise ValidationError("way", "请选择寄送方式。")
        if not drafts:
            raise ValidationError("customers", "没有要登记的信函。")
        missing = [d.recipient for d in drafts if way == "mail" and not d.address.strip()]
        if missing:
            raise ValidationError("address", "以下客户没有地址，不能邮寄："
                                  + "、".join(missing[:10]) + ("…" if len(missing) > 10 else ""))
        ids = []
        with self.store.session() as s:
            for d in drafts:
                letter = Letter(customer_id=d.customer_id, kind=kind, sent_on=sent_on,
                                recipient=d.recipient, address=d.address, subject=d.subject,
                                body=d.body, way=way, campaign_id=campaign_id,
                                request_id=request_id, clerk_id=self.store.actor_id, note=note,
                                letter_no=next_letter_no(s, sent_on.year))
                s.add(letter)
                s.flush()
                ids.append(letter.id)
                if campaign_id and d.customer_id:
                    for t in s.scalars(select(Task).where(
                            Task.campaign_id == campaign_id, Task.customer_id == d.customer_id,
                            Task.kind == TaskKind.EVENT_LETTER,
                            Task.status == TaskStatus.OPEN)):
                        task_rows.done(t, sent_on, self.store.actor_id)
                        letter.task_id = t.id
            if request_id:
                from app.contacts import ContactService

                ContactService(self.store).replied_by_letter(s, request_id, ids[-1], sent_on)
        return ids

    # -- the register

    def _rows(self, s, where) -> list[LetterInfo]:
        names = dict(s.execute(select(Staff.id, Staff.name)).all())
        stmt = (select(Letter, CustomerSummary.archive_no)
                .outerjoin(CustomerSummary, CustomerSummary.customer_id == Letter.customer_id)
                .where(where))
        return [LetterInfo(x.id, x.customer_id, no, x.kind, x.sent_on, x.recipient, x.address,
                           x.subject, x.body, x.way, names.get(x.clerk_id, ""), x.campaign_id,
                           x.request_id, x.note, x.deleted_at is not None, x.letter_no or "")
                for x, no in s.execute(stmt)]

    def letter_ids(self, *, start: dt.date | None = None, end: dt.date | None = None,
                   kind: str | None = None, clerk_id: int | None = None,
                   customer_id: int | None = None, deleted: bool = False) -> list[int]:
        q = select(Letter.id).where(Letter.deleted_at.is_not(None) if deleted
                                    else Letter.deleted_at.is_(None))
        if start:
            q = q.where(Letter.sent_on >= start)
        if end:
            q = q.where(Letter.sent_on <= end)
        if kind:
            q = q.where(Letter.kind == kind)
        if clerk_id:
            q = q.where(Letter.clerk_id == clerk_id)
        if customer_id:
            q = q.where(Letter.customer_id == customer_id)
        q = q.order_by(Letter.sent_on.desc(), Letter.id.desc())
        with self.store.engine.connect() as conn:
            return [row[0] for row in conn.execute(q).cursor.fetchall()]

    def letter_rows(self, ids: list[int]) -> dict[int, LetterInfo]:
        out: dict[int, LetterInfo] = {}
        with self.store.read() as s:
            for start in range(0, len(ids), 500):
                for x in self._rows(s, Letter.id.in_(ids[start : start + 500])):
                    out[x.id] = x
        return out

    def for_print(self, ids: list[int]) -> list[PrintedLetter]:
        """The registered letters as they were written, to print again (in `ids`' order):
        the stored subject and body, not the template as it reads today."""
        rows = self.letter_rows(ids)
        return [PrintedLetter(x.recipient, x.address, x.subject, x.body, x.sent_on,
                              x.letter_no, x.letter_no, x.way)
                for x in (rows.get(i) for i in ids) if x is not None]

    def letters_for_customer(self, customer_id: int) -> list[LetterInfo]:
        rows = self.letter_rows(self.letter_ids(customer_id=customer_id))
        return sorted(rows.values(), key=lambda x: (x.sent_on, x.id), reverse=True)

    def delete(self, letter_id: int) -> None:
        with self.store.session() as s:
            x = s.get_one(Letter, letter_id)
            refuse_others(acting(self.store), x.clerk_id,
                          "只能删除自己登记的信函；其他人的请找业务主管。")
            x.deleted_at, x.deleted_by_id = utcnow(), self.store.actor_id

    def restore(self, letter_id: int) -> None:
        with self.store.session() as s:
            x = s.get_one(Letter, letter_id)
            refuse_others(acting(self.store), x.clerk_id,
                          "只能恢复自己登记的信函；其他人的请找业务主管。")
            x.deleted_at = x.deleted_by_id = None


