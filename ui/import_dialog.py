"""文件 → 导入: check the file first, show what would happen, import only on 开始导入.

The check is the import itself run as a dry run (app.importer.import_file rolls it back),
so the preview is what the import will do: rows to create, merge and reject, warnings, and
the columns it recognised. Both runs happen off the UI thread, with progress and cancel;
cancelling either leaves the database as it was.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.register_import import RegisterReport
from app.store import Store
from ui.common import fit_to_screen, tr

# A sheet of 50k rows may warn on thousands: the dialog shows this many of each list, the
# saved report has them all.
SHOWN_LINES = 300


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


def _list_html(title: str, lines: list[str], color: str) -> str:
    if not lines:
        return ""
    shown = "".join(f"<li>{html.escape(line)}</li>" for line in lines[:SHOWN_LINES])
    more = ""
    if len(lines) > SHOWN_LINES:
        more = "<p>" + tr("……另有 {n} 条，保存报告可看到全部。").format(
            n=len(lines) - SHOWN_LINES) + "</p>"
    return (f"<h4 style='color:{color}'>{html.escape(title)}</h4>"
            f"<ul style='margin-left:-20px'>{shown}</ul>{more}")


def report_html(report, *, preview: bool) -> str:
    """The report as the dialog shows it: what (would) happen, the warnings and the
    rejections each under its own heading, then the columns it recognised."""
    if isinstance(report, RegisterReport):  # a call or letter register: its own words
        head = f"<p><b>{html.escape(report.summary_text())}</b></p>"
    else:
        done = tr("将导入") if preview else tr("已导入")
        counts = [
            (tr("新建客户"), tr("{n} 位").format(n=report.imported)),
            (tr("并入已有客户"), tr("{n} 行").format(n=report.merged)),
            (tr("有警告（照常导入，无法识别的内容留空）"), tr("{n} 行").format(n=report.warned)),
            (tr("拒绝（不导入）"), tr("{n} 行").format(n=report.rejected)),
        ]
        rows = "".join(
            f"<tr><td>{html.escape(label)}</td><td align=right><b>{value}</b></td></tr>"
            for label, value in counts
        )
        head = (f"<h4>{done}（{tr('共 {n} 行').format(n=report.rows)}）</h4>"
                f"<table cellspacing=0 cellpadding=2>{rows}</table>")
    mapped = "".join(
        f"<tr><td>{html.escape(header)}</td><td>→ {html.escape(label)}</td></tr>"
        for header, label in report.mapped
    )
    ignored = ""
    if report.ignored:
        ignored = (f"<p><span style='color:#777'>{tr('未使用的列')}：</span>"
                   f"{html.escape('、'.join(report.ignored))}</p>")
    warnings = report.warning_texts()
    return (
        head
        + _list_html(tr("警告 {n} 条（这些行照常导入，无法识别的内容留空）").format(
            n=len(warnings)), warnings, "#b35c00")
        + _list_html(tr("拒绝 {n} 行（没有导入）").format(n=report.rejected),
                     report.rejection_texts(), "#c0392b")
        + f"<h4>{tr('识别的列')}（{len(report.mapped)}）</h4>"
        f"<table cellspacing=0 cellpadding=1>{mapped}</table>{ignored}"
    )


class ImportDialog(QDialog):
    """Choose a file (or be given one), see the check's report, then 开始导入 or 取消."""

    def __init__(self, store: Store, path: Path | None = None, parent: QWidget | None = None,
                 *, default_clerk_id: int | None = None):
        super().__init__(parent)
        self.store = store
        self.default_clerk_id = default_clerk_id
        self.path: Path | None = None
        self.preview = None  # the check's report (nothing written)
        self.report = None  # the import's report (written)
        self.thread: QThread | None = None
        self.worker: ImportWorker | None = None
        self._close_when_stopped = False
        self.setWindowTitle(tr("导入客户档案"))
        fit_to_screen(self, 760, 600)

        self.file_label = QLabel(tr("还没有选择文件"))
        self.file_label.setWordWrap(True)
        self.choose_button = QPushButton(tr("选择文件…"))
        self.choose_button.clicked.connect(self._choose)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("文件：")))
        top.addWidget(self.file_label, 1)
        top.addWidget(self.choose_button)
        self.status = QLabel(tr("请选择要导入的 Excel 或 CSV 文件。"))
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.text = QTextBrowser()
        self.text.setObjectName("importReport")
        self.text.setOpenLinks(False)

        self.buttons = QDialogButtonBox()
        self.save_report = self.buttons.addButton(tr("保存报告…"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.save_report.clicked.connect(self._save_report)
        self.save_report.hide()
        self.start_button = self.buttons.addButton(tr("开始导入"),
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setEnabled(False)
        self.cancel_button = self.buttons.addButton(tr("取消"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.buttons)
        if path is not None:
            self.choose_file(Path(path))

    # -- what the clerk does

    def choose_file(self, path: Path) -> None:
        """Check this file: a dry run whose report fills the dialog; nothing is written."""
        self._stop_worker()
        self.path = Path(path)
        self.preview = self.report = None
        self.setWindowTitle(tr("导入客户档案 — {name}").format(name=self.path.name))
        self.file_label.setText(str(self.path))
        self.text.clear()
        self.save_report.hide()
        self.start_button.setEnabled(False)
        self.status.setText(tr("正在检查 {name} …（只检查，不写入）").format(name=self.path.name))
        self._start(dry_run=True)

    def start_import(self) -> None:
        """开始导入: the checked file, for real, in one transaction."""
        if self.path is None or self.preview is None or self._running():
            return
        self.start_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        self.save_report.hide()
        self.cancel_button.setText(tr("取消导入"))
        self.status.setText(tr("正在导入 {name} …").format(name=self.path.name))
        self._start(dry_run=False)

    def reject(self) -> None:
        """取消 / Esc / the close box: while a run is on, stop it first (it rolls back)."""
        if self._running():
            assert self.worker is not None
            self.worker.cancel_requested = True
            if self.worker.dry_run:
                self._close_when_stopped = True
                self.status.setText(tr("正在取消检查…"))
            else:
                self.status.setText(tr("正在取消，已导入的内容不会保存…"))
            return
        super().reject()

    # -- the runs

    def _running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def _start(self, *, dry_run: bool) -> None:
        assert self.path is not None
        self._stop_worker()
        self.bar.setRange(0, 0)
        self.thread = QThread(self)
        self.worker = ImportWorker(self.store, self.path, dry_run=dry_run,
                                   default_clerk_id=self.default_clerk_id)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._progress)
        self.worker.finished.connect(self._checked if dry_run else self._done)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self.thread.quit)
        self.worker.failed.connect(self.thread.quit)
        self.thread.start()

    def _stop_worker(self) -> None:
        if self.thread is not None:
            if self.worker is not None:
                self.worker.cancel_requested = True
            self.thread.quit()
            self.thread.wait(10000)

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        checking = self.worker is not None and self.worker.dry_run
        text = tr("正在检查：{done} / {total} 行") if checking else tr(
            "正在导入：{done} / {total} 行")
        self.status.setText(text.format(done=done, total=total))

    def _run_ended(self) -> None:
        """The worker has sent its last signal: let its thread finish before going on."""
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait(10000)

    def _checked(self, report) -> None:
        self._run_ended()
        self.preview = report
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        if self._close_when_stopped:
            super().reject()
            return
        self.text.setHtml(report_html(report, preview=True))
        self.save_report.show()
        ready = report.imported + report.merged > 0
        self.start_button.setEnabled(ready)
        if ready:
            self.start_button.setDefault(True)
            self.status.setText(tr("检查完毕，还没有写入任何内容。核对下面的结果后按“开始导入”；"
                                   "按“取消”则不导入。"))
        else:
            self.status.setText(tr("检查完毕：这个文件中没有可以导入的行。"))

    def _done(self, report) -> None:
        self._run_ended()
        self.report = report
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        done = tr("导入完成，已写入档案。")
        if report.rejected:
            done += tr("被拒绝的行没有导入：改正后可再次导入同一文件，已导入的行不会重复。")
        self.status.setText(done)
        self.text.setHtml(report_html(report, preview=False))
        self.save_report.show()
        self.start_button.hide()
        self.cancel_button.setText(tr("关闭"))

    def _failed(self, message: str) -> None:
        """The file cannot be read, or the import failed or was cancelled: nothing written."""
        self._run_ended()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        if self._close_when_stopped:
            super().reject()
            return
        self.status.setText(message)
        self.choose_button.setEnabled(True)
        importing = self.worker is not None and not self.worker.dry_run
        if importing:  # the check's report still holds: the clerk may try again
            self.start_button.setEnabled(True)
            self.cancel_button.setText(tr("关闭"))
        else:
            self.text.setPlainText(message)
            self.start_button.setEnabled(False)

    def _choose(self) -> None:
        start = str(self.path.parent if self.path else Path.home())
        chosen, _ = QFileDialog.getOpenFileName(
            self, tr("导入客户档案"), start, tr("Excel 或 CSV (*.xlsx *.xlsm *.csv)"))
        if chosen:
            self.choose_file(Path(chosen))

    def _save_report(self) -> None:
        report = self.report or self.preview
        if report is None or self.path is None:
            return
        suffix = "-导入报告.xlsx" if self.report else "-检查报告.xlsx"
        target, _ = QFileDialog.getSaveFileName(
            self, tr("保存报告"), str(self.path.with_name(self.path.stem + suffix)),
            tr("Excel 工作簿 (*.xlsx)"),
        )
        if target:
            report.write_xlsx(Path(target))

    def closeEvent(self, event) -> None:
        if self._running():
            assert self.worker is not None
            self.worker.cancel_requested = True
            self.thread.quit()
            self.thread.wait(10000)
        super().closeEvent(event)
