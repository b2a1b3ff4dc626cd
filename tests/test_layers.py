"""The layers point one way: ui → app → db. app/ and db/ never import Qt."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(folder: str):
    for path in (ROOT / folder).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module


def test_app_and_db_import_no_qt_and_nothing_above_them():
    bad = []
    for folder, forbidden in (("app", ("PySide6", "shiboken6", "ui")),
                              ("db", ("PySide6", "shiboken6", "ui", "app"))):
        for path, module in imported_modules(folder):
            if module.split(".")[0] in forbidden:
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    assert bad == []


def test_headless_commands_do_not_load_qt():
    code = (
        "import sys, app.cli, app.archive, app.importer, app.demo, app.template;"
        "app.cli.build_parser();"
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_void_calls_keep_none_refcount(qapp):
    """PySide6 6.12.0 on Python 3.11 decremented None on every void call (none_dealloc)."""
    from PySide6.QtWidgets import QLabel, QLineEdit

    label, edit = QLabel(), QLineEdit()
    before = sys.getrefcount(None)
    for i in range(5000):
        label.setText(str(i))
        edit.setText(str(i))
        label.resize(100 + i % 3, 20)
    after = sys.getrefcount(None)
    assert abs(after - before) < 100


def test_today_comes_from_the_one_clock():
    """Only app/clock.py reads the system date: the rules, the windows and the tests all take
    today from it, so a test can set it and the suite passes on any day."""
    readers = ("date.today", "datetime.now", "datetime.today", "QDate.currentDate",
               "QDateTime.currentDateTime", "time.localtime")
    bad = []
    for folder in ("app", "ui", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "app" / "clock.py" or path == Path(__file__):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute):
                    dotted = f"{getattr(node.value, 'attr', getattr(node.value, 'id', ''))}." \
                             f"{node.attr}"
                    if dotted in readers:
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {dotted}")
    assert bad == []
