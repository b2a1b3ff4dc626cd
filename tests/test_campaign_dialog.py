"""The campaign dialog says who is invited and when they must be told, before creating (R6)."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from app.archive import CustomerInput, VehicleInput
from app.campaigns import CampaignService
from app.rules import RuleSettings
from app.staff import StaffService
from app.tasks import TaskService
from db.models import Role

D = dt.date
THU = D(2026, 11, 19)  # a Thursday; the campaign 5 days away is on Tuesday 11-24


@pytest.fixture(autouse=True)
def on_thursday(frozen_clock):
    frozen_clock.freeze(THU)


@pytest.fixture
def twelve(archive, store):
    """12 customers of one clerk: 6 drive a 卡罗拉, 6 an 雅阁."""
    clerk = StaffService(store).create("wang", "王业务", Role.CLERK, "secret12").id
    return [archive.create_customer(
        CustomerInput(name=f"客户{i:02d}", phone=f"1380000{i:04d}", address="广州市天河区",
                      clerk_id=clerk),
        [VehicleInput(plate=f"粤B{i:05d}", model="丰田卡罗拉" if i % 2 else "本田雅阁")])
        for i in range(12)]


@pytest.fixture
def dialog(qtbot, store, twelve, msgbox):
    from ui.campaign_dialog import CampaignDialog

    d = CampaignDialog(CampaignService(store), None, today_fn=lambda: THU)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def notice_tasks(store):
    return [t for t in TaskService(store).between(D(2026, 1, 1), D(2027, 12, 31), THU)
            if t.kind == "event_notice"]


def fill(dialog, event: str, *, place="本中心维修车间", content="免费检测空调、电瓶"):
    dialog.kind.setCurrentText("免费检测周")
    dialog.title_edit.setText("冬季免费检测周")
    dialog.content.setPlainText(content)
    dialog.place.setText(place)
    dialog.event_date.setText(event)


def test_a_short_notice_campaign_shows_count_deadline_and_warning_before_creating(
        qtbot, store, dialog):
    assert "预计邀请 12 位客户" in dialog.count_label.text()
    assert "填写活动日期后" in dialog.plan_label.text()
    fill(dialog, "2026-11-24")
    qtbot.waitUntil(lambda: "已过" in dialog.plan_label.text())
    text = dialog.plan_label.text()
    # the deadline (event − 14), the days left (Thu, Fri, Mon) and the share of a day
    assert "2026-11-10" in text and "活动前 14 天" in text
    assert "3 个工作日" in text and "合计每天约 4 位" in text
    assert dialog.plan_label.isVisible() and "#c0392b" in dialog.plan_label.styleSheet()
    assert notice_tasks(store) == []  # nothing yet: this is shown before creating
    dialog.models.setText("卡罗拉")  # live: the count and the share follow the filter
    qtbot.waitUntil(lambda: dialog.invitee_count == 6)
    assert "合计每天约 2 位" in dialog.plan_label.text()
    dialog.models.setText("")
    qtbot.waitUntil(lambda: dialog.invitee_count == 12)
    with qtbot.waitSignal(dialog.campaignCreated):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "分摊到 3 个工作日" in dialog.create_status.text()
    rows = notice_tasks(store)
    assert len(rows) == 12 and not any(t.overdue(THU) for t in rows)
    assert all(THU <= t.window_start <= t.due < D(2026, 11, 24) for t in rows)
    assert sorted({t.due for t in rows}) == [THU, D(2026, 11, 20), D(2026, 11, 23)]


def test_a_campaign_thirty_days_away_shows_the_rule_deadline_without_warning(
        qtbot, store, dialog):
    fill(dialog, "2026-12-19")
    qtbot.waitUntil(lambda: "2026-12-05" in dialog.plan_label.text())
    assert "已过" not in dialog.plan_label.text()
    assert "2026-11-28 至 2026-12-05" in dialog.plan_label.text()
    dialog.create()
    assert "2026-12-05 前打完" in dialog.create_status.text()
    assert {(t.window_start, t.due) for t in notice_tasks(store)} == {
        (D(2026, 11, 28), D(2026, 12, 5))}


def test_the_deadline_follows_the_notice_lead_setting(qtbot, store, dialog):
    TaskService(store).save_rules(RuleSettings(notice_lead_days=10), THU)
    fill(dialog, "2026-12-19")
    qtbot.waitUntil(lambda: "2026-12-09" in dialog.plan_label.text())
    assert "活动前 10 天" in dialog.plan_label.text()


def test_a_past_or_unreadable_event_date_says_so_live(qtbot, dialog):
    dialog.event_date.setText("2026-11-01")
    qtbot.waitUntil(lambda: "已经过去" in dialog.plan_label.text())
    dialog.event_date.setText("2026-13-45")
    qtbot.waitUntil(lambda: "已经过去" not in dialog.plan_label.text())
    assert dialog.plan_label.text() and dialog.notice_plan is None


@pytest.mark.parametrize("blank", ["place", "content"])
def test_empty_place_or_content_is_refused_at_the_field(qtbot, store, dialog, blank):
    fill(dialog, "2026-12-19", **{blank: " "})
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.form.errors[blank].isVisible()
    assert "内容、日期、地址要告之清楚" in dialog.form.error_text(blank)
    other = "content" if blank == "place" else "place"
    assert not dialog.form.errors[other].isVisible()
    assert dialog.created_ids == [] and CampaignService(store).list() == []
    assert notice_tasks(store) == []
    # the rest of the form is kept, and filling the field creates it
    assert dialog.title_edit.text() == "冬季免费检测周"
    if blank == "place":
        dialog.place.setText("本中心维修车间")
    else:
        dialog.content.setPlainText("免费检测空调、电瓶")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert len(dialog.created_ids) == 1 and len(notice_tasks(store)) == 12
