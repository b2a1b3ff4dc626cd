"""信函模板: edit the letter templates and the center's letterhead printed on every letter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.letters import LETTER_KINDS, PLACEHOLDERS, LetterService, TemplateInfo
from app.normalize import ValidationError
from app.settings import clean_center
from app.staff import acting
from ui import common
from ui.common import ErrorForm, tr
from ui.letter_dialog import show_errors

NEW = -1


class TemplateDialog(QDialog):
    """Templates on the left; the chosen one, the placeholders and the letterhead on the right.

    保存 saves the template being edited (when it has anything in it) and the letterhead.
    `saved_template_id` is the last template saved, for the caller to select it.
    """

    def __init__(self, letters: LetterService, parent: QWidget | None = None):
        super().__init__(parent)
        self.letters = letters
        self.saved_template_id: int | None = None
        self._current = NEW
        self._dirty = False
        self._loading = False
        self.setWindowTitle(tr("信函模板与信头"))
        self.resize(940, 640)

        self.list = QListWidget()
        self.list.setMinimumWidth(210)
        self.new_button = QPushButton(tr("新建模板"))
        self.new_button.clicked.connect(self.new_template)
        left = QVBoxLayout()
        left.addWidget(QLabel(tr("模板")))
        left.addWidget(self.list, 1)
        left.addWidget(self.new_button)

        self.form = ErrorForm()
        self.kind = QComboBox()
        for key, label in LETTER_KINDS.items():
            self.kind.addItem(label, key)
        self.name = QLineEdit()
        self.name.setMaxLength(60)
        self.subject = QLineEdit()
        self.subject.setMaxLength(200)
        self.body = QPlainTextEdit()
        self.body.setMinimumHeight(220)
        self.form.add("kind", tr("信函类别"), self.kind)
        self.form.add("name", tr("模板名称"), self.name)
        self.form.add("subject", tr("事由（标题）"), self.subject)
        self.form.add("body", tr("正文"), self.body)

        holders = QGroupBox(tr("插入占位符（打印时换成客户和活动的内容）"))
        grid = QGridLayout(holders)
        grid.setSpacing(4)
        self.placeholder_buttons: dict[str, QPushButton] = {}
        for i, name in enumerate(PLACEHOLDERS):
            b = QPushButton("{" + name + "}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the text field keeps the cursor
            b.clicked.connect(lambda _=False, n=name: self.insert_placeholder(n))
            grid.addWidget(b, i // 6, i % 6)
            self.placeholder_buttons[name] = b

        head = QGroupBox(tr("信头（每封信函顶部）"))
        self.head_form = ErrorForm()
        center = letters.center()
        self.center_name = QLineEdit(center["name"])
        self.center_address = QLineEdit(center["address"])
        self.center_phone = QLineEdit(center["phone"])
        self.head_form.add("center_name", tr("中心名称"), self.center_name)
        self.head_form.add("center_address", tr("地址"), self.center_address)
        self.head_form.add("center_phone", tr("电话"), self.center_phone)
        QVBoxLayout(head).addWidget(self.head_form)

        right = QVBoxLayout()
        right.addWidget(self.form, 1)
        right.addWidget(holders)
        right.addWidget(head)

        self.status = QLabel()
        self.status.setObjectName("status")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        user = acting(letters.store)
        if user is not None and not user.is_supervisor:
            # templates and the letterhead are the supervisor's (the service refuses too)
            save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
            save.setEnabled(False)
            save.setToolTip(tr("信函模板与信头由业务主管或管理员修改"))

        columns = QHBoxLayout()
        columns.addLayout(left)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

        for w in (self.name, self.subject, self.center_name, self.center_address,
                  self.center_phone):
            w.textEdited.connect(self._mark_dirty)
        self.body.textChanged.connect(self._mark_dirty)
        self.kind.currentIndexChanged.connect(self._mark_dirty)
        self.list.currentItemChanged.connect(self._item_changed)
        self.reload()

    # -------------------------------------------------------------- the list

    def templates(self) -> list[TemplateInfo]:
        return self.letters.templates()

    def reload(self, select_id: int | None = None) -> None:
        self._loading = True
        self.list.clear()
        items = []
        for t in self.templates():
            item = QListWidgetItem(f"[{LETTER_KINDS.get(t.kind, t.kind)}] {t.name}")
            item.setData(Qt.ItemDataRole.UserRole, t)
            self.list.addItem(item)
            items.append(item)
        chosen = next((i for i in items if i.data(Qt.ItemDataRole.UserRole).id == select_id),
                      items[0] if items else None)
        self._loading = False
        if chosen is not None:
            self.list.setCurrentItem(chosen)  # loads it
        else:
            self.new_template()

    def _item_changed(self, item: QListWidgetItem | None, previous) -> None:
        if self._loading or item is None:
            return
        template: TemplateInfo = item.data(Qt.ItemDataRole.UserRole)
        if template.id == self._current:
            return
        if self._dirty and not common.confirm(self, tr("信函模板"),
                                              tr("当前模板有未保存的修改，放弃这些修改吗？")):
            self._loading = True
            self.list.setCurrentItem(previous)
            self._loading = False
            return
        self._load(template)

    def _load(self, t: TemplateInfo | None) -> None:
        self._loading = True
        self.form.clear_errors()
        self._current = t.id if t else NEW
        self.kind.setCurrentIndex(max(0, self.kind.findData(t.kind if t else "notice")))
        self.name.setText(t.name if t else "")
        self.subject.setText(t.subject if t else "")
        self.body.setPlainText(t.body if t else "")
        self._loading = False
        self._dirty = False

    def new_template(self) -> None:
        if self._dirty and not common.confirm(self, tr("信函模板"),
                                              tr("当前模板有未保存的修改，放弃这些修改吗？")):
            return
        self._loading = True
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self._loading = False
        self._load(None)
        self.name.setFocus()

    def _mark_dirty(self, *_args) -> None:
        if not self._loading:
            self._dirty = True

    # -------------------------------------------------------------- editing

    def insert_placeholder(self, name: str) -> None:
        text = "{" + name + "}"
        if self.subject.hasFocus():
            self.subject.insert(text)
            self._mark_dirty()
        else:
            self.body.insertPlainText(text)
            self.body.setFocus()

    def save(self) -> bool:
        self.form.clear_errors()
        self.head_form.clear_errors()
        try:
            clean_center(self.center_name.text(), self.center_address.text(),
                         self.center_phone.text())
        except ValidationError as e:
            show_errors(self.head_form, {e.field: e.message})
            return False
        kind = self.kind.currentData()
        name, subject, body = self.name.text(), self.subject.text(), self.body.toPlainText()
        blank_new = self._current == NEW and not (name.strip() or subject.strip()
                                                 or body.strip())
        saved = None
        if not blank_new:
            try:
                saved = self.letters.save_template(
                    None if self._current == NEW else self._current, kind, name, subject, body)
            except ValidationError as e:
                show_errors(self.form, {e.field: e.message})
                return False
        self.letters.save_center(name=self.center_name.text(),
                                 address=self.center_address.text(),
                                 phone=self.center_phone.text())
        self._dirty = False
        if saved is not None:
            self.saved_template_id = saved
            self._current = saved
            self.reload(saved)
            self.status.setText(tr("已保存模板“{name}”和信头。").format(name=name.strip()))
        else:
            self.status.setText(tr("已保存信头。"))
        return True

    def reject(self) -> None:
        if self._dirty and not common.confirm(self, tr("信函模板"),
                                              tr("有未保存的修改，关闭并放弃吗？")):
            return
        super().reject()
