"""The command line, run as a clerk or an administrator would."""

import json
import sqlite3

import openpyxl

from app.cli import main
from app.config import database_url


def test_db_option_and_environment_choose_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLOWDESK_DB", str(tmp_path / "env.sqlite"))
    assert database_url() == f"sqlite:///{tmp_path / 'env.sqlite'}"
    assert database_url(str(tmp_path / "cli.sqlite")).endswith("cli.sqlite")
    assert database_url("postgresql://desk@server/followdesk").startswith("postgresql://")


def test_demo_then_refuses_a_second_time(tmp_path, capsys):
    db = str(tmp_path / "demo.sqlite")
    assert main(["--db", db, "demo", "--customers", "40", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert "客户 40" in out and "admin / admin123" in out
    assert main(["--db", db, "demo", "--customers", "40"]) == 1
    assert "空数据库" in capsys.readouterr().err


def test_template_then_import_json(tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    template = tmp_path / "模板.xlsx"
    assert main(["template", "-o", str(template)]) == 0
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert "客户名称" in headers and "联系电话" in headers and "车号" in headers
    ws.append({headers.index("客户名称") + 1: "周杰", headers.index("联系电话") + 1: "13811112222",
               headers.index("车号") + 1: "粤A10001"})
    ws.append({headers.index("客户名称") + 1: "吴磊", headers.index("联系电话") + 1: "138"})
    wb.save(template)
    capsys.readouterr()
    report = tmp_path / "report.xlsx"
    assert main(["--db", db, "import", str(template), "--json", "--report", str(report)]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts == {"rows": 2, "imported": 1, "merged": 0, "rejected": 1}
    lines = list(openpyxl.load_workbook(report).worksheets[0].iter_rows(values_only=True))
    assert len(lines) == 3  # header + one line per row


def test_dry_run_writes_nothing(tmp_path, capsys):
    db = tmp_path / "t.sqlite"
    src = tmp_path / "a.csv"
    src.write_text("客户名称,联系电话\n周杰,13811112222\n", encoding="utf-8")
    assert main(["--db", str(db), "import", str(src), "--dry-run"]) == 0
    assert "试运行" in capsys.readouterr().out
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM customer").fetchone()[0] == 0


def test_a_newer_database_is_refused_with_exit_code(tmp_path, capsys):
    db = tmp_path / "t.sqlite"
    assert main(["--db", str(db), "demo", "--customers", "5"]) == 0
    with sqlite3.connect(db) as con:
        con.execute("UPDATE alembic_version SET version_num='9999'")
    capsys.readouterr()
    src = tmp_path / "a.csv"
    src.write_text("客户名称,联系电话\n周杰,13811112222\n", encoding="utf-8")
    try:
        main(["--db", str(db), "import", str(src)])
    except SystemExit as e:
        assert e.code == 2
    else:
        raise AssertionError("expected refusal")
    assert "更新版本" in capsys.readouterr().err


def test_missing_file(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "t.sqlite"), "import", str(tmp_path / "无.xlsx")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_tasks_and_summary_json(tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    assert main(["--db", db, "demo", "--customers", "60", "--seed", "3"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "tasks", "--from", "2000-01-01", "--to", "2100-12-31",
                 "--json"]) == 0
    tasks = json.loads(capsys.readouterr().out)
    assert tasks and {"kind", "archive_no", "customer", "plate", "window_start", "due",
                      "owner", "status"} <= set(tasks[0])
    assert {t["status"] for t in tasks} <= {"open", "done", "cancelled"}
    assert main(["--db", db, "tasks", "--kind", "nonsense"]) == 2
    capsys.readouterr()
    assert main(["--db", db, "summary", "--month", "2026-11", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["period_start"] == "2026-11-01" and "satisfaction_rate" in figures
    assert figures["target_satisfaction_rate"] == 0.98
    assert main(["--db", db, "summary", "--month", "2026-13"]) == 2


def test_print_summary_pdf(tmp_path, capsys):
    from pypdf import PdfReader

    db = str(tmp_path / "t.sqlite")
    assert main(["--db", db, "demo", "--customers", "40", "--seed", "2"]) == 0
    out = tmp_path / "小结.pdf"
    assert main(["--db", db, "print", "summary", "--month", "2026-11", "-o", str(out)]) == 0
    text = PdfReader(out).pages[0].extract_text()
    assert "2026年11月" in text and "第 1 页" in text
    assert main(["--db", db, "print", "summary", "-o", str(out)]) == 2


def test_backup_and_restore_commands(tmp_path, capsys, monkeypatch):
    db = tmp_path / "center.sqlite"
    assert main(["--db", str(db), "demo", "--customers", "20", "--seed", "3"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "backup"]) == 0
    out = capsys.readouterr().out
    [copy] = (tmp_path / "backups").glob("center-backup-*.sqlite")
    assert str(copy) in out
    usb = tmp_path / "usb.sqlite"
    assert main(["--db", str(db), "backup", "-o", str(usb)]) == 0
    assert usb.exists()
    assert main(["--db", str(db), "backup", "-o", str(tmp_path / "no" / "x.sqlite")]) == 2
    assert "不存在" in capsys.readouterr().err
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM call")
    assert main(["--db", str(db), "restore", str(usb)]) == 2  # by whom?
    monkeypatch.setenv("FOLLOWDESK_PASSWORD", "wangfang123")  # the demo's clerk
    assert main(["--db", str(db), "--user", "wangfang", "restore", str(usb)]) == 2
    assert "业务主管或管理员" in capsys.readouterr().err
    monkeypatch.setenv("FOLLOWDESK_PASSWORD", "zhuguan123")
    assert main(["--db", str(db), "--user", "zhuguan", "restore", str(usb)]) == 0
    out = capsys.readouterr().out
    assert "恢复前的数据已备份到" in out and "重新启动" in out
    with sqlite3.connect(db) as con, sqlite3.connect(usb) as src:
        assert con.execute("SELECT count(*) FROM call").fetchone() == \
            src.execute("SELECT count(*) FROM call").fetchone() != (0,)
    assert list((tmp_path / "backups").glob("center-before-restore-*.sqlite"))
    bad = tmp_path / "bad.sqlite"
    bad.write_text("hello")
    assert main(["--db", str(db), "--user", "zhuguan", "restore", str(bad)]) == 1
    assert "不是完好的数据库" in capsys.readouterr().err


def test_a_db_path_in_a_folder_that_does_not_exist_is_refused(tmp_path, capsys, monkeypatch):
    missing = tmp_path / "Z盘" / "followdesk.sqlite"
    assert main(["--db", str(missing), "tasks"]) == 2
    assert "文件夹不存在" in capsys.readouterr().err
    assert not missing.parent.exists()
    monkeypatch.setenv("FOLLOWDESK_DB", str(missing))
    assert main(["tasks"]) == 2
    assert not missing.parent.exists()
