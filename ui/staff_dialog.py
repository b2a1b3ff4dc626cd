"""员工管理: the administrator adds staff, sets roles, resets passwords, deactivates."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.normalize import ValidationError
from app.staff import MIN_PASSWORD, ROLE_LABELS, StaffInfo, StaffService
from db.models import Role
from ui import common
from ui.common import ErrorForm, tr


class StaffEditDialog(QDialog):
    def __init__(self, staff: StaffService, parent: QWidget | None = None,
                 *, member: StaffInfo | None = None):
        super().__init__(parent)
        self.staff = staff
        self.member = member
        self.setWindowTitle(tr("修改员工") if member else tr("新增员工"))
        f = self.fields = ErrorForm()
        self.username = f.add("username", tr("登录名"), QLineEdit())
        self.name = f.add("name", tr("姓名"), QLineEdit())
        self.role = f.add("role", tr("岗位"), QComboBox())
        for role, label in ROLE_LABELS.items():
            self.role.addItem(tr(label), role)
        self.password = f.add("password", tr("密码") if not member else tr("新密码（不改留空）"),
                              QLineEdit())
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.active = f.add("active", tr("状态"), QCheckBox(tr("在岗（可登录）")))
        self.active.setChecked(True)
        if member:
            self.username.setText(member.username)
            self.username.setReadOnly(True)
            self.name.setText(member.name)
            self.role.setCurrentIndex(self.role.findData(member.role))
            self.active.setChecked(member.active)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(f)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)  # room for a name, and for a message under a field

    def save(self) -> None:
        role = Role(self.role.currentData())
        try:
            if self.member is None:
                self.staff.create(self.username.text(), self.name.text(), role,
                                  self.password.text(), self.active.isChecked())
            else:
                self.staff.update(self.member.id, name=self.name.text(), role=role,
                                  active=self.active.isChecked(),
                                  password=self.password.text() or None)
        except ValidationError as e:
            self.fields.show_errors({e.field: e.message})
            return
        self.accept()


class StaffDialog(QDialog):
    def __init__(self, staff: StaffService, parent: QWidget | None = None):
        super().__init__(parent)
        self.staff = staff
        self.setWindowTitle(tr("员工管理"))
        self.resize(560, 360)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("登录名"), tr("姓名"), tr("岗位"), tr("状态")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _i: self.edit())
        add = QPushButton(tr("新增员工…"))
        add.clicked.connect(self.add)
        edit = QPushButton(tr("修改…"))
        edit.clicked.connect(self.edit)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(edit)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.members: list[StaffInfo] = []
        self.reload()

    def reload(self) -> None:
        self.members = self.staff.list()
        self.table.setRowCount(len(self.members))
        for r, m in enumerate(self.members):
            values = [m.username, m.name, tr(m.role_label), tr("在岗") if m.active else tr("停用")]
            for c, v in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(v))

    def add(self) -> None:
        if common.run(StaffEditDialog(self.staff, self)):
            self.reload()

    def edit(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.members):
            if common.run(StaffEditDialog(self.staff, self, member=self.members[row])):
                self.reload()


class PasswordDialog(QDialog):
    """修改密码: anyone changes their own, typing the old one and the new one twice."""

    def __init__(self, staff: StaffService, user: StaffInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.staff = staff
        self.user = user
        self.setWindowTitle(tr("修改密码 — {name}").format(name=user.name))
        self.setMinimumWidth(380)
        f = self.fields = ErrorForm()
        self.old = f.add("old", tr("原密码"), QLineEdit())
        self.new = f.add("password", tr("新密码"), QLineEdit())
        self.new2 = f.add("password2", tr("再输一次新密码"), QLineEdit())
        self.new.setPlaceholderText(tr("至少 {n} 位，不能全是数字").format(n=MIN_PASSWORD))
        for edit in (self.old, self.new, self.new2):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(128)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("修改"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(f)
        layout.addWidget(self.buttons)
        self.old.setFocus()

    def save(self) -> bool:
        if self.new.text() != self.new2.text():
            self.fields.show_errors({"password2": tr("两次输入的新密码不一样。")})
            return False
        try:
            self.staff.change_own_password(self.user.id, self.old.text(), self.new.text())
        except ValidationError as e:
            self.fields.show_errors({e.field: e.message})
            (self.old if e.field == "old" else self.new).selectAll()
            return False
        self.accept()
        return True
