"""The import template: an empty 客户档案基本资料表 workbook plus a sheet explaining each column.

The example row lives only on the instructions sheet, which the importer never reads, so a
clerk who fills the template without deleting anything imports no made-up customer.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from app.importer import COLUMN_BY_KEY, iter_columns
from app.sheets import INSTRUCTIONS_SHEET

DATA_SHEET = "客户档案"
# Enough formatted rows for a season's worth of typing; Excel extends formats anyway.
FORMATTED_ROWS = 2000

REQUIRED = {"name"}
DATE_KEYS = {
    "intake_date", "pickup_date", "next_maintenance_date",
    "purchase_date", "warranty_end", "insurance_expiry",
}
TEXT_KEYS = {"phone", "plate", "vin"}  # digits that must not turn into numbers
WIDE_KEYS = {"address": 28, "service_items": 30, "services_wanted": 24, "notes": 24}

# key → (how to fill it, example)
HELP: dict[str, tuple[str, str]] = {
    "name": ("必填。个人写姓名，单位写单位全称。", "张伟"),
    "phone": (
        "新客户必填。手机 11 位；座机带区号，如 0755-12345678。两个号码用“/”隔开。"
        "与档案中已有客户的电话相同时，本行并入该客户。",
        "13812345678",
    ),
    "address": ("选填。", "广州市天河区体育西路 1 号"),
    "contact_person": ("选填。单位客户的联系人。", "李经理"),
    "plate": (
        "选填。普通车牌 7 位（粤B12345），新能源车牌 8 位（粤BD12345）。"
        "与档案中已有车辆相同时，本行并入该车的车主。",
        "粤A12345",
    ),
    "model": ("选填。品牌和型号。", "丰田卡罗拉"),
    "vehicle_kind": ("选填。如 轿车、SUV、货车、新能源。", "轿车"),
    "intake_date": (
        "有维修、保养或来访记录时必填。可写 2026-03-05、2026/3/5、2026.3.5 或 2026年3月5日。",
        "2026-03-05",
    ),
    "pickup_date": ("选填。不能早于送修日期。", "2026-03-06"),
    "service_items": ("选填。本次维修、保养的内容。", "更换机油、机滤"),
    "cycle": ("选填。写 6个月、5000公里 或 6个月/5000公里。", "6个月/5000公里"),
    "next_maintenance_date": (
        "选填。不填时，保养记录按保养周期（月）自动推算。", "2026-09-06",
    ),
    "mileage_km": ("选填。公里数，可写 35000 或 3.5万。", "35000"),
    "amount": ("选填。单位元，最多两位小数。", "450.00"),
    "visit_kind": (
        "选填。维修、保养、咨询 或 来访。不填时：有车号和送修日期按维修，"
        "维修养护项目含“保养”按保养，否则按来访。",
        "保养",
    ),
    "comeback": ("选填。是 或 否，不填为否。", "否"),
    "services_wanted": ("选填。", "希望保养到期前电话提醒"),
    "notes": ("选填。", ""),
    "region": ("选填。如 天河、番禺。", "天河"),
    "vin": ("选填。17 位车辆识别代号。", "LVGBE40K8GP123456"),
    "purchase_date": ("选填。日期写法同送修日期。", "2024-03-01"),
    "warranty_end": ("选填。", "2027-03-01"),
    "insurance_expiry": ("选填。", "2027-02-28"),
    "clerk": ("选填。写本系统中员工的姓名或登录名。", "管理员"),
}

GENERAL_NOTES = (
    "在“客户档案”表第 2 行起逐行填写，每行一次维修、保养或来访；同一客户多次来店可写多行。",
    "电话或车号与已有客户相同的行会并入该客户，不会重复建档；同一文件重复导入不会产生重复记录。",
    "档案编号由系统自动分配，不用填写。",
    "有错误的行不会导入，导入结束后可保存导入报告，查看每行的结果和原因。",
    "列名也可以写成常见的其他叫法，例如 客户姓名、手机、车牌号、进厂日期。",
)


def template_keys() -> list[str]:
    """The form's columns; a second phone goes into the phone cell after a '/'."""
    return [c.key for c in iter_columns() if c.key != "phone2"]


def display_width(text: str) -> int:
    """Width in Excel character units: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_template(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    keys = template_keys()

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append([COLUMN_BY_KEY[k].label for k in keys])
    for i, key in enumerate(keys, start=1):
        cell = ws.cell(1, i)
        cell.font = Font(bold=True, color="C00000") if key in REQUIRED else bold
        cell.fill = header_fill
        letter = get_column_letter(i)
        example = HELP[key][1]
        width = max(display_width(cell.value), display_width(example), 10) + 2
        ws.column_dimensions[letter].width = WIDE_KEYS.get(key, width)
        cells = f"{letter}2:{letter}{FORMATTED_ROWS}"
        if key in DATE_KEYS:
            for (c,) in ws[cells]:
                c.number_format = "yyyy-mm-dd"
        elif key in TEXT_KEYS:
            for (c,) in ws[cells]:
                c.number_format = "@"
        choices = {"visit_kind": "维修,保养,咨询,来访", "comeback": "是,否"}.get(key)
        if choices:
            dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
            dv.error = "请从列表中选择。"
            ws.add_data_validation(dv)
            dv.add(cells)
    ws.freeze_panes = "A2"

    help_ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    help_ws.append(["客户档案导入说明"])
    help_ws["A1"].font = Font(bold=True, size=14)
    for note in GENERAL_NOTES:
        help_ws.append([f"· {note}"])
    help_ws.append([])
    help_ws.append(["列名", "是否必填", "填写说明", "示例（仅供参考，不会导入）"])
    table_top = help_ws.max_row
    for cell in help_ws[table_top]:
        cell.font = bold
        cell.fill = header_fill
    example_font = Font(italic=True, color="808080")
    wrap = Alignment(wrap_text=True, vertical="top")
    for key in keys:
        text, example = HELP[key]
        required = "必填" if key in REQUIRED else "新客户必填" if key == "phone" else ""
        help_ws.append([COLUMN_BY_KEY[key].label, required, text, example])
        row = help_ws.max_row
        help_ws.cell(row, 3).alignment = wrap
        help_ws.cell(row, 4).font = example_font
    for letter, width in zip("ABCD", (20, 12, 70, 30), strict=True):
        help_ws.column_dimensions[letter].width = width
    wb.save(path)
