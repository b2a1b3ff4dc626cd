"""Importing old customer-archive spreadsheets: messy headers, messy cells, merging, reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.archive import ArchiveService, CustomerInput, VehicleInput
from app.importer import (
    ImportCancelled,
    ImportFormatError,
    import_file,
    parse_cycle,
    recognise_header,
)
from app.normalize import ValidationError
from app.staff import StaffService
from app.store import Store
from app.template import template_keys, write_template
from db.models import Counter, Customer, Role, Vehicle, Visit, VisitKind

HEADERS = [
    "档案编号", " 客户姓名 ", "手机：", "车牌号", "品牌车型", "进厂日期", "出厂时间",
    "维修项目", "保养周期", "里程", "金额", "类别", "返修", "微信号", "备注",
]


def row(name, phone, plate=None, intake=None, pickup=None, items=None, cycle=None,
        mileage=None, amount=None, kind=None, comeback=None, wechat=None, notes=None,
        model=None):
    return [None, name, phone, plate, model, intake, pickup, items, cycle, mileage, amount,
            kind, comeback, wechat, notes]


# (spreadsheet row number, values); row 6 is left blank on purpose.
ROWS = {
    4: row("张伟", "１３８ １２３４ ５６７８", " 粤A12345 ", dt.datetime(2026, 3, 5), "2026/3/6",
           "更换机油、机滤", "6个月/5000公里", "３５０００", "450.5", "保养", "否", "zw001",
           model="丰田卡罗拉"),
    5: row("李娜", 13700002222, "粤BD12345", "2026.3.5", items="检查电池", kind="维修"),
    7: row(" 陈 明", "13600003333", "粤C33333", "2026年3月5日", amount=1200),
    8: row("刘洋", "1381234", "粤D11111", "2026-03-05"),
    9: row("孙丽", "13500005555", "粤A1234", "2026-03-05"),
    10: row("周杰", "13400004444", "粤D44444", "2026-02-30"),
    11: row("吴敏", "13300003333", "粤E55555", "2026-03-05", "2026-03-01"),
    12: row("王芳", "139-0000-1111", "粤A66666", "2026-03-10", items="补胎"),
    13: row("赵先生", None, "粤B22222", dt.date(2026, 3, 11), items="换雨刮"),
    14: row("张伟", "13812345678", "粤A12345", "2026-04-01", items="更换刹车片"),
    15: row("郑爽", "13200002222", None, "2026-03-05", kind="来访"),
}
# A row is rejected only when it cannot say who the customer is: 刘洋's one phone is bad and
# his plate is not in the archive. A field that cannot be read is left empty with a warning.
REJECTED = {8: ("手机", "1381234")}
WARNED = {9: ("车牌号", "粤A1234", "已留空，本行的来访记录未导入"),
          10: ("进厂日期", "2026-02-30", "本行的来访记录未导入"),
          11: ("出厂时间", "2026-03-01", "出厂时间已留空")}


def messy_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "客户档案基本资料表"
    ws["A2"] = "制表：前台"
    for col, header in enumerate(HEADERS, start=1):
        ws.cell(3, col, header)
    for number, values in ROWS.items():
        for col, value in enumerate(values, start=1):
            ws.cell(number, col, value)
    wb.save(path)
    return path


@pytest.fixture
def db(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 't.sqlite'}")
    admin = StaffService(store).create("admin", "管理员", Role.ADMIN, "secret12")
    store.actor_id = admin.id
    archive = ArchiveService(store)
    archive.create_customer(CustomerInput(name="王芳", phone="13900001111"),
                            [VehicleInput(plate="粤A11111")])
    archive.create_customer(CustomerInput(name="赵强", phone="0755-88776655"),
                            [VehicleInput(plate="粤B22222")])
    yield store
    store.close()


@pytest.fixture
def messy(tmp_path) -> Path:
    return messy_workbook(tmp_path / "客户档案.xlsx")


def counts(store: Store) -> dict[str, int]:
    with store.read() as s:
        return {
            "customers": s.scalar(select(func.count(Customer.id))),
            "vehicles": s.scalar(select(func.count(Vehicle.id))),
            "visits": s.scalar(select(func.count(Visit.id))),
            "counter": s.scalar(select(Counter.last_value)),
        }


def customer_by_name(store: Store, name: str) -> Customer:
    with store.read() as s:
        return s.scalars(select(Customer).where(Customer.name == name)).one()


def test_messy_workbook_imports_merges_and_rejects(db, messy):
    report = import_file(db, messy)

    assert report.as_json_dict() == {"rows": 11, "imported": 7, "merged": 3, "rejected": 1}
    assert report.rows == report.imported + report.merged + report.rejected == len(report.lines)
    outcomes = {line.row_number: line.outcome for line in report.lines}
    assert outcomes == {
        4: "imported", 5: "imported", 7: "imported", 8: "rejected", 9: "imported",
        10: "imported", 11: "imported", 12: "merged", 13: "merged", 14: "merged",
        15: "imported",
    }
    for line in report.lines:
        if line.outcome == "rejected":
            column, value = REJECTED[line.row_number]
            assert line.reason.startswith(column) and value in line.reason, line.reason
            assert line.archive_no is None and line.warnings == ()
        elif line.row_number in WARNED:
            column, value, cost = WARNED[line.row_number]
            (warning,) = line.warnings
            assert warning.startswith(f"{column}“{value}”") and cost in warning, warning
            assert line.archive_no is not None
        else:
            assert line.warnings == ()
    assert report.warned == 3
    assert report.warning_texts()[0].startswith("第 9 行 孙丽：车牌号“粤A1234”无法识别，已留空")
    assert report.rejection_texts() == [f"第 8 行 刘洋：{report.lines[3].reason}"]

    labels = dict(report.mapped)
    assert labels["客户姓名"] == "客户名称"
    assert labels["手机"] == "联系电话"
    assert labels["车牌号"] == "车号"
    assert labels["进厂日期"] == "送修日期"
    assert labels["品牌车型"] == "车型"
    assert report.ignored == ["微信号"]
    assert "微信号" in report.summary_text()

    # 2 customers were there; 7 new ones, merged rows add vehicles and visits only. 孙丽 has
    # no car (her plate is unreadable), and neither she nor 周杰 (a date that does not
    # exist) has the visit; 吴敏's visit is there without its impossible pickup date.
    assert counts(db) == {"customers": 9, "vehicles": 8, "visits": 8, "counter": 9}


def test_cells_are_normalised(db, messy):
    import_file(db, messy)
    zhang = customer_by_name(db, "张伟")
    assert zhang.phone == "13812345678"
    assert customer_by_name(db, "陈 明").phone == "13600003333"  # stray spaces trimmed
    with db.read() as s:
        car = s.scalars(select(Vehicle).where(Vehicle.plate == "粤A12345")).one()
        assert car.customer_id == zhang.id and car.model == "丰田卡罗拉"
        assert (car.maintenance_cycle_months, car.maintenance_cycle_km) == (6, 5000)
        # A maintenance visit picked up 2026-03-06, six-month cycle.
        assert car.next_maintenance_date == dt.date(2026, 9, 6)
        visits = s.scalars(
            select(Visit).where(Visit.customer_id == zhang.id).order_by(Visit.intake_date)
        ).all()
        assert [(v.kind, v.intake_date) for v in visits] == [
            (VisitKind.MAINTENANCE, dt.date(2026, 3, 5)),
            (VisitKind.REPAIR, dt.date(2026, 4, 1)),  # no 类别: vehicle and date → 维修
        ]
        first = visits[0]
        assert first.pickup_date == dt.date(2026, 3, 6)
        assert (first.mileage_km, first.amount_fen, first.is_comeback) == (35000, 45050, False)
        dates = dict(s.execute(
            select(Customer.name, Visit.intake_date).join(Visit, Visit.customer_id == Customer.id)
            .where(Customer.name.in_(["李娜", "陈 明", "郑爽"]))
        ).all())
        assert set(dates.values()) == {dt.date(2026, 3, 5)}  # 2026.3.5, 2026年3月5日, 2026-03-05
        ev = s.scalars(select(Vehicle).where(Vehicle.plate == "粤BD12345")).one()
        assert ev.customer_id == customer_by_name(db, "李娜").id
        zheng = customer_by_name(db, "郑爽")
        visit = s.scalars(select(Visit).where(Visit.customer_id == zheng.id)).one()
        assert visit.kind == VisitKind.VISIT and visit.vehicle_id is None


def test_rows_merge_by_phone_by_plate_and_within_the_file(db, messy):
    report = import_file(db, messy)
    lines = {line.row_number: line for line in report.lines}
    wang, zhao = customer_by_name(db, "王芳"), customer_by_name(db, "赵强")
    zhang = customer_by_name(db, "张伟")

    assert lines[12].archive_no == wang.archive_no and "粤A66666" in lines[12].reason
    assert lines[13].archive_no == zhao.archive_no  # no phone, but the plate is known
    assert lines[14].archive_no == lines[4].archive_no == zhang.archive_no
    with db.read() as s:
        plates = s.scalars(
            select(Vehicle.plate).where(Vehicle.customer_id == wang.id).order_by(Vehicle.id)
        ).all()
        assert plates == ["粤A11111", "粤A66666"]
        assert s.scalar(select(func.count(Visit.id)).where(Visit.customer_id == zhao.id)) == 1
    assert customer_by_name(db, "赵强").phone == "0755-88776655"


def test_dry_run_reports_the_same_and_saves_nothing(db, messy):
    before = counts(db)
    dry = import_file(db, messy, dry_run=True)
    assert counts(db) == before
    assert ArchiveService(db).search_ids("张伟") == []
    real = import_file(db, messy)
    assert dry == real


def test_importing_the_same_file_twice_adds_nothing(db, messy):
    import_file(db, messy)
    after_first = counts(db)
    again = import_file(db, messy)
    assert counts(db) == after_first
    assert again.as_json_dict() == {"rows": 11, "imported": 0, "merged": 10, "rejected": 1}
    for line in again.lines:
        if line.outcome == "merged":
            assert "已存在，未重复导入" in line.reason


def test_imported_customers_are_searchable(db, messy):
    import_file(db, messy)
    archive = ArchiveService(db)
    zhang = customer_by_name(db, "张伟").id
    assert archive.search_ids("张伟") == [zhang]
    assert archive.search_ids("zw") == [zhang]
    assert archive.search_ids("5678") == [zhang]
    assert archive.search_ids("bd123") == [customer_by_name(db, "李娜").id]
    # A vehicle merged into an existing customer is searchable under that customer.
    assert archive.search_ids("a666") == [customer_by_name(db, "王芳").id]


def test_progress_reaches_the_end(db, messy):
    seen = []
    import_file(db, messy, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 11) and seen[-1] == (11, 11)


def test_cancel_saves_nothing(db, messy):
    before = counts(db)
    with pytest.raises(ImportCancelled) as e:
        import_file(db, messy, cancelled=lambda: True)
    assert "取消" in str(e.value)
    assert counts(db) == before


def test_gb18030_csv(db, tmp_path):
    text = (
        "客户名称,联系电话,车号,送修日期,保养周期,下次保养期,类别\r\n"
        "钱进,13011112222,粤G12345,2026-05-01,6个月,2026-12-01,保养\r\n"
        ",,,,,,\r\n"
        "钱进,13011112222,粤G12345,2026-05-01,6个月,2026-12-01,保养\r\n"
        "欧阳修,,,2026-05-02,,,\r\n"
    )
    path = tmp_path / "旧档案.csv"
    path.write_bytes(text.encode("gb18030"))
    report = import_file(db, path)
    assert report.as_json_dict() == {"rows": 3, "imported": 1, "merged": 1, "rejected": 1}
    assert [line.row_number for line in report.lines] == [2, 4, 5]
    assert "联系电话" in report.lines[2].reason
    with db.read() as s:
        car = s.scalars(select(Vehicle).where(Vehicle.plate == "粤G12345")).one()
        assert car.next_maintenance_date == dt.date(2026, 12, 1)  # the sheet's date wins


def test_utf8_csv_with_bom(db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("姓名,手机\n孔明,13022223333\n", encoding="utf-8-sig")
    assert import_file(db, path).imported == 1
    assert customer_by_name(db, "孔明").phone == "13022223333"


def test_report_workbook_has_one_line_per_row(db, messy, tmp_path):
    report = import_file(db, messy)
    out = tmp_path / "报告.xlsx"
    report.write_xlsx(out)
    wb = openpyxl.load_workbook(out)
    results = wb["导入结果"]
    assert [c.value for c in results[1]] == ["行号", "结果", "档案编号", "客户名称", "原因",
                                             "警告"]
    body = list(results.iter_rows(min_row=2, values_only=True))
    assert len(body) == report.rows
    assert [r[0] for r in body] == [line.row_number for line in report.lines]
    assert {r[1] for r in body} == {"新建", "合并", "拒绝"}
    assert {r[0] for r in body if r[5]} == set(WARNED)  # 警告, apart from 原因
    assert "粤A1234" in next(r[5] for r in body if r[0] == 9)
    mapping = {r[0]: r[1] for r in wb["列映射"].iter_rows(min_row=2, values_only=True)}
    assert mapping["客户姓名"] == "客户名称" and mapping["微信号"] == "（未使用）"
    wb.close()


def test_template_round_trips_to_nothing(db, tmp_path):
    path = tmp_path / "导入模板.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["客户档案", "填写说明"]
    headers = [c.value for c in wb["客户档案"][1]]
    assert headers[:3] == ["客户名称", "联系电话", "地址"] and "跟踪业务员" in headers
    assert wb["客户档案"]["A1"].font.b and wb["客户档案"].freeze_panes == "A2"
    wb.close()
    before = counts(db)
    report = import_file(db, path)
    assert report.rows == 0 and report.ignored == []
    assert len(report.mapped) == len(template_keys())
    assert counts(db) == before


def test_a_sheet_without_a_name_column_is_refused(db, tmp_path):
    path = tmp_path / "x.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["日期", "金额"])
    wb.active.append(["2026-03-05", 100])
    wb.save(path)
    with pytest.raises(ImportFormatError, match="客户名称"):
        import_file(db, path)


def test_old_excel_format_is_refused_with_advice(db, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFormatError, match="xlsx"):
        import_file(db, path)


@pytest.mark.parametrize(
    ("header", "key"),
    [("客户名称", "name"), ("*客户姓名：", "name"), ("手 机", "phone"), ("车牌号码", "plate"),
     ("金额（元）", "amount"), ("ＶＩＮ", "vin"), ("送修时间", "intake_date"), ("微信", None)],
)
def test_header_variants(header, key):
    assert recognise_header(header) == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6个月", (6, None)), ("5000公里", (None, 5000)), ("6个月/5000公里", (6, 5000)),
     ("半年或1万公里", (6, 10000)), ("12", (12, None)), ("7500", (None, 7500)), ("", (None, None))],
)
def test_maintenance_cycle(text, expected):
    assert parse_cycle(text) == expected


def test_maintenance_cycle_rejects_nonsense():
    with pytest.raises(ValidationError, match="保养周期"):
        parse_cycle("看情况")


def test_second_phone_conflicts_repeated_headers_and_unknown_clerk(db, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(
        "客户名称,联系电话,车号,跟踪业务员\n"
        "冯远,13055556666/020-87654321,,管理员\n"
        "客户名称,联系电话,车号,跟踪业务员\n"  # the header again, as on a printed page
        "冒名,13900001111,粤B22222,\n"  # 王芳's phone with 赵强's car
        "蒋欣,13077778888,,小王\n",
        encoding="utf-8",
    )
    report = import_file(db, path)
    assert report.as_json_dict() == {"rows": 3, "imported": 2, "merged": 0, "rejected": 1}
    feng = customer_by_name(db, "冯远")
    assert (feng.phone, feng.phone2) == ("13055556666", "020-87654321")
    assert feng.clerk_id == db.actor_id
    conflict = report.lines[1]
    assert conflict.outcome == "rejected"
    assert "王芳" in conflict.reason and "赵强" in conflict.reason
    assert "小王" in report.lines[2].warnings[0]  # kept, with the clerk left out and said so
    assert customer_by_name(db, "蒋欣").clerk_id is None


def test_one_unreadable_field_is_a_warning_and_the_customer_is_imported(db, tmp_path, capsys):
    from app.cli import main

    path = tmp_path / "c.csv"
    path.write_text(
        "客户名称,联系电话,备用电话,车牌,车型,送修日期,维修项目,里程,保险到期,类别\n"
        "钱一,13011110001,,粤Z1,大众朗逸,2026-03-01,换机油,,,\n"      # bad plate
        "钱二,13011110002,12345,粤A20002,,,,,,\n"                      # bad second phone
        "钱三,13011110003,,粤A20003,,2026-03-02,补胎,三万,明年三月,\n"  # mileage, a date
        "钱四,13011110004,,,,2026-03-03,换刹车片,,,维修\n"             # 维修 without a car
        "赵先生,0755-8877,,粤B22222,,,,,,\n"                            # bad phone, known car
        ",13011110006,,粤A20006,,,,,,\n"                                # no name
        "钱七,,,,,,,,,\n"                                               # no phone
        "钱八,1301111,,粤A20008,,,,,,\n",                               # bad phone, new car
        encoding="utf-8",
    )
    before = counts(db)
    assert main(["--db", str(db.url.removeprefix("sqlite:///")), "import", str(path),
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert counts(db) == before
    # Warnings and rejections are listed apart, each under its own heading.
    warned_at, rejected_at = out.index("警告 6 条（"), out.index("拒绝 3 行（没有导入）")
    assert warned_at < out.index("第 2 行 钱一：车牌“粤Z1”无法识别，已留空") < rejected_at
    assert warned_at < out.index("第 6 行 赵先生：联系电话“0755-8877”无法识别") < rejected_at
    assert rejected_at < out.index("第 7 行 ：客户名称：未填写客户名称")

    report = import_file(db, path)
    assert report.as_json_dict() == {"rows": 8, "imported": 4, "merged": 1, "rejected": 3}
    lines = {line.name: line for line in report.lines}
    assert lines["钱一"].warnings == (
        "车牌“粤Z1”无法识别，已留空，本行的车型、来访记录（含维修项目）未导入。"
        "车号“粤Z1”格式不对：普通车牌 7 位（粤B12345），新能源车牌 8 位（粤BD12345）。",)
    assert lines["钱二"].warnings[0].startswith("备用电话“12345”无法识别，已留空。")
    assert [w.split("，")[0] for w in lines["钱三"].warnings] == [
        "保险到期“明年三月”无法识别", "里程“三万”无法识别"]
    assert lines["钱四"].warnings == ("类别“维修”须填写车牌，本行的来访记录（含维修项目）未导入。",)
    assert lines["赵先生"].outcome == "merged"
    assert lines["赵先生"].warnings[0].startswith("联系电话“0755-8877”无法识别，已留空。")
    assert [line.row_number for line in report.rejected_lines] == [7, 8, 9]
    assert lines["钱七"].reason == "联系电话：未填写（新客户必须有联系电话）。"
    assert lines["钱八"].reason.startswith("联系电话：电话“1301111”不对")
    assert "车号不在档案中，新客户必须有可用的联系电话" in lines["钱八"].reason

    qian1, qian2, qian3 = (customer_by_name(db, n) for n in ("钱一", "钱二", "钱三"))
    assert (qian2.phone, qian2.phone2) == ("13011110002", "")
    with db.read() as s:
        assert s.scalars(select(Vehicle).where(Vehicle.customer_id == qian1.id)).all() == []
        assert s.scalars(select(Visit).where(Visit.customer_id == qian1.id)).all() == []
        car = s.scalars(select(Vehicle).where(Vehicle.customer_id == qian3.id)).one()
        visit = s.scalars(select(Visit).where(Visit.customer_id == qian3.id)).one()
        assert (car.plate, car.insurance_expiry) == ("粤A20003", None)
        assert (visit.service_items, visit.mileage_km) == ("补胎", None)
        qian4 = customer_by_name(db, "钱四")
        assert s.scalars(select(Visit).where(Visit.customer_id == qian4.id)).all() == []
