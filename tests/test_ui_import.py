"""文件 → 导入 in the window: the check's report first, the import only on 开始导入."""

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.archive import CustomerInput


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "客户档案.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户档案基本资料表"])
    ws.append(["客户姓名", "手机", "车牌号", "车型", "进厂日期", "维修项目", "备用列"])
    ws.append(["周杰", "13811112222", "粤A10001", "大众朗逸", "2026-03-05", "更换机油机滤", "x"])
    ws.append(["吴磊", "12345", "粤A10002", "丰田卡罗拉", "2026/3/6", "", ""])
    ws.append(["老客户", "13900009999", "粤A10003", "本田雅阁", "2026年3月7日", "四轮定位", ""])
    ws.append(["郑爽", "13822223333", "粤X", "", "", "", ""])
    wb.save(path)
    return path


def customers(archive) -> int:
    return archive.count()


def open_dialog(qtbot, store):
    from ui.import_dialog import ImportDialog

    dialog = ImportDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_check_is_shown_and_nothing_is_written_until_confirmed(qtbot, store, archive,
                                                                   workbook, msgbox):
    existing = archive.create_customer(CustomerInput(name="老客户", phone="13900009999"))
    dialog = open_dialog(qtbot, store)
    assert not dialog.start_button.isEnabled()  # no file yet
    before = customers(archive)

    dialog.choose_file(workbook)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    assert customers(archive) == before and not archive.search_ids("zj")
    text = dialog.text.toPlainText()
    # What would happen, then warnings and rejections apart, then the columns it recognised.
    assert "将导入（共 4 行）" in text
    assert "新建客户\n2 位" in text and "并入已有客户\n1 行" in text
    assert "拒绝（不导入）\n1 行" in text
    warnings, rejections, columns = (text.index("警告 1 条"), text.index("拒绝 1 行（没有导入）"),
                                     text.index("识别的列"))
    assert warnings < text.index("第 6 行 郑爽：车牌号“粤X”无法识别，已留空") < rejections
    assert rejections < text.index("第 4 行 吴磊：手机：电话“12345”不对") < columns
    assert columns < text.index("客户姓名\n→ 客户名称") and "未使用的列：备用列" in text
    assert "没有写入" in dialog.status.text()
    assert dialog.start_button.isEnabled() and dialog.start_button.text() == "开始导入"

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert customers(archive) == before + 2
    assert archive.search_ids("zj") and archive.search_ids("郑爽")
    assert not archive.search_ids("吴磊")
    assert {v.plate for v in archive.detail(existing).vehicles} == {"粤A10003"}
    assert archive.detail(archive.search_ids("郑爽")[0]).vehicles == []  # the plate left empty
    assert "导入完成" in dialog.status.text() and "已导入（共 4 行）" in dialog.text.toPlainText()
    assert dialog.cancel_button.text() == "关闭" and dialog.save_report.isVisible()
    assert not dialog.start_button.isVisible()


def test_cancel_after_the_check_imports_nothing(qtbot, store, archive, workbook, msgbox):
    dialog = open_dialog(qtbot, store)
    before = customers(archive)
    dialog.choose_file(workbook)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert customers(archive) == before and not archive.search_ids("zj")


def test_cancel_while_checking_closes_and_imports_nothing(qtbot, store, archive, workbook,
                                                          msgbox):
    dialog = open_dialog(qtbot, store)
    before = customers(archive)
    with qtbot.waitSignal(dialog.finished, timeout=20000):
        dialog.choose_file(workbook)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    # on a loaded machine the worker's thread may take a moment to wind down after closing
    qtbot.waitUntil(lambda: not dialog.thread.isRunning(), timeout=15000)
    assert dialog.report is None
    assert customers(archive) == before


def test_a_file_without_known_headers_says_so(qtbot, store, tmp_path, msgbox):
    from ui.import_dialog import ImportDialog

    path = tmp_path / "other.csv"
    path.write_text("订单号,金额\n1,2\n", encoding="utf-8")
    dialog = ImportDialog(store, path)  # the window passes the file it asked for
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "客户名称" in dialog.status.text(), timeout=20000)
    assert dialog.preview is None and not dialog.start_button.isEnabled()
    assert dialog.choose_button.isEnabled()
    dialog.thread.wait(5000)


def test_cancel_during_the_import_saves_nothing(qtbot, store, archive, workbook, msgbox,
                                                monkeypatch):
    import threading

    from app import importer

    dialog = open_dialog(qtbot, store)
    before = customers(archive)
    dialog.choose_file(workbook)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    # Hold the import inside its first batch until the clerk has pressed 取消导入.
    go, inside = threading.Event(), threading.Event()
    rows = importer._Importer.import_rows

    def held(self, batch):
        inside.set()
        go.wait(10)
        return rows(self, batch)

    monkeypatch.setattr(importer._Importer, "import_rows", held)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert inside.wait(10)
    assert dialog.cancel_button.text() == "取消导入" and not dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "正在取消" in dialog.status.text()
    go.set()
    qtbot.waitUntil(lambda: "已取消导入" in dialog.status.text(), timeout=20000)
    assert dialog.report is None and customers(archive) == before
    assert dialog.cancel_button.text() == "关闭" and dialog.start_button.isEnabled()
