"""文件 → 导入 in the window: progress off the UI thread, then the report."""

import openpyxl
import pytest

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
    wb.save(path)
    return path


def test_import_dialog_runs_and_reports(qtbot, store, archive, workbook, msgbox):
    from ui.import_dialog import ImportDialog

    existing = archive.create_customer(CustomerInput(name="老客户", phone="13900009999"))
    dialog = ImportDialog(store, workbook)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    report = dialog.report
    assert (report.rows, report.imported, report.merged, report.rejected) == (3, 1, 1, 1)
    text = dialog.text.toPlainText()
    assert "第 4 行" in text and "吴磊" in text and "备用列" in text
    assert dialog.save_report.isVisible() or not dialog.isVisible()
    assert archive.search_ids("zj") and not archive.search_ids("吴磊")
    assert {v.plate for v in archive.detail(existing).vehicles} == {"粤A10003"}
    dialog.thread.wait(5000)


def test_a_file_without_known_headers_says_so(qtbot, store, tmp_path, msgbox):
    from ui.import_dialog import ImportDialog

    path = tmp_path / "other.csv"
    path.write_text("订单号,金额\n1,2\n", encoding="utf-8")
    dialog = ImportDialog(store, path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "客户名称" in dialog.status.text(), timeout=20000)
    assert dialog.report is None
    dialog.thread.wait(5000)
