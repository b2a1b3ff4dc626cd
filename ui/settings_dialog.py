"""跟踪规则设置: the day counts of the rules, each with the source text's default beside it."""

from __future__ import annotations

import dataclasses
import re

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.contacts import UNREACHABLE_DEFAULT
from app.rules import RuleSettings
from app.settings import (
    DEFAULT_MAINTENANCE_WORDS,
    RULE_LABELS,
    UNREACHABLE_KEY,
    load_int,
    load_maintenance_words,
    save_int,
    save_maintenance_words,
)
from app.tasks import TaskService
from ui import common
from ui.common import tr

LIMITS = {"first_service_km": 50000, "first_service_months": 36, "new_car_months": 60,
          "backfill_days": 3650, "notice_lead_days": 90, "notice_letter_days": 30,
          "escalation_days": 30, "lost_customer_months": 60, "lost_call_days": 90,
          "daily_calls": 500}
MINIMUM = {"daily_calls": 1, "lost_customer_months": 1}
# Not a day count of the rules but saved with them: failed calls before a letter is offered.
UNREACHABLE_NAME = "unreachable_after"
UNREACHABLE_LABEL = ("未接通几次后改寄信函", "次")
UNREACHABLE_MAX = 20


class RulesDialog(QDialog):
    def __init__(self, tasks: TaskService, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.setWindowTitle(tr("跟踪规则设置"))
        self.defaults = RuleSettings()
        current = tasks.rules()
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        for f in dataclasses.fields(RuleSettings):
            label, unit = RULE_LABELS[f.name]
            spin = QSpinBox()
            spin.setObjectName(f.name)
            spin.setRange(MINIMUM.get(f.name, 0), LIMITS.get(f.name, 365))
            spin.setSuffix(" " + tr(unit))
            spin.setValue(getattr(current, f.name))
            if f.name == "first_service_km":
                spin.setSingleStep(500)
            default = QLabel(tr("默认 {v}").format(v=getattr(self.defaults, f.name)))
            default.setStyleSheet("color:#777")
            row = QHBoxLayout()
            row.addWidget(spin)
            row.addWidget(default)
            row.addStretch(1)
            form.addRow(tr(label), row)
            self.spins[f.name] = spin
        self.unreachable = self._unreachable_row(form)
        # 维修养护项目 naming one of these words makes a visit a 保养 (import and 送修 dialog)
        with self.tasks.store.read() as s:
            words = load_maintenance_words(s)
        self.maintenance_words = QLineEdit("、".join(words))
        self.maintenance_words.setObjectName("maintenanceWords")
        self.maintenance_words.setToolTip(tr("维修养护项目中出现这些词时，来访记为“保养”；用顿号或空格隔开"))
        form.addRow(tr("算作保养的项目关键词"), self.maintenance_words)
        self.message = QLabel()
        self.message.setStyleSheet("color:#c0392b")
        self.message.setWordWrap(True)
        reset = QPushButton(tr("恢复默认值"))
        reset.clicked.connect(self.reset)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.addButton(reset, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        note = QLabel(tr(
            "默认值取自《售后服务工作规定》：建档二日内；出厂后三天至一周内第一次跟踪；"
            "第一次跟踪一周后的 7 天内第二次跟踪；活动前两周电话通知，两日内寄出通知信函；"
            "不能解决的要求两日内上报主管。保存后，所有待办任务按新规则重新计算"
            "（活动通知的提前天数用于此后新建的活动）。"
            "每天拨打电话数用于分摊各任务的“建议拨打日”：超出的、不急的电话排到期限内的"
            "下一个工作日；逾期和今天到期的总在今天。"))
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _unreachable_row(self, form: QFormLayout) -> QSpinBox:
        with self.tasks.store.read() as s:
            current = load_int(s, UNREACHABLE_KEY, UNREACHABLE_DEFAULT)
        label, unit = UNREACHABLE_LABEL
        spin = QSpinBox()
        spin.setObjectName(UNREACHABLE_NAME)
        spin.setRange(1, UNREACHABLE_MAX)
        spin.setSuffix(" " + tr(unit))
        spin.setValue(min(max(current, 1), UNREACHABLE_MAX))
        default = QLabel(tr("默认 {v}").format(v=UNREACHABLE_DEFAULT))
        default.setStyleSheet("color:#777")
        row = QHBoxLayout()
        row.addWidget(spin)
        row.addWidget(default)
        row.addStretch(1)
        form.addRow(tr(label), row)
        return spin

    def read(self) -> RuleSettings:
        return RuleSettings(**{name: spin.value() for name, spin in self.spins.items()})

    def reset(self) -> None:
        for name, spin in self.spins.items():
            spin.setValue(getattr(self.defaults, name))
        self.unreachable.setValue(UNREACHABLE_DEFAULT)
        self.maintenance_words.setText("、".join(DEFAULT_MAINTENANCE_WORDS))

    def save(self) -> None:
        try:
            rules = self.read()
        except ValueError:
            self.message.setText(tr("“最早”不能晚于“最迟”，请检查第一次、第二次跟踪的天数。"))
            return
        words = [w for w in re.split(r"[、,，;；\s]+", self.maintenance_words.text()) if w]
        if not words:
            self.message.setText(tr("请至少填写一个算作保养的关键词，例如“保养”。"))
            return
        with self.tasks.store.session() as s:
            save_int(s, UNREACHABLE_KEY, self.unreachable.value())
            save_maintenance_words(s, words)
        moved = self.tasks.save_rules(rules)
        common.information(self, tr("跟踪规则设置"),
                           tr("已保存。{n} 位客户的待办任务已按新规则重新计算。").format(n=moved))
        self.accept()
