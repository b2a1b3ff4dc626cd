"""Login throttling, equal treatment of unknown names, the new password rule, and no personal
data in error texts (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

import app.staff
from app.archive import ArchiveService, CustomerInput
from app.normalize import ValidationError
from app.staff import MAX_FAILURES, LoginError, StaffService
from db.models import Customer, Role


@pytest.fixture
def staff(store) -> StaffService:
    s = StaffService(store)
    s.create("wangfang", "王芳", Role.CLERK, "wangfang123")
    return s


def test_five_wrong_passwords_lock_the_name_for_a_while(staff, frozen_clock):
    start = frozen_clock.now()
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginError, match="不对"):
            staff.login("wangfang", "guess-guess")
    with pytest.raises(LoginError, match="暂停登录"):
        staff.login("wangfang", "guess-guess")
    # even the right password is refused while the name is locked
    with pytest.raises(LoginError, match="暂停登录.*30 秒"):
        staff.login("wangfang", "wangfang123")
    frozen_clock.freeze(start + dt.timedelta(seconds=31))
    with pytest.raises(LoginError, match="连续输错 6 次.*60 秒"):  # the lock grows
        staff.login("wangfang", "guess-guess")
    frozen_clock.freeze(start + dt.timedelta(seconds=95))
    assert staff.login("wangfang", "wangfang123").name == "王芳"
    # a success clears the count
    with pytest.raises(LoginError, match="不对"):
        staff.login("wangfang", "guess-guess")
    assert staff.login("wangfang", "wangfang123").name == "王芳"


def test_the_lock_is_per_name_and_long_runs_are_capped(staff, frozen_clock):
    staff.create("liqiang", "李强", Role.CLERK, "liqiang123")
    for _ in range(30):
        with pytest.raises(LoginError):
            staff.login("wangfang", "guess-guess")
        frozen_clock.freeze(frozen_clock.now() + dt.timedelta(hours=1))
    with pytest.raises(LoginError, match="15 分钟"):
        staff.login("wangfang", "guess-guess")
    assert staff.login("liqiang", "liqiang123").name == "李强"


def test_an_unknown_name_costs_the_same_check_and_gets_the_same_answer(staff, monkeypatch):
    checked = []
    real = app.staff.verify_password
    monkeypatch.setattr(app.staff, "verify_password",
                        lambda h, p: checked.append(h) or real(h, p))
    with pytest.raises(LoginError) as known:
        staff.login("wangfang", "guess-guess")
    with pytest.raises(LoginError) as unknown:
        staff.login("nobody", "guess-guess")
    assert len(checked) == 2 and all(h.startswith("$argon2") for h in checked)
    assert str(known.value) == str(unknown.value)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginError):
            staff.login("nobody", "guess-guess")
    with pytest.raises(LoginError, match="暂停登录"):  # unknown names are locked too
        staff.login("nobody", "guess-guess")


@pytest.mark.parametrize("password, message", [
    ("abc1234", "至少 8 位"), ("12345678", "全是数字"), ("１２３４５６７８９", "全是数字"),
    ("aaaaaaaa", "同一个字符"),
])
def test_new_passwords_need_eight_characters_not_all_digits(staff, password, message):
    with pytest.raises(ValidationError, match=message):
        staff.create("zhaomin", "赵敏", Role.CLERK, password)
    wang = staff.by_name("wangfang")
    with pytest.raises(ValidationError, match=message):
        staff.change_own_password(wang.id, "wangfang123", password)
    with pytest.raises(ValidationError, match=message):
        staff.update(wang.id, name="王芳", role=Role.CLERK, active=True, password=password)


def test_an_existing_short_password_still_logs_in(store, staff):
    from sqlalchemy import update

    from app.staff import hash_password
    from db.models import Staff

    with store.session() as s:  # set by an older release, which allowed six digits
        s.execute(update(Staff).where(Staff.username == "wangfang")
                  .values(password_hash=hash_password("123456")))
    wang = staff.login("wangfang", "123456")
    staff.change_own_password(wang.id, "123456", "wang-2026!")
    assert staff.login("wangfang", "wang-2026!").id == wang.id


def test_sql_errors_do_not_carry_names_or_phones(store):
    archive = ArchiveService(store)
    cid = archive.create_customer(CustomerInput(name="欧阳娜娜", phone="13812345678"))
    with pytest.raises(IntegrityError) as e:
        with store.session() as s:
            number = s.get(Customer, cid).archive_no
            s.add(Customer(archive_no=number, name="欧阳娜娜", phone="13812345678"))
            s.flush()
    text = str(e.value)
    assert "UNIQUE" in text and "hidden" in text
    assert "13812345678" not in text and "欧阳娜娜" not in text


def test_the_first_start_dialog_refuses_an_all_digit_password_in_chinese(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from app.store import Store
    from ui.login import FirstAdminDialog

    store = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    staff = StaffService(store)
    dialog = FirstAdminDialog(staff)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert "不能全是数字" in dialog.password.placeholderText()
    dialog.center_name.setText("广州顺达汽车维修服务中心")
    dialog.username.setText("boss")
    dialog.name.setText("陈主管")
    for edit in (dialog.password, dialog.password2):
        edit.setText("12345678")
    qtbot.keyClick(dialog.password2, Qt.Key.Key_Return)
    assert "全是数字" in dialog.fields.error_text("password") and staff.needs_first_admin()
    for edit in (dialog.password, dialog.password2):
        edit.setText("shunda-2026")
    qtbot.keyClick(dialog.password2, Qt.Key.Key_Return)
    assert dialog.user is not None and not staff.needs_first_admin()
    store.close()


def test_the_login_dialog_says_when_a_name_is_locked(qtbot, staff):
    from PySide6.QtCore import Qt

    from ui.login import LoginDialog

    dialog = LoginDialog(staff)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.username.setText("wangfang")
    for _ in range(MAX_FAILURES):
        dialog.password.setText("guess-guess")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert "暂停登录" in dialog.fields.error_text("password")
    dialog.password.setText("wangfang123")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.user is None and "暂停登录" in dialog.fields.error_text("password")
