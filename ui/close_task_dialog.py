"""标记完成 for a task that asks for a call: why no call was made, kept with who and when (R7)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.archive import format_archive_no
from app.task_rows import NO_CALL_REASONS, OTHER
from app.tasks import AgendaItem
from ui.common import tr


class CloseWithoutCallDialog(QDialog):
    def __init__(self, item: AgendaItem, kind_label: str, day_text: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("没有通话，标记完成"))
        intro = QLabel(tr(
            "<b>{kind}</b>　{name}（档案编号 {no}）<br>{topic}<br><br>"
            "这项任务要打电话。没有通话就关闭，请说明原因；统计中它单列为“未通话关闭”，"
            "不算已回访。记为 {day} 完成。").format(
                kind=kind_label, name=item.customer_name, no=format_archive_no(item.archive_no),
                topic=item.topic, day=day_text))
        intro.setWordWrap(True)
        self.reason = QComboBox()
        self.reason.setObjectName("noCallReason")
        self.reason.addItem(tr("（请选择）"), "")
        for r in NO_CALL_REASONS:
            self.reason.addItem(tr(r), r)
        self.note = QLineEdit()
        self.note.setObjectName("noCallNote")
        self.note.setMaxLength(200)
        self.note.setPlaceholderText(tr("选择“其他”时必填"))
        self.message = QLabel()
        self.message.setStyleSheet("color:#c0392b")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("原因"), self.reason)
        form.addRow(tr("说明"), self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("标记完成"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())

    def chosen(self) -> tuple[str, str]:
        return self.reason.currentData() or "", self.note.text().strip()

    def accept(self) -> None:
        reason, note = self.chosen()
        if not reason:
            self.message.setText(tr("请选择没有通话就关闭这项任务的原因。"))
            self.reason.setFocus()
            return
        if reason == OTHER and not note:
            self.message.setText(tr("选择“其他”时请写明原因。"))
            self.note.setFocus()
            return
        super().accept()
