"""One bad number never aborts an import (issue 14): each is that row's warning or rejection,
with its reason, and the other rows go in."""

from __future__ import annotations

import csv

import pytest

from app.importer import import_file

BASE = {"客户名称": "张伟", "联系电话": "13812345678", "车号": "粤A12345",
        "送修日期": "2026-11-01", "维修养护项目": "更换机油", "行驶里程": "12000",
        "保养周期": "6个月", "地址": "广州", "金额": "100"}
GOOD = {**BASE, "客户名称": "李娜", "联系电话": "13900001111", "车号": "粤B54321"}


@pytest.mark.parametrize(("field", "value", "said"), [
    ("行驶里程", "1e999", "应为数字"),
    ("行驶里程", "inf", "应为数字"),
    ("行驶里程", "9" * 25, "太大"),
    ("保养周期", "99999个月", "太长"),
    ("金额", "9" * 25, "应为金额"),
    ("送修日期", "1899-12-31", "1950"),
    ("地址", "长" * 140_000, "太长"),
    ("联系电话", "1.38123E+10", "科学计数法"),
])
def test_a_bad_value_is_that_rows_reason_and_the_rest_imports(store, tmp_path, field, value,
                                                               said):
    path = tmp_path / "sheet.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(list(BASE))
        writer.writerow(list({**BASE, field: value}.values()))
        writer.writerow(list(GOOD.values()))
    report = import_file(store, path)
    messages = report.warning_texts() + report.rejection_texts()
    assert len(messages) == 1 and said in messages[0] and "第 2 行" in messages[0]
    assert report.imported >= 1  # 李娜 (and 张伟 unless only the phone could name him)
    assert any(line.name == "李娜" and line.outcome == "imported" for line in report.lines)
