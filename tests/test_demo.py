import datetime as dt
from collections import Counter as Tally

import pytest
from pypinyin import lazy_pinyin
from sqlalchemy import func, select

from app.archive import ARCHIVE_COUNTER, ArchiveService, CustomerInput
from app.dates import add_months
from app.demo import DEMO_LOGINS, RENEWING_DAYS, DemoRefused, ensure_demo, fill_demo
from app.normalize import is_valid_phone, is_valid_plate
from app.staff import StaffService
from app.store import Store
from db.models import Counter, Customer, CustomerSummary, Role, Staff, Vehicle, Visit, VisitKind

TODAY = dt.date(2025, 6, 30)
CUSTOMERS = 200


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    """The app's clock reads this file's day, like the services it calls."""
    frozen_clock.freeze(TODAY)


@pytest.fixture(scope="module", autouse=True)
def cheap_hashes():
    """Argon2's default cost is most of a small demo's time; cheaper hashes verify the same."""
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("app.demo.hash_password",
                   PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash)
        yield


def open_store(path) -> Store:
    return Store(f"sqlite:///{path}")


def filled(path, seed: int = 1, customers: int = CUSTOMERS, **kwargs):
    store = open_store(path)
    result = fill_demo(store, customers=customers, seed=seed, today=TODAY, **kwargs)
    return store, result


@pytest.fixture(scope="module")
def demo(tmp_path_factory, cheap_hashes):
    calls = []
    store, result = filled(tmp_path_factory.mktemp("demo") / "d.sqlite",
                           progress=lambda done, total: calls.append((done, total)))
    yield store, result, calls
    store.close()


def rows(store: Store, model) -> list[tuple]:
    table = model.__table__
    columns = [c for c in table.columns if c.name != "password_hash"]
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*columns).order_by(*table.primary_key))]


def all_rows(store: Store, model) -> list:
    with store.read() as s:
        return list(s.scalars(select(model)))


# ---------------------------------------------------------------- refusing


@pytest.mark.parametrize("existing", ["staff", "customer"])
def test_refuses_a_database_that_is_not_empty(tmp_path, existing):
    store = open_store(tmp_path / "d.sqlite")
    try:
        if existing == "staff":
            StaffService(store).create("boss", "老板", Role.ADMIN, "secret12")
        else:
            ArchiveService(store).create_customer(CustomerInput("张伟", "13812345678"))
        with pytest.raises(DemoRefused, match="空数据库"):
            fill_demo(store, customers=5, today=TODAY)
        with store.read() as s:
            assert s.scalar(select(func.count(Customer.id))) == (existing == "customer")
            assert s.scalar(select(func.count(Staff.id))) == (existing == "staff")
    finally:
        store.close()


# ---------------------------------------------------------------- seeds


def test_same_seed_gives_the_same_data(demo, tmp_path):
    first = demo[0]
    second, _ = filled(tmp_path / "again.sqlite")
    try:
        for model in (Staff, Customer, Vehicle, Visit, Counter, CustomerSummary):
            assert rows(first, model) == rows(second, model), model.__tablename__
    finally:
        second.close()


def test_another_seed_gives_other_data(demo, tmp_path):
    other, _ = filled(tmp_path / "other.sqlite", seed=2)
    try:
        mine, theirs = all_rows(demo[0], Customer), all_rows(other, Customer)
        assert [c.phone for c in mine] != [c.phone for c in theirs]
        assert [c.name for c in mine] != [c.name for c in theirs]
        plates = {v.plate for v in all_rows(demo[0], Vehicle)}
        assert plates != {v.plate for v in all_rows(other, Vehicle)}
    finally:
        other.close()


# ---------------------------------------------------------------- the data


def test_result_counts_rows_and_progress_reaches_the_total(demo):
    store, result, calls = demo
    with store.read() as s:
        assert result.customers == CUSTOMERS == s.scalar(select(func.count(Customer.id)))
        assert result.vehicles == s.scalar(select(func.count(Vehicle.id)))
        assert result.visits == s.scalar(select(func.count(Visit.id)))
        assert result.staff == len(DEMO_LOGINS) == s.scalar(select(func.count(Staff.id)))
        assert result.deleted_customers == s.scalar(
            select(func.count(Customer.id)).where(Customer.deleted_at.is_not(None))
        )
        assert s.scalar(select(func.count(CustomerSummary.customer_id))) == CUSTOMERS
    assert CUSTOMERS <= result.vehicles <= 2 * CUSTOMERS
    assert result.visits > 2 * CUSTOMERS
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1]
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_phones_and_plates_are_valid_and_unique(demo):
    customers, vehicles = all_rows(demo[0], Customer), all_rows(demo[0], Vehicle)
    phones = [p for c in customers for p in (c.phone, c.phone2) if p]
    assert all(c.phone for c in customers)
    assert [p for p in phones if not is_valid_phone(p)] == []
    assert len(set(phones)) == len(phones)
    assert any(p.startswith("020-") for p in phones)
    plates = [v.plate for v in vehicles]
    assert [p for p in plates if not is_valid_plate(p)] == []
    assert len(set(plates)) == len(plates)
    assert all(p.startswith("粤A") for p in plates)
    green = [v for v in vehicles if len(v.plate) == 8]
    assert 0.03 < len(green) / len(plates) < 0.2
    assert all(v.kind == "新能源" for v in green)


def test_customers_look_like_guangzhou(demo):
    customers = all_rows(demo[0], Customer)
    lengths = Tally(len(c.name) for c in customers)
    assert lengths[2] > 0.3 * len(customers) and lengths[3] > 0.2 * len(customers)
    assert all(c.address.startswith("广州市") for c in customers if c.address)
    assert all(c.region in c.address for c in customers)
    clerks = {s.id for s in all_rows(demo[0], Staff) if s.role == Role.CLERK}
    assert {c.clerk_id for c in customers} == clerks
    assert all(c.created_by_id in clerks for c in customers)
    assert [c.archive_no for c in customers] == list(range(1, CUSTOMERS + 1))
    # Archive numbers were handed out as the customers came in.
    assert [c.created_at for c in customers] == sorted(c.created_at for c in customers)


def test_visits_cover_two_years_up_to_today(demo):
    visits = all_rows(demo[0], Visit)
    start = add_months(TODAY, -24)
    assert all(start <= v.intake_date <= TODAY for v in visits)
    assert all(v.intake_date <= v.pickup_date <= TODAY for v in visits if v.pickup_date)
    assert all(v.pickup_date is None or (v.pickup_date - v.intake_date).days <= 3 for v in visits)
    assert min(v.intake_date for v in visits) < start + dt.timedelta(days=60)
    kinds = Tally(VisitKind(v.kind) for v in visits)
    assert kinds[VisitKind.MAINTENANCE] > kinds[VisitKind.REPAIR] > kinds[VisitKind.CONSULTATION]
    assert kinds[VisitKind.VISIT] > 0
    assert sum(v.is_comeback for v in visits) < 0.05 * len(visits)
    for v in visits:
        if v.kind in (VisitKind.REPAIR, VisitKind.MAINTENANCE):
            assert v.vehicle_id is not None and v.mileage_km is not None
            assert v.amount_fen is not None and v.service_items
    # Odometers only go forward.
    readings: dict[int, list[int]] = {}
    for v in sorted(visits, key=lambda v: (v.intake_date, v.id)):
        if v.mileage_km is not None:
            readings.setdefault(v.vehicle_id, []).append(v.mileage_km)
    assert all(r == sorted(r) and len(set(r)) == len(r) for r in readings.values())


def test_vehicle_dates_follow_the_rules(demo):
    store = demo[0]
    done: dict[int, list[dt.date]] = {}
    for v in all_rows(store, Visit):
        if v.kind == VisitKind.MAINTENANCE:
            done.setdefault(v.vehicle_id, []).append(v.pickup_date or v.intake_date)
    for car in all_rows(store, Vehicle):
        assert car.warranty_end == add_months(car.purchase_date, 36)
        # a policy that ran out in the last weeks may still be waiting for its renewal
        assert TODAY - dt.timedelta(days=RENEWING_DAYS) <= car.insurance_expiry \
            <= add_months(TODAY, 12)
        assert car.maintenance_cycle_months == 6 and car.maintenance_cycle_km in (5000, 10000)
        if car.id in done:
            assert car.next_maintenance_date == max(add_months(d, 6) for d in done[car.id])
        assert car.vin == "" or len(car.vin) == 17


# ---------------------------------------------------------------- using it


def test_archive_search_finds_a_demo_customer(demo):
    store = demo[0]
    archive = ArchiveService(store)
    customer = next(
        c for c in all_rows(store, Customer) if len(c.name) == 2 and c.deleted_at is None
    )
    initials = "".join(p[0] for p in lazy_pinyin(customer.name))
    assert customer.id in archive.search_ids(customer.name)
    assert customer.id in archive.search_ids(initials)
    assert customer.id in archive.search_ids(initials.upper())


def test_a_new_customer_continues_the_archive_numbers(tmp_path):
    store, result = filled(tmp_path / "d.sqlite", customers=20)
    try:
        assert result.last_archive_no == 20
        with store.read() as s:
            assert s.get(Counter, ARCHIVE_COUNTER).last_value == 20
        archive = ArchiveService(store)
        new_id = archive.create_customer(CustomerInput("新客户", "13800000000"))
        assert archive.detail(new_id).archive_no == 21
    finally:
        store.close()


def test_staff_log_in_with_the_documented_passwords(demo):
    staff = StaffService(demo[0])
    roles = Tally()
    for login in DEMO_LOGINS:
        assert login.password == login.username + "123"
        user = staff.login(login.username, login.password)
        assert user.name == login.name
        roles[user.role] += 1
    assert roles == {Role.ADMIN: 1, Role.SUPERVISOR: 1, Role.CLERK: 3}
    for hint in ("admin / admin123", "zhuguan / zhuguan123", "wangfang / wangfang123"):
        assert hint in demo[1].login_hint


def test_ensure_demo_fills_once_and_hints_only_for_a_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    assert "admin123" in ensure_demo(url, customers=10)
    assert "admin123" in ensure_demo(url, customers=10)
    store = Store(url)
    try:
        assert ArchiveService(store).count() == 10
    finally:
        store.close()

    real = open_store(tmp_path / "real.sqlite")
    StaffService(real).create("admin", "管理员", Role.ADMIN, "secret12")
    real.close()
    assert ensure_demo(f"sqlite:///{tmp_path / 'real.sqlite'}", customers=10) == ""


def test_demo_has_a_working_centers_tasks(tmp_path):
    from app.tasks import TaskService

    today = dt.date(2026, 11, 27)
    store = Store(f"sqlite:///{tmp_path / 'tasks.sqlite'}")
    fill_demo(store, customers=300, seed=5, today=today)
    items = TaskService(store).between(today - dt.timedelta(days=40), today, today)
    kinds = {i.kind for i in items}
    assert {"first_followup", "second_followup", "maintenance"} <= kinds
    done = [i for i in items if i.status == "done"]
    overdue = [i for i in items if i.overdue(today)]
    assert done and overdue and len(done) > 5 * len(overdue)
    assert all(i.window_start <= i.done_on < today for i in done)
    from app.contacts import ContactService

    contacts = ContactService(store)
    calls = contacts.call_rows(contacts.call_ids())
    assert calls and all(c.called_at.date() < today for c in calls.values())
    assert any(c.satisfaction == "satisfied" for c in calls.values())
    store.close()
