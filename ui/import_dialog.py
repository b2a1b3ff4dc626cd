"""文件 → 导入: import an archive workbook off the UI thread, with progress and a report."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from app.store import Store
from ui.common import tr


class ImportWorker(QObject):
    """Runs in its own thread; talks to the dialog only through signals."""

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, store: Store, path: Path, dry_run: bool = False,
                 default_clerk_id: int | None = None):
        super().__init__()
        self.store = store
        self.path = path
        self.dry_run = dry_run
        self.default_clerk_id = default_clerk_id
        self.cancel_requested = False

    def run(self) -> None:
        from app.importer import ImportFormatError, import_file

        try:
            report = import_file(
                self.store, self.path, dry_run=self.dry_run,
                progress=lambda done, total: self.progressed.emit(done, total),
                cancelled=lambda: self.cancel_requested,
                default_clerk_id=self.default_clerk_id,
            )
        except ImportFormatError as e:
            self.failed.emit(str(e))
        except Exception as e:  # the user sees why; the log has the traceback
            import logging

            logging.getLogger(__name__).exception("import failed")
            self.failed.emit(tr("导入失败：{e}").format(e=e))
        else:
            self.finished.emit(report)


class ImportDialog(QDialog):
    def __init__(self, store: Store, path: Path, parent: QWidget | None = None, *,
                 default_clerk_id: int | None = None):
        super().__init__(parent)
        self.store = store
        self.path = path
        self.report = None
        self.setWindowTitle(tr("导入客户档案 — {name}").format(name=path.name))
        self.resize(620, 420)
        self.status = QLabel(tr("正在读取 {name} …").format(name=path.name))
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消导入"))
        self.buttons.rejected.connect(self._cancel_or_close)
        self.save_report = self.buttons.addButton(tr("保存导入报告…"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.save_report.clicked.connect(self._save_report)
        self.save_report.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)

        self.thread = QThread(self)
        self.worker = ImportWorker(store, path, default_clerk_id=default_clerk_id)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._progress)
        self.worker.finished.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self.thread.quit)
        self.worker.failed.connect(self.thread.quit)
        self.thread.start()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.status.setText(tr("正在导入：{done} / {total} 行").format(done=done, total=total))

    def _finish_buttons(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("关闭"))

    def _done(self, report) -> None:
        self.report = report
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.status.setText(report.summary_text())
        lines = [report.summary_text(), ""]
        lines.append(tr("已对应的列：") + "、".join(f"{h}→{label}" for h, label in report.mapped))
        if report.ignored:
            lines.append(tr("未使用的列：") + "、".join(report.ignored))
        rejected = [line for line in report.lines if line.outcome == "rejected"]
        if rejected:
            lines += ["", tr("被拒绝的行：")]
            lines += [tr("第 {n} 行 {name}：{reason}").format(
                n=line.row_number, name=line.name, reason=line.reason) for line in rejected]
        self.text.setPlainText("\n".join(lines))
        self.save_report.show()
        self._finish_buttons()

    def _failed(self, message: str) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(message)
        self.text.setPlainText(message)
        self._finish_buttons()

    def _cancel_or_close(self) -> None:
        if self.thread.isRunning():
            self.worker.cancel_requested = True
            self.status.setText(tr("正在取消，已导入的内容不会保存…"))
            return
        self.reject()

    def _save_report(self) -> None:
        if self.report is None:
            return
        target, _ = QFileDialog.getSaveFileName(
            self, tr("保存导入报告"), str(self.path.with_name(self.path.stem + "-导入报告.xlsx")),
            tr("Excel 工作簿 (*.xlsx)"),
        )
        if target:
            self.report.write_xlsx(Path(target))

    def closeEvent(self, event) -> None:
        if self.thread.isRunning():
            self.worker.cancel_requested = True
            self.thread.quit()
            self.thread.wait(10000)
        super().closeEvent(event)
