import datetime as dt

import pytest

from app.archive import (
    CustomerInput,
    FormErrors,
    VehicleInput,
    VisitInput,
)
from app.staff import StaffService
from db.models import Role, VisitKind


def make(archive, name, phone, *plates, **extra):
    return archive.create_customer(
        CustomerInput(name=name, phone=phone, **extra), [VehicleInput(plate=p) for p in plates]
    )


@pytest.fixture
def people(archive):
    return {
        "张伟": make(archive, "张伟", "13812345678", "粤A12345"),
        "张伟明": make(archive, "张伟明", "13900001111", "粤AD54321"),
        "王芳": make(archive, "王芳", "0755-88776655", "粤B8888Q"),
        "曾强": make(archive, "曾强", "13700002222"),
        "李": make(archive, "李", "13600003333"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张伟", {"张伟", "张伟明"}),  # 2-character name
        ("李", {"李"}),  # 1-character name
        ("zw", {"张伟", "张伟明"}),  # pinyin initials
        ("ZWM", {"张伟明"}),  # case ignored
        ("zhangwei", {"张伟", "张伟明"}),
        ("zq", {"曾强"}),  # surname 曾 read zeng
        ("cq", {"曾强"}),  # and ceng
        ("5678", {"张伟"}),  # any part of a phone
        ("7766", {"王芳"}),  # a landline without its dash
        ("0755-8877", {"王芳"}),  # or with it
        ("１３９０", {"张伟明"}),  # full-width digits
        ("a123", {"张伟"}),  # any part of a plate, lower case
        ("粤 B 88", {"王芳"}),  # spaces ignored
        ("d543", {"张伟明"}),  # new-energy plate
        ("张 1381", {"张伟"}),  # every term must match
        ("无此人", set()),
        ("%", set()),  # LIKE wildcards are literal
    ],
)
def test_search_finds_by_name_pinyin_phone_and_plate(archive, people, query, expected):
    names = {v: k for k, v in people.items()}
    assert {names[i] for i in archive.search_ids(query)} == expected


def test_empty_search_lists_everyone_in_archive_order(archive, people):
    ids = archive.search_ids("")
    rows = archive.summary_rows(ids)
    assert [rows[i].archive_no for i in ids] == [1, 2, 3, 4, 5]
    by_name = archive.search_ids("", sort="name", descending=True)
    assert len(by_name) == 5


def test_archive_numbers_are_never_reused(archive):
    first = make(archive, "甲", "13800000001")
    second = make(archive, "乙", "13800000002")
    archive.delete_customer(second)
    third = make(archive, "丙", "13800000003")
    assert [archive.detail(c).archive_no for c in (first, second, third)] == [1, 2, 3]


def test_soft_delete_hides_and_restore_brings_back(archive, people):
    cid = people["王芳"]
    archive.delete_customer(cid)
    assert cid not in archive.search_ids("王芳")
    assert archive.search_ids("王芳", deleted=True) == [cid]
    assert archive.detail(cid).deleted_at is not None
    archive.restore_customer(cid)
    assert archive.search_ids("王芳") == [cid]
    assert archive.detail(cid).vehicles[0].plate == "粤B8888Q"  # nothing lost


def test_edit_updates_list_and_audit(store, archive, people):
    clerk = StaffService(store).create("wangfang", "王芳芳", Role.CLERK, "secret12")
    store.actor_id = clerk.id
    cid = people["张伟"]
    detail = archive.detail(cid)
    data = detail.as_input()
    data.phone = "13811112222"
    data.clerk_id = clerk.id
    archive.update_customer(cid, data)
    after = archive.detail(cid)
    assert after.created_by == "管理员" and after.updated_by == "王芳芳"
    assert after.updated_at >= detail.updated_at
    row = archive.summary_rows([cid])[cid]
    assert row.phone == "13811112222" and row.clerk_name == "王芳芳"
    assert archive.search_ids("1381111") == [cid]
    assert archive.search_ids("5678") == []


def test_renaming_a_clerk_updates_the_list(store, archive):
    staff = StaffService(store)
    clerk = staff.create("liqiang", "李强", Role.CLERK, "secret12")
    cid = archive.create_customer(CustomerInput(name="赵敏", phone="13512345678",
                                                clerk_id=clerk.id))
    staff.update(clerk.id, name="李强强", role=Role.CLERK, active=True)
    assert archive.summary_rows([cid])[cid].clerk_name == "李强强"


def test_bad_input_names_every_field_and_saves_nothing(archive):
    with pytest.raises(FormErrors) as e:
        archive.create_customer(CustomerInput(name=" ", phone="12345"),
                                [VehicleInput(plate="粤A1")])
    assert set(e.value.errors) == {"name", "phone", "plate"}
    assert archive.search_ids("") == []


def test_duplicates_found_by_phone_and_plate(archive, people):
    found = archive.find_duplicates(phones=["138 1234 5678"], plates=["粤a12345"])
    assert [(d.field, d.customer_id) for d in found] == [
        ("phone", people["张伟"]), ("plate", people["张伟"])]
    assert "张伟" in found[0].message and "000001" in found[0].message
    assert archive.find_duplicates(phones=["13812345678"],
                                   exclude_customer_id=people["张伟"]) == []
    archive.delete_customer(people["张伟"])
    assert archive.find_duplicates(phones=["13812345678"]) == []


def test_visit_registration_updates_last_visit_and_next_maintenance(archive):
    cid = archive.create_customer(
        CustomerInput(name="陈静", phone="13512340000"),
        [VehicleInput(plate="粤A55555", maintenance_cycle_months=6)],
    )
    vid = archive.detail(cid).vehicles[0].id
    archive.register_visit(cid, vid, VisitInput(
        kind=VisitKind.MAINTENANCE, intake_date=dt.date(2026, 8, 30),
        pickup_date=dt.date(2026, 8, 31), service_items="更换机油机滤", mileage_km=12000,
        amount_fen=45000))
    detail = archive.detail(cid)
    assert detail.vehicles[0].next_maintenance_date == dt.date(2027, 2, 28)  # month-end clamp
    assert detail.visits[0].service_items == "更换机油机滤"
    assert archive.summary_rows([cid])[cid].last_visit_date == dt.date(2026, 8, 30)


def test_visit_validation(archive):
    cid = archive.create_customer(CustomerInput(name="陈静", phone="13512340000"))
    with pytest.raises(FormErrors) as e:
        archive.register_visit(cid, None, VisitInput(
            kind=VisitKind.CONSULTATION, intake_date=dt.date(2026, 11, 2),
            pickup_date=dt.date(2026, 11, 1)))
    assert "pickup_date" in e.value.errors
    with pytest.raises(FormErrors) as e:
        archive.register_visit(cid, None, VisitInput(kind=VisitKind.REPAIR,
                                                     intake_date=dt.date(2026, 11, 2)))
    assert "vehicle" in e.value.errors
    visit = archive.register_visit(cid, None, VisitInput(kind=VisitKind.CONSULTATION,
                                                         intake_date=dt.date(2026, 11, 2)))
    assert archive.detail(cid).visits[0].id == visit


def test_passwords_are_hashed_and_wrong_password_refused(store):
    from sqlalchemy import select

    from app.staff import LoginError
    from db.models import Staff

    staff = StaffService(store)
    staff.create("clerk1", "业务员一", Role.CLERK, "pass1234")
    with store.read() as s:
        stored = s.scalar(select(Staff.password_hash).where(Staff.username == "clerk1"))
    assert "pass1234" not in stored and stored.startswith("$argon2id$")
    with pytest.raises(LoginError, match="用户名或密码不对"):
        staff.login("clerk1", "wrong")
    assert staff.login("clerk1", "pass1234").role == Role.CLERK


def test_the_last_admin_cannot_be_demoted(store, admin):
    from app.normalize import ValidationError

    with pytest.raises(ValidationError, match="管理员"):
        StaffService(store).update(admin.id, name="管理员", role=Role.CLERK, active=True)
