"""`followdesk print` on paper for others: a placeholder center name is warned about with the
way to set it (`followdesk center`), and the files written are readable by the other users of
the PC."""

from __future__ import annotations

import os
import stat
import tempfile

import pytest

from app.cli import main
from app.files import share, umask
from app.letters import LetterService
from app.store import Store

SHARED = 0o666 & ~umask()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "t.sqlite"
    Store(f"sqlite:///{path}").close()
    return str(path)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_share_opens_a_temporary_file_to_others(tmp_path):
    fd, name = tempfile.mkstemp(dir=tmp_path)
    os.close(fd)
    assert mode(name) == 0o600  # what the writers start from
    share(name)
    assert mode(name) == SHARED and SHARED & 0o044 == 0o044
    share(tmp_path / "missing.pdf")  # a cancelled export: nothing to do, no error


@pytest.mark.parametrize("name", ["r.pdf", "r.xlsx"])
def test_print_with_the_placeholder_center_warns_how_to_set_it(db, tmp_path, capsys, name):
    out = tmp_path / name
    assert main(["--db", db, "print", "call-register", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "本中心名称还没有设置" in err and "followdesk center --name" in err
    assert "信函模板与信头" in err
    assert mode(out) == SHARED


def test_summary_print_warns_too(db, tmp_path, capsys):
    out = tmp_path / "s.pdf"
    assert main(["--db", db, "print", "summary", "--month", "2026-11", "-o", str(out)]) == 0
    assert "followdesk center --name" in capsys.readouterr().err
    assert mode(out) == SHARED


def test_center_command_sets_the_name_and_the_warning_stops(db, tmp_path, capsys):
    assert main(["--db", db, "center"]) == 0
    first = capsys.readouterr()
    assert "本中心名称：汽车维修服务中心" in first.out and "followdesk center" in first.err
    assert main(["--db", db, "center", "--name", "顺达&合众汽车维修服务中心",
                 "--phone", "020-38881234"]) == 0
    done = capsys.readouterr()
    assert "顺达&合众汽车维修服务中心" in done.out and done.err == ""
    store = Store(f"sqlite:///{db}")
    assert LetterService(store).center()["phone"] == "020-38881234"
    store.close()
    out = tmp_path / "r.xlsx"
    assert main(["--db", db, "print", "call-register", "-o", str(out)]) == 0
    assert capsys.readouterr().err == ""


def test_center_command_refuses_a_bad_phone(db, capsys):
    assert main(["--db", db, "center", "--name", "顺达", "--phone", "12"]) == 2
    assert capsys.readouterr().err.strip()
    store = Store(f"sqlite:///{db}")
    assert LetterService(store).center()["name"] == "汽车维修服务中心"  # nothing half-saved
    store.close()
