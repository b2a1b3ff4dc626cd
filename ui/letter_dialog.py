"""写信函 (R8): a letter or a batch from a template, printed to one PDF and registered."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.files import share
from app.letters import (
    LETTER_KINDS,
    WAYS,
    LetterDraft,
    LetterService,
    unfilled,
    unfilled_message,
)
from app.normalize import ValidationError
from ui import common
from ui.common import DateField, ErrorForm, tr

log = logging.getLogger(__name__)

# register()'s error fields → the widget that shows them
FIELD_OF = {"customers": "recipients", "address": "recipients", "kind": "kind", "way": "way",
            "sent_on": "sent_on", "template": "template"}


def show_errors(form: ErrorForm, errors: dict[str, str]) -> bool:
    """form.show_errors(), keeping the window's size: its adjustSize() would shrink a large
    dialog to two thirds of the screen (Qt caps a window's adjusted size there)."""
    window = form.window()
    size = window.size()
    shown = form.show_errors(errors)
    window.resize(window.size().expandedTo(size))
    return shown


def open_file(path: Path) -> None:
    """Open the PDF in the system's viewer, from which the clerk prints (tests replace this)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def pdf_error_text(path: Path, error: Exception) -> str:
    if isinstance(error, PermissionError):
        return tr("无法写入 {path}：文件可能正被其他程序（如 PDF 阅读器）打开，"
                  "请关闭后重试，或换一个文件名。").format(path=path)
    if isinstance(error, OSError):
        return tr("无法保存 {path}：{e}").format(path=path, e=error.strerror or error)
    return tr("生成 PDF 失败：{e}").format(e=error)


def letter_numbers_text(numbers: list[str]) -> str:
    """编号 2026-0001, or 2026-0001 至 2026-0012 for a batch."""
    numbers = [n for n in numbers if n]
    if not numbers:
        return ""
    if len(numbers) == 1:
        return tr("编号 {no}").format(no=numbers[0])
    return tr("编号 {first} 至 {last}").format(first=numbers[0], last=numbers[-1])


def reprint_letters(parent: QWidget | None, letters: LetterService, ids: list[int]
                    ) -> Path | None:
    """重新打印: registered letters as they were written (their stored words, date and 编号),
    not the template as it reads today; a mailed letter gets its address label again."""
    from ui.letterhead import warn_placeholder_center

    printed = letters.for_print(ids)
    if not printed:
        return None
    center = letters.center()
    warn_placeholder_center(parent, center)
    first = printed[0]
    name = (f"信函-{first.letter_no or first.recipient}-{first.recipient}.pdf"
            if len(printed) == 1 else f"信函-{len(printed)}封.pdf")
    folder = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    target, _ = QFileDialog.getSaveFileName(parent, tr("重新打印信函"), str(Path(folder) / name),
                                            tr("PDF 文件 (*.pdf)"))
    if not target:
        return None
    path = Path(target)
    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")
    from app.letters_pdf import write_letters_pdf

    labels = any(x.way == "mail" and x.address.strip() for x in printed)
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        result = write_letters_pdf(printed, center, path, labels=labels)
    except Exception as e:  # the user sees why; the log has the traceback
        log.exception("letters reprint failed")
        QApplication.restoreOverrideCursor()
        common.warning(parent, tr("重新打印信函"), pdf_error_text(path, e))
        return None
    QApplication.restoreOverrideCursor()
    share(path)  # others on a shared PC can open it (the PDF writer makes 0600)
    if result.font_note:
        common.information(parent, tr("重新打印信函"), result.font_note)
    open_file(path)
    return path


class PdfWorker(QObject):
    """Writes the PDF in its own thread; talks to the dialog only through signals."""

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, drafts: list[LetterDraft], center: dict, path: Path, labels: bool,
                 sent_on: dt.date):
        super().__init__()
        self.drafts, self.center, self.path = drafts, center, path
        self.labels, self.sent_on = labels, sent_on
        self.cancel_requested = False

    def run(self) -> None:
        from app.letters_pdf import write_letters_pdf

        try:
            result = write_letters_pdf(
                self.drafts, self.center, self.path, labels=self.labels, sent_on=self.sent_on,
                progress=lambda done, total: self.progressed.emit(done, total),
                cancelled=lambda: self.cancel_requested)
        except Exception as e:  # the user sees why; the log has the traceback
            log.exception("letters PDF failed")
            self.failed.emit(pdf_error_text(self.path, e))
        else:
            self.finished.emit(result)


class LetterDialog(QDialog):
    """Choose a template, look at the letters, save them as one PDF, register them.

    One customer: the subject and body can be edited before printing and registering.
    A batch: the preview is read-only (edit the template instead). After 登记,
    `registered_ids` holds the new letters' ids and `registered` is emitted with them;
    exec() then returns Accepted.
    """

    registered = Signal(list)
    THREAD_THRESHOLD = 50  # more letters than this are written off the UI thread

    def __init__(self, letters: LetterService, parent: QWidget | None = None, *,
                 customer_ids: list[int], kind: str | None = None,
                 campaign_id: int | None = None, request_id: int | None = None,
                 today_fn: Callable[[], dt.date] = clock.today):
        super().__init__(parent)
        self.letters = letters
        self.customer_ids = list(customer_ids)
        self.campaign_id, self.request_id = campaign_id, request_id
        self.today_fn = today_fn
        self.drafts: list[LetterDraft] = []
        self.registered_ids: list[int] = []
        self.letter_numbers: list[str] = []  # 编号 of the registered letters
        self.pdf_result = None  # the last PdfResult
        self.pdf_path: Path | None = None
        self._drafted_for: tuple | None = None
        self._edited = False
        self._thread: QThread | None = None
        self._worker: PdfWorker | None = None
        single = len(self.customer_ids) == 1
        self.setWindowTitle(tr("写信函 — {n} 位客户").format(n=len(self.customer_ids)))
        self.resize(900, 680)

        self.form = ErrorForm()
        self.kind = QComboBox()
        for key, label in LETTER_KINDS.items():
            self.kind.addItem(label, key)
        # The letter opens on the template that fits its context: 活动 templates only for a
        # campaign, the 答复函 for a request, the 回访 letter otherwise.
        first = letters.default_template(kind=kind, campaign_id=campaign_id,
                                         request_id=request_id)
        self._first_template_id = first.id if first is not None else None
        self.kind.setCurrentIndex(max(0, self.kind.findData(
            first.kind if first is not None else kind or "notice")))
        self.template = QComboBox()
        self.template.setMinimumWidth(260)
        self.edit_templates = QPushButton(tr("编辑模板…"))
        self.edit_templates.clicked.connect(self.open_templates)
        template_row = QWidget()
        row = QHBoxLayout(template_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.template, 1)
        row.addWidget(self.edit_templates)
        self.way = QComboBox()
        for key, label in WAYS.items():
            self.way.addItem(label, key)
        self.sent_on = DateField()
        self.sent_on.set_date(today_fn())
        self.note = QLineEdit()
        self.note.setMaxLength(200)
        self.recipients = QListWidget()
        self.recipients.setMaximumHeight(110)
        self.form.add("kind", tr("信函类别"), self.kind)
        self.form.add("template", tr("模板"), template_row)
        self.form.add("way", tr("寄送方式"), self.way)
        self.form.add("sent_on", tr("发函日期"), self.sent_on)
        self.form.add("note", tr("备注"), self.note)
        self.form.add("recipients", tr("收信客户"), self.recipients)

        preview = QGroupBox(tr("信函内容") if single else tr("预览"))
        self.subject = QLineEdit()
        self.body = QPlainTextEdit()
        self.preview_hint = QLabel()
        self.preview_hint.setWordWrap(True)
        self.preview_hint.setStyleSheet("color: #666;")
        self.placeholder_hint = QLabel()
        self.placeholder_hint.setObjectName("placeholder_hint")
        self.placeholder_hint.setWordWrap(True)
        self.placeholder_hint.setStyleSheet("color: #b35900;")
        self.placeholder_hint.hide()
        box = QVBoxLayout(preview)
        box.addWidget(self.preview_hint)
        box.addWidget(self.placeholder_hint)
        box.addWidget(self.subject)
        box.addWidget(self.body, 1)
        self.subject.setReadOnly(not single)
        self.body.setReadOnly(not single)
        if single:
            self.preview_hint.setText(tr("可以直接修改这封信的事由和正文，修改只用于这一封。"))
            self.subject.textEdited.connect(self._mark_edited)
            self.body.textChanged.connect(self._body_changed)

        self.labels = QCheckBox(tr("附地址标签（每页 2×7 张，99.1×38.1 毫米）"))
        self.labels.setChecked(True)
        self.print_button = QPushButton(tr("打印/保存 PDF…"))
        self.print_button.clicked.connect(self.save_pdf)
        self.register_button = QPushButton(tr("登记"))
        self.register_button.setDefault(True)
        self.register_button.clicked.connect(self.register)
        self.close_button = QPushButton(tr("关闭"))
        self.close_button.clicked.connect(self._close)
        self.bar = QProgressBar()
        self.bar.hide()
        self.cancel_button = QPushButton(tr("取消生成"))
        self.cancel_button.clicked.connect(self.cancel_pdf)
        self.cancel_button.hide()
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.labels)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.register_button)
        buttons.addWidget(self.close_button)
        progress = QHBoxLayout()
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(preview, 1)
        layout.addLayout(progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self._redraft_timer = QTimer(self)
        self._redraft_timer.setSingleShot(True)
        self._redraft_timer.setInterval(300)
        self._redraft_timer.timeout.connect(self._redraft_if_date_changed)
        self.kind.currentIndexChanged.connect(lambda _i: self.load_templates())
        self.template.currentIndexChanged.connect(lambda _i: self.redraft())
        self.way.currentIndexChanged.connect(lambda _i: self._show_recipients())
        self.sent_on.dateChanged.connect(self._redraft_timer.start)
        self.recipients.currentRowChanged.connect(self._preview)
        self.load_templates(self._first_template_id)

    # -------------------------------------------------------------- drafting

    def load_templates(self, select_id: int | None = None, *, redraft: bool = True) -> None:
        current = select_id or self.template.currentData()
        self.template.blockSignals(True)
        self.template.clear()
        for t in self.letters.templates(self.kind.currentData()):
            self.template.addItem(t.name, t.id)
        index = self.template.findData(current) if current else -1
        self.template.setCurrentIndex(index if index >= 0 else 0)
        self.template.blockSignals(False)
        if redraft:
            self.redraft()

    def _date_for_drafts(self) -> dt.date:
        try:
            return self.sent_on.date("sent_on", "发函日期") or self.today_fn()
        except ValidationError:
            return self.today_fn()

    def redraft(self) -> None:
        """Fill the chosen template for every customer (edits to a single letter are lost)."""
        template_id = self.template.currentData()
        day = self._date_for_drafts()
        self._drafted_for = (template_id, day)
        if template_id is None:
            self.drafts = []
            show_errors(self.form,
                {"template": tr("这个类别还没有模板，请先用“编辑模板…”新建一个。")})
        else:
            self.form.clear_errors()
            self.drafts = self.letters.draft(template_id, self.customer_ids,
                                             campaign_id=self.campaign_id,
                                             request_id=self.request_id, today=day)
        self._edited = False
        self._show_recipients()
        self._preview(0)

    def _redraft_if_date_changed(self) -> None:
        if self._edited:
            return  # the clerk's own words win over the {日期} placeholder
        if self._drafted_for != (self.template.currentData(), self._date_for_drafts()):
            self.redraft()

    def _show_recipients(self) -> None:
        row = max(0, self.recipients.currentRow())
        self.recipients.blockSignals(True)
        self.recipients.clear()
        mail = self.way.currentData() == "mail"
        for d in self.drafts:
            address = d.address.strip()
            item = QListWidgetItem(f"{d.recipient}　{address or tr('（无地址）')}")
            if not address and mail:
                item.setForeground(QBrush(QColor("#c0392b")))
            self.recipients.addItem(item)
        self.recipients.setCurrentRow(min(row, self.recipients.count() - 1))
        self.recipients.blockSignals(False)
        missing = sum(1 for d in self.drafts if not d.address.strip())
        if len(self.drafts) > 1:
            text = tr("共 {n} 封，点选客户预览其信函。批量信函请用“编辑模板…”修改内容。").format(
                n=len(self.drafts))
            if missing:
                text += tr("其中 {m} 位客户没有地址。").format(m=missing)
            self.preview_hint.setText(text)
        self._show_unfilled()

    def _show_unfilled(self, text: str | None = None) -> None:
        """The orange line over the letter: what is still to fill in before printing."""
        if text is None:
            names = self.unfilled()
            text = tr("还有没填上的内容：{names}，填好之前不能打印。").format(
                names="、".join(names)) if names else ""
        self.placeholder_hint.setVisible(bool(text))
        self.placeholder_hint.setText(text)

    def _preview(self, row: int) -> None:
        self.subject.blockSignals(True)
        self.body.blockSignals(True)
        if 0 <= row < len(self.drafts):
            self.subject.setText(self.drafts[row].subject)
            self.body.setPlainText(self.drafts[row].body)
        else:
            self.subject.clear()
            self.body.clear()
        self.subject.blockSignals(False)
        self.body.blockSignals(False)

    def _mark_edited(self, *_args) -> None:
        self._edited = True
        self._show_unfilled()

    def _body_changed(self) -> None:
        self._edited = True
        self._show_unfilled()

    def unfilled(self) -> list[str]:
        """Placeholders the letters still show ({活动名称} in a letter with no campaign,
        {中心电话} before the center's phone is set), in the text as the clerk edited it."""
        letters = self.drafts
        if self._edited and len(letters) == 1:
            letters = [dataclasses.replace(letters[0], subject=self.subject.text(),
                                           body=self.body.toPlainText())]
        return ["{" + name + "}" for name in unfilled(letters)]

    def _unfilled_ok(self, action: str) -> bool:
        names = self.unfilled()
        return not names or common.confirm(self, action, tr(
            "信函中还有没填上的内容：{names}。仍要{action}吗？").format(
            names="、".join(names), action=action))

    def _apply_edits(self) -> None:
        if len(self.drafts) == 1 and not self.subject.isReadOnly():
            self.drafts[0].subject = self.subject.text().strip()
            self.drafts[0].body = self.body.toPlainText()

    def _sent_on(self) -> dt.date | None:
        try:
            day = self.sent_on.date("sent_on", "发函日期")
        except ValidationError as e:
            show_errors(self.form, {"sent_on": e.message})
            return None
        if day is None:
            show_errors(self.form, {"sent_on": tr("请填写发函日期。")})
        return day

    def open_templates(self) -> None:
        from ui.template_dialog import TemplateDialog

        dialog = TemplateDialog(self.letters, self)
        common.run(dialog)
        saved = dialog.saved_template_id
        if self._edited and len(self.drafts) == 1:
            # The clerk's own words stay; what the dialog made known (the letterhead just
            # filled in) replaces the {占位符} still in them.
            self._apply_edits()
            before = (self.drafts[0].subject, self.drafts[0].body)
            self.drafts[0] = self.letters.refill(
                self.drafts[0], campaign_id=self.campaign_id, request_id=self.request_id,
                today=self._date_for_drafts())
            self.load_templates(redraft=False)
            self._preview(0)
            self._show_unfilled()
            if before != (self.drafts[0].subject, self.drafts[0].body):
                self.status.setText(tr("你修改过的信函内容已保留，其中没填的内容已按新的信头填上；"
                                       "要改用模板的新内容，请在“模板”中重新选择。"))
            return
        if saved is not None:
            kind = next((t.kind for t in self.letters.templates() if t.id == saved), None)
            if kind and kind != self.kind.currentData():
                self.kind.blockSignals(True)
                self.kind.setCurrentIndex(self.kind.findData(kind))
                self.kind.blockSignals(False)
        self.load_templates(saved)

    # -------------------------------------------------------------- registering

    def register(self) -> bool:
        self.form.clear_errors()
        day = self._sent_on()
        if day is None:
            return False
        if not self.drafts:
            show_errors(self.form, {"template": tr("请先选择模板。")})
            return False
        self._apply_edits()
        if not self._unfilled_ok(tr("登记")):
            return False
        if len(self.drafts) == 1 and not self.drafts[0].body.strip():
            show_errors(self.form, {"recipients": tr("信函正文是空的。")})
            return False
        try:
            kind = self.kind.currentData()
            # only a 答复函 answers the request (another letter to the customer does not)
            ids = self.letters.register(
                self.drafts, kind=kind, way=self.way.currentData(),
                sent_on=day, campaign_id=self.campaign_id,
                request_id=self.request_id if kind == "reply" else None,
                note=self.note.text().strip())
        except ValidationError as e:
            show_errors(self.form, {FIELD_OF.get(e.field, "recipients"): e.message})
            return False
        self.registered_ids = ids
        self.letter_numbers = [x.letter_no for x in self.letters.for_print(ids)]
        for w in (self.register_button, self.kind, self.template, self.edit_templates,
                  self.way, self.sent_on, self.note, self.subject, self.body):
            w.setEnabled(False)
        self.close_button.setText(tr("完成"))
        self.status.setText(tr("已登记 {n} 封信函（{kind}，{way}，{day}），{numbers}。"
                               "现在打印，编号会印在信上。").format(
            n=len(ids), kind=self.kind.currentText(), way=self.way.currentText(), day=day,
            numbers=letter_numbers_text(self.letter_numbers)))
        self.registered.emit(ids)
        return True

    def _close(self) -> None:
        if self.registered_ids:
            self.accept()
        else:
            self.reject()

    # -------------------------------------------------------------- the PDF

    def pdf_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def save_pdf(self) -> None:
        self.form.clear_errors()
        day = self._sent_on()
        if day is None:
            return
        if not self.drafts:
            show_errors(self.form, {"template": tr("请先选择模板。")})
            return
        self._apply_edits()
        refused = unfilled_message(self.drafts, editable=not self.body.isReadOnly())
        if refused:
            # nothing is printed and nothing typed is touched: the clerk fills in and retries
            self._show_unfilled(tr(refused))
            common.warning(self, tr("不能打印"), tr(refused))
            return
        from ui.letterhead import warn_placeholder_center

        warn_placeholder_center(self, self.letters.center())
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        name = (f"信函-{self.drafts[0].recipient}-{day:%Y%m%d}.pdf" if len(self.drafts) == 1
                else f"信函-{len(self.drafts)}封-{day:%Y%m%d}.pdf")
        target, _ = QFileDialog.getSaveFileName(self, tr("保存信函 PDF"), str(Path(folder) / name),
                                                tr("PDF 文件 (*.pdf)"))
        if not target:
            return
        path = Path(target)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        if self.registered_ids:
            # Registered: print the letters as stored, each with its 编号.
            drafts = self.letters.for_print(self.registered_ids)
        else:
            drafts = [dataclasses.replace(d) for d in self.drafts]  # the worker's own copy
        center = self.letters.center()
        labels = self.labels.isChecked()
        self.pdf_path = path
        if len(drafts) <= self.THREAD_THRESHOLD:
            from app.letters_pdf import write_letters_pdf

            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                result = write_letters_pdf(drafts, center, path, labels=labels, sent_on=day)
            except Exception as e:
                log.exception("letters PDF failed")
                self._pdf_failed(pdf_error_text(path, e))
                return
            finally:
                QApplication.restoreOverrideCursor()
            self._pdf_done(result)
            return
        self._set_busy(True)
        self.bar.setRange(0, len(drafts))
        self.bar.setValue(0)
        self.status.setText(tr("正在生成 PDF…"))
        self._thread = QThread(self)
        self._worker = PdfWorker(drafts, center, path, labels, day)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._pdf_progress)
        self._worker.finished.connect(self._pdf_done)
        self._worker.failed.connect(self._pdf_failed)
        self._worker.finished.connect(self._thread.quit)
        self._worker.failed.connect(self._thread.quit)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()

    def cancel_pdf(self) -> None:
        if self._worker is not None and self.pdf_running():
            self._worker.cancel_requested = True
            self.status.setText(tr("正在取消…"))

    def _set_busy(self, busy: bool) -> None:
        self.bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.print_button.setEnabled(not busy)
        self.register_button.setEnabled(not busy and not self.registered_ids)
        self.close_button.setEnabled(not busy)

    def _pdf_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.status.setText(tr("正在生成 PDF：{done} / {total}").format(done=done, total=total))

    def _pdf_done(self, result) -> None:
        self._set_busy(False)
        self.pdf_result = result
        if result.cancelled:
            self.status.setText(tr("已取消，没有保存文件。"))
            return
        share(result.path)  # others on a shared PC can open it (the PDF writer makes 0600)
        lines = [tr("已保存 {path}：{letters} 封信函，{labels} 张地址标签，共 {pages} 页。").format(
            path=result.path, letters=result.letters, labels=result.labels, pages=result.pages)]
        if result.no_address:
            names = "、".join(result.no_address[:10]) + ("…" if len(result.no_address) > 10
                                                         else "")
            lines.append(tr("没有地址、未打印标签：{names}").format(names=names))
        if not self.registered_ids:
            lines.append(tr("信函还未登记，信上没有编号；登记后再打印，编号会印在信上。"))
        if result.font_note:
            lines.append(result.font_note)
        self.status.setStyleSheet("color: #b35900;" if result.font_note else "")
        self.status.setText("\n".join(lines))
        open_file(result.path)

    def _pdf_failed(self, message: str) -> None:
        self._set_busy(False)
        self.status.setStyleSheet("color: #c0392b;")
        self.status.setText(message)
        common.warning(self, tr("保存信函 PDF"), message)

    # -------------------------------------------------------------- closing

    def _stop_worker(self) -> None:
        if self.pdf_running():
            self._worker.cancel_requested = True
            self._thread.quit()
            self._thread.wait(10000)

    def reject(self) -> None:
        if self.pdf_running():
            self.cancel_pdf()
            return  # closes once the worker has stopped; the clerk presses 关闭 again
        if self.registered_ids:  # Escape after registering still reports them
            self.accept()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        self._stop_worker()
        super().closeEvent(event)
