"""修改记录: reading the change log (written by db.history on every flush) in plain words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app.staff import acting, refuse_non_admin
from app.store import Store
from db.models import ChangeLog, Customer, Staff

TABLE_LABELS = {
    "customer": "客户", "vehicle": "车辆", "visit": "来访", "call": "通话",
    "customer_request": "客户要求", "letter": "信函", "task": "任务", "staff": "员工",
    "setting": "设置",
}
ACTION_LABELS = {"create": "新建", "update": "修改", "delete": "删除", "restore": "恢复"}
FIELD_LABELS = {
    "name": "姓名/名称", "phone": "联系电话", "phone2": "备用电话", "address": "地址",
    "region": "地区", "contact_person": "负责人", "services_wanted": "希望得到的服务",
    "notes": "备注", "clerk_id": "跟踪业务员", "plate": "车号", "model": "车型", "kind": "类别",
    "vin": "车架号", "purchase_date": "购车日期", "warranty_end": "保修到期",
    "insurance_expiry": "保险到期", "maintenance_cycle_months": "保养周期（月）",
    "maintenance_cycle_km": "保养周期（公里）", "next_maintenance_date": "下次保养期",
    "next_maintenance_manual": "下次保养期为手填", "vehicle_id": "车辆",
    "intake_date": "送修/来访日期", "pickup_date": "出厂日期", "service_items": "维修养护项目",
    "mileage_km": "里程", "amount_fen": "金额（分）", "is_comeback": "返修",
    "status": "状态", "owner_id": "负责人", "closed_reason": "关闭原因", "close_note": "说明",
    "role": "角色", "active": "在用", "password": "密码", "username": "登录名",
    "key_points": "通话要点", "satisfaction": "满意度", "result": "处理结果",
    "content": "内容", "solution": "解决办法", "department": "部门",
}
STAFF_FIELDS = {"clerk_id", "owner_id"}
SETTING_LABELS = {
    "center.name": "中心名称", "center.address": "中心地址", "center.phone": "中心电话",
    "calls.unreachable_after": "未接通几次后改寄信函", "print.binding_mm": "装订边距（毫米）",
    "visits.maintenance_words": "算作保养的项目关键词", "backup.folder": "备份文件夹",
}


def _setting_label(key: str) -> str:
    from app.settings import RULE_LABELS, RULE_PREFIX

    if key.startswith(RULE_PREFIX):
        label = RULE_LABELS.get(key.removeprefix(RULE_PREFIX))
        if label:
            return "跟踪规则：" + label[0]
    return SETTING_LABELS.get(key, key)


def _setting_value(raw: str) -> str:
    """Settings are stored as JSON: show "广州…", not "\\u5e7f…"."""
    import json

    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ChangeInfo:
    id: int
    at: dt.datetime  # local time
    who: str
    what: str  # 客户 #12 / 车辆 #3 …
    action: str  # 新建 / 修改 / 删除 / 恢复
    field: str
    old: str
    new: str
    customer_id: int | None


class HistoryService:
    def __init__(self, store: Store):
        self.store = store

    def for_customer(self, customer_id: int) -> list[ChangeInfo]:
        """Everything changed on this customer and what belongs to it, newest first."""
        return self._read(ChangeLog.customer_id == customer_id, limit=None)

    def recent(self, limit: int = 2000) -> list[ChangeInfo]:
        """The whole center's latest changes: the administrator's view."""
        refuse_non_admin(acting(self.store), "全部修改记录只有管理员可以查看。")
        return self._read(True, limit=limit)

    def _read(self, where, limit: int | None) -> list[ChangeInfo]:
        with self.store.read() as s:
            q = select(ChangeLog).where(where).order_by(ChangeLog.at.desc(),
                                                        ChangeLog.id.desc())
            if limit:
                q = q.limit(limit)
            rows = s.scalars(q).all()
            names = dict(s.execute(select(Staff.id, Staff.name)).all())
            customers = dict(s.execute(select(Customer.id, Customer.name).where(
                Customer.id.in_({r.customer_id for r in rows if r.customer_id}))).all())
        out = []
        for r in rows:
            old, new = r.old_value, r.new_value
            field = FIELD_LABELS.get(r.field, r.field)
            if r.table_name == "setting":
                old, new, field = _setting_value(old), _setting_value(new), _setting_label(r.field)
            if r.field in STAFF_FIELDS:
                old = names.get(int(old), old) if old.isdigit() else old
                new = names.get(int(new), new) if new.isdigit() else new
            what = TABLE_LABELS.get(r.table_name, r.table_name)
            if r.table_name == "customer":
                what += f" {customers.get(r.customer_id, '')}"
            elif r.table_name != "setting":
                what += f" #{r.record_id}"
            out.append(ChangeInfo(
                r.id, r.at.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None),
                names.get(r.staff_id, "（程序）") if r.staff_id else "（程序）", what,
                ACTION_LABELS.get(r.action, r.action), field, old, new, r.customer_id))
        return out
