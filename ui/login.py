"""Log in, and create the first administrator on a new database."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.archive import FormErrors
from app.normalize import ValidationError
from app.staff import MIN_PASSWORD, LoginError, StaffInfo, StaffService
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
        self.setWindowTitle(tr("登录"))  # Qt adds the program's name
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
    """A new database has no staff: the first account is the administrator, and the center's
    name, address and phone (the letterhead on every letter and form) are asked with it."""

    def __init__(self, staff: StaffService, parent: QWidget | None = None):
        super().__init__(parent)
        self.staff = staff
        self.user: StaffInfo | None = None
        self.setWindowTitle(tr("新数据库 — 本中心与管理员账号"))
        self.setMinimumWidth(460)
        c = self.center_fields = ErrorForm()
        self.center_name = c.add("center_name", tr("中心名称"), QLineEdit())
        self.center_name.setPlaceholderText(tr("如 广州顺达汽车维修服务中心"))
        self.center_address = c.add("center_address", tr("地址"), QLineEdit())
        self.center_address.setPlaceholderText(tr("如 广州市天河区中山大道 88 号"))
        self.center_phone = c.add("center_phone", tr("电话"), QLineEdit())
        self.center_phone.setPlaceholderText(tr("如 020-38881234 或 400-800-1234"))
        for edit, length in ((self.center_name, 60), (self.center_address, 120),
                             (self.center_phone, 30)):
            edit.setMaxLength(length)
        center_box = QGroupBox(tr("本中心（印在每封信函和登记表的抬头）"))
        QVBoxLayout(center_box).addWidget(c)
        f = self.fields = ErrorForm()
        self.username = f.add("username", tr("登录名"), QLineEdit())
        self.name = f.add("name", tr("姓名"), QLineEdit())
        self.password = f.add("password", tr("密码"), QLineEdit())
        self.password2 = f.add("password2", tr("再输一次密码"), QLineEdit())
        self.password.setPlaceholderText(tr("至少 {n} 位，不能全是数字").format(n=MIN_PASSWORD))
        for edit in (self.password, self.password2):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        admin_box = QGroupBox(tr("管理员账号"))
        QVBoxLayout(admin_box).addWidget(f)
        buttons = _buttons(self, tr("创建并登录"))
        buttons.accepted.connect(self.create)
        layout = QVBoxLayout(self)
        intro = QLabel(tr("这是一个新的数据库。请填写本中心的名称、地址和电话，并创建管理员账号；"
                          "之后可在“管理 → 员工管理”中添加跟踪业务员和业务主管，"
                          "在“联系 → 信函模板与信头…”中修改本中心的信息。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(center_box)
        layout.addWidget(admin_box)
        layout.addWidget(buttons)
        self.center_name.setFocus()

    def show_errors(self, errors: dict[str, str]) -> None:
        center = {k: v for k, v in errors.items() if k in self.center_fields.errors}
        account = {k: v for k, v in errors.items() if k not in center}
        self.center_fields.show_errors(center)
        self.fields.show_errors(account)
        # the first wrong field from the top: the center's box comes first
        for form, wrong in ((self.center_fields, center), (self.fields, account)):
            name = next((n for n in form.fields if n in wrong), None)
            if name is not None:
                form.fields[name].setFocus()
                break

    def create(self) -> None:
        values = dict(center_name=self.center_name.text(),
                      center_address=self.center_address.text(),
                      center_phone=self.center_phone.text())
        args = (self.username.text(), self.name.text(), self.password.text())
        same = self.password.text() == self.password2.text()
        try:
            user = self.staff.create_first_admin(*args, **values, check_only=not same)
        except ValidationError as e:
            errors = {e.field: e.message}
        except FormErrors as e:
            errors = dict(e.errors)
        else:
            errors = {}
        if not same and "password" not in errors:
            errors["password2"] = tr("两次输入的密码不一样。")
        if errors:
            self.show_errors(errors)
            return
        self.user = user
        self.accept()
