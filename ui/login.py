"""Log in, and create the first administrator on a new database."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.archive import FormErrors
from app.normalize import ValidationError
from app.staff import LoginError, StaffInfo, StaffService
from db.models import Role
from ui.common import ErrorForm, tr


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("退出"))
    buttons.rejected.connect(dialog.reject)
    return buttons


class LoginDialog(QDialog):
    def __init__(self, staff: StaffService, parent: QWidget | None = None, *, hint: str = ""):
        super().__init__(parent)
        self.staff = staff
        self.user: StaffInfo | None = None
        self.setWindowTitle(tr("登录 — 售后跟踪服务台"))
        self.setMinimumWidth(360)
        self.fields = ErrorForm()
        self.username = self.fields.add("username", tr("登录名"), QLineEdit())
        self.password = self.fields.add("password", tr("密码"), QLineEdit())
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        buttons = _buttons(self, tr("登录"))
        buttons.accepted.connect(self.try_login)
        layout = QVBoxLayout(self)
        title = QLabel(tr("<h3>售后跟踪服务台</h3>"))
        layout.addWidget(title)
        if hint:
            note = QLabel(hint.replace("：", "：\n", 1).replace("；", "\n"))
            note.setStyleSheet("color:#555")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.fields)
        layout.addWidget(buttons)
        self.username.setFocus()

    def try_login(self) -> None:
        try:
            self.user = self.staff.login(self.username.text(), self.password.text())
        except LoginError as e:
            self.fields.show_errors({"password": str(e)})
            self.password.selectAll()
            return
        self.accept()


class FirstAdminDialog(QDialog):
    """A new database has no staff: the first account is the administrator."""

    def __init__(self, staff: StaffService, parent: QWidget | None = None):
        super().__init__(parent)
        self.staff = staff
        self.user: StaffInfo | None = None
        self.setWindowTitle(tr("创建管理员账号"))
        self.setMinimumWidth(400)
        f = self.fields = ErrorForm()
        self.username = f.add("username", tr("登录名"), QLineEdit())
        self.name = f.add("name", tr("姓名"), QLineEdit())
        self.password = f.add("password", tr("密码"), QLineEdit())
        self.password2 = f.add("password2", tr("再输一次密码"), QLineEdit())
        for edit in (self.password, self.password2):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        buttons = _buttons(self, tr("创建并登录"))
        buttons.accepted.connect(self.create)
        layout = QVBoxLayout(self)
        intro = QLabel(tr("这是一个新的数据库。请先创建管理员账号，之后可在“管理 → 员工管理”中"
                          "添加跟踪业务员和业务主管。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(f)
        layout.addWidget(buttons)

    def create(self) -> None:
        if self.password.text() != self.password2.text():
            self.fields.show_errors({"password2": tr("两次输入的密码不一样。")})
            return
        try:
            self.user = self.staff.create(
                self.username.text(), self.name.text(), Role.ADMIN, self.password.text()
            )
        except ValidationError as e:
            self.fields.show_errors({e.field: e.message})
            return
        except FormErrors as e:
            self.fields.show_errors(e.errors)
            return
        self.accept()
