"""Staff accounts and login. Passwords are hashed with Argon2id, never stored."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from dataclasses import dataclass

from sqlalchemy import func, select

from app import clock
from app.normalize import ValidationError, fold
from app.store import Store
from db.models import Role, Setting, Staff

ROLE_LABELS = {Role.CLERK: "跟踪业务员", Role.SUPERVISOR: "业务主管", Role.ADMIN: "管理员"}
MIN_PASSWORD = 8
# Login throttling: after MAX_FAILURES wrong passwords in a row for one login name, that name is
# refused for LOCK_FIRST, doubling with every further failure up to LOCK_MAX.
MAX_FAILURES = 5
LOCK_FIRST = dt.timedelta(seconds=30)
LOCK_MAX = dt.timedelta(minutes=15)
FAILURE_PREFIX = "login.failures."


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


_dummy: str | None = None


def _dummy_hash() -> str:
    """Checked against for a login name that does not exist, so an unknown name costs the
    same Argon2 time as a known one and the answer's speed tells nothing."""
    global _dummy
    if _dummy is None:
        _dummy = _hasher().hash("followdesk-no-such-user")
    return _dummy


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class StaffInfo:
    id: int
    username: str
    name: str
    role: Role
    active: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


def _info(s: Staff) -> StaffInfo:
    return StaffInfo(s.id, s.username, s.name, Role(s.role), s.active)


class LoginError(Exception):
    pass


class RoleRefused(ValidationError, PermissionError):
    """Not this user's work (a clerk doing the supervisor's, anyone but the administrator
    managing staff). A ValidationError too, so every form that shows one shows this."""

    def __init__(self, message: str):
        super().__init__("role", message)


def refuse_clerk(by: StaffInfo | None, message: str) -> None:
    """The supervisor's and the administrator's work: a clerk is refused. None: a script,
    not a user (the CLI names its user with --user for the commands that write)."""
    if by is not None and not by.is_supervisor:
        raise RoleRefused(message)


def refuse_non_admin(by: StaffInfo | None, message: str) -> None:
    if by is not None and not by.is_admin:
        raise RoleRefused(message)


def refuse_others(by: StaffInfo | None, owner_id: int | None, message: str) -> None:
    """A clerk may change what they recorded themselves; the supervisor anything."""
    if by is not None and not by.is_supervisor and owner_id != by.id:
        raise RoleRefused(message)


def _guarded(check, message: str):
    """A service method (its object has .store) that refuses the logged-in user unless
    check(user) holds: the window hides the menu, this keeps the rule when it does not."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            check(acting(self.store), message)
            return method(self, *args, **kwargs)

        return guarded

    return wrap


def supervisor_only(message: str):
    return _guarded(refuse_clerk, message)


def admin_only(message: str):
    return _guarded(refuse_non_admin, message)


def acting(store: Store, by: StaffInfo | None = None) -> StaffInfo | None:
    """Who does it: `by` when the caller says, else the user logged in on this store."""
    if by is not None or store.actor_id is None:
        return by
    with store.read() as s:
        row = s.get(Staff, store.actor_id)
        return _info(row) if row is not None else None


class StaffService:
    def __init__(self, store: Store):
        self.store = store

    def count(self) -> int:
        with self.store.read() as s:
            return s.scalar(select(func.count(Staff.id))) or 0

    def needs_first_admin(self) -> bool:
        return self.count() == 0

    def list(self, include_inactive: bool = True) -> list[StaffInfo]:
        with self.store.read() as s:
            q = select(Staff).order_by(Staff.id)
            if not include_inactive:
                q = q.where(Staff.active.is_(True))
            return [_info(x) for x in s.scalars(q)]

    def clerks(self) -> list[StaffInfo]:
        """Who can be a customer's 跟踪业务员: the active clerks (not the supervisor, not the
        administrator)."""
        return [x for x in self.list(include_inactive=False) if x.role == Role.CLERK]

    def by_name(self, name: str) -> StaffInfo | None:
        with self.store.read() as s:
            row = s.scalar(select(Staff).where((Staff.name == name) | (Staff.username == name)))
            return _info(row) if row else None

    def login(self, username: str, password: str) -> StaffInfo:
        """The same answer, in the same time, for an unknown name as for a wrong password;
        after MAX_FAILURES in a row the name is refused for a while (known or not)."""
        name = fold(username)
        key = _failure_key(name)
        with self.store.read() as s:
            failures, until = _failures(s.get(Setting, key))
            now = clock.now()
            if until is not None and now < until:
                raise LoginError(_locked_message(until - now))
            row = s.scalar(select(Staff).where(Staff.username == name))
            ok = verify_password(row.password_hash if row is not None else _dummy_hash(),
                                 password) and row is not None
            info = _info(row) if row is not None else None
        if not ok:
            failures += 1
            until = None
            if failures >= MAX_FAILURES:
                until = now + min(LOCK_FIRST * 2 ** (failures - MAX_FAILURES), LOCK_MAX)
            self._record_failures(key, failures, until)
            if until is not None:
                raise LoginError(f"密码连续输错 {failures} 次。" + _locked_message(until - now))
            left = MAX_FAILURES - failures
            raise LoginError("用户名或密码不对，请重新输入。"
                             + (f"再错 {left} 次将暂停登录几分钟。" if left <= 2 else ""))
        if failures:
            self._record_failures(key, 0, None)
        assert info is not None
        if not info.active:
            raise LoginError("这个账号已停用，请联系管理员。")
        return info

    def _record_failures(self, key: str, failures: int, until: dt.datetime | None) -> None:
        if self.store.damage:  # a damaged database is not written to, not even for this
            return
        with self.store.session() as s:
            row = s.get(Setting, key)
            if not failures:
                if row is not None:
                    s.delete(row)
                return
            value = json.dumps({"n": failures,
                                "until": until.isoformat(timespec="seconds") if until else None})
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value

    @admin_only("只有管理员可以新增员工账号。")
    def create(
        self, username: str, name: str, role: Role, password: str, active: bool = True
    ) -> StaffInfo:
        username, name = fold(username), fold(name)
        if not username:
            raise ValidationError("username", "请填写登录名。")
        if not name:
            raise ValidationError("name", "请填写姓名。")
        self._check_password(password)
        with self.store.session() as s:
            if s.scalar(select(Staff.id).where(Staff.username == username)):
                raise ValidationError("username", f"登录名“{username}”已被使用。")
            row = Staff(
                username=username, name=name, role=role,
                password_hash=hash_password(password), active=active,
            )
            s.add(row)
            s.flush()
            return _info(row)

    def create_first_admin(self, username: str, name: str, password: str, *,
                           center_name: str, center_address: str = "",
                           center_phone: str = "", check_only: bool = False
                           ) -> StaffInfo | None:
        """A new database: the administrator and the center's letterhead, together.

        Every bad field at once (FormErrors: username, name, password, center_name,
        center_phone); nothing is saved then, nor with check_only (returns None)."""
        from app.archive import FormErrors
        from app.settings import check_center, save_center

        errors: dict[str, str] = {}
        username, name = fold(username), fold(name)
        if not username:
            errors["username"] = "请填写登录名。"
        if not name:
            errors["name"] = "请填写姓名。"
        try:
            self._check_password(password)
        except ValidationError as e:
            errors[e.field] = e.message
        center, wrong = check_center(center_name, center_address, center_phone)
        errors.update(wrong)
        if errors:
            raise FormErrors(errors)
        if check_only:
            return None
        with self.store.session() as s:
            if s.scalar(select(func.count(Staff.id))):
                raise ValidationError("username", "数据库里已经有账号了，请关闭后重新登录。")
            row = Staff(username=username, name=name, role=Role.ADMIN,
                        password_hash=hash_password(password), active=True)
            s.add(row)
            save_center(s, **center)
            s.flush()
            return _info(row)

    def change_own_password(self, staff_id: int, old: str, new: str) -> None:
        """Anyone changes their own password, knowing the old one."""
        with self.store.session() as s:
            row = s.get_one(Staff, staff_id)
            if not verify_password(row.password_hash, old):
                raise ValidationError("old", "原密码不对。")
            self._check_password(new)
            if new == old:
                raise ValidationError("password", "新密码与原密码相同。")
            row.password_hash = hash_password(new)

    @admin_only("只有管理员可以修改员工账号（姓名、角色、停用、重设密码）。")
    def update(
        self, staff_id: int, *, name: str, role: Role, active: bool, password: str | None = None
    ) -> StaffInfo:
        name = fold(name)
        if not name:
            raise ValidationError("name", "请填写姓名。")
        with self.store.session() as s:
            row = s.get_one(Staff, staff_id)
            if row.role == Role.ADMIN and (role != Role.ADMIN or not active):
                admins = s.scalar(
                    select(func.count(Staff.id)).where(
                        Staff.role == Role.ADMIN, Staff.active.is_(True), Staff.id != staff_id
                    )
                )
                if not admins:
                    raise ValidationError("role", "至少要保留一个在用的管理员账号。")
            renamed = row.name != name
            row.name, row.role, row.active = name, role, active
            if password:
                self._check_password(password)
                row.password_hash = hash_password(password)
            s.flush()
            if renamed:
                from app.search_index import refresh_for_clerk

                refresh_for_clerk(s, staff_id)
            return _info(row)

    @staticmethod
    def _check_password(password: str) -> None:
        """New passwords only: the passwords of existing accounts keep working."""
        check_new_password(password)


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError("password", f"密码至少 {MIN_PASSWORD} 位。")
    if password.isdigit():
        raise ValidationError("password", "密码不能全是数字，请加上字母或符号。")
    if len(set(password)) == 1:
        raise ValidationError("password", "密码不能是同一个字符重复。")


def _failure_key(name: str) -> str:
    # A digest, not the typed name: the settings table keeps no list of guessed names.
    return FAILURE_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:32]


def _failures(row: Setting | None) -> tuple[int, dt.datetime | None]:
    if row is None:
        return 0, None
    try:
        data = json.loads(row.value)
        until = dt.datetime.fromisoformat(data["until"]) if data.get("until") else None
        return int(data["n"]), until
    except (ValueError, KeyError, TypeError):
        return 0, None


def _locked_message(wait: dt.timedelta) -> str:
    seconds = max(math.ceil(wait.total_seconds()), 1)
    when = f"{seconds} 秒" if seconds < 90 else f"{(seconds + 59) // 60} 分钟"
    return f"为防止猜密码，这个登录名暂停登录，请 {when}后再试。"
