"""The printed summary (R10) and the weekly feedback (篇一 十.1), read back from the PDF."""

import datetime as dt
import json
import re

import pytest

from app.contacts import CallInput, ContactService, RequestInput
from app.feedback import weekly_feedback, write_feedback_pdf
from app.staff import StaffService
from app.summary import Period, SummaryService
from app.summary_pdf import SummaryDoc, summary_doc, write_summary_pdf
from db.models import FiledSummary, Role
from tests.worlds import november_2026

pypdf = pytest.importorskip("pypdf")

D = dt.date
TODAY = D(2026, 11, 27)
NOV = Period.month(2026, 11)
CENTER = {"name": "广州顺达汽车维修服务中心", "address": "广州市白云区机场路 1688 号",
          "phone": "020-86661234"}
TEXT = ("本月返修率偏高（33.3%），已与车间沟通，下月起返修车辆由主管复检。\n"
        "服务满意率 50.0%，不满意的客户反映返修后仍漏油，车间已安排免费复修。")


@pytest.fixture(autouse=True)
def on_today(frozen_clock):
    """The app's clock reads this file's day, like the services it calls."""
    frozen_clock.freeze(TODAY)


def texts(path) -> list[str]:
    return ["".join(p.extract_text().split()) for p in pypdf.PdfReader(str(path)).pages]


def embedded_fonts(path) -> list[bool]:
    out = []
    for page in pypdf.PdfReader(str(path)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            fd = font.get("/FontDescriptor")
            out.append(bool(fd) and "/FontFile2" in fd.get_object())
    return out


@pytest.fixture
def november(store, archive, monkeypatch):
    """Three visits in November (one a comeback); one call on time and satisfied, one late and
    unsatisfied with a complaint for 车间, one customer not called yet."""
    monkeypatch.setattr("app.staff.hash_password", lambda password: "unused")
    clerk = StaffService(store).create("wangfang", "王芳", Role.CLERK, "secret12")
    return november_2026(store, archive, clerk.id, TODAY)


def test_a_summary_prints_title_period_pages_figures_text_and_signature(
        store, november, tmp_path):
    summary = SummaryService(store)
    doc = summary_doc(summary, NOV, "month", text=TEXT, today=TODAY)
    assert not doc.filed and doc.title == "2026年11月 售后跟踪服务 月度小结"
    result = write_summary_pdf(doc, CENTER, tmp_path / "s.pdf", printed_on=TODAY)
    pages = texts(result.path)
    assert result.pages == len(pages) >= 2
    for n, page in enumerate(pages, 1):
        assert page.startswith("广州顺达汽车维修服务中心2026年11月售后跟踪服务月度小结")
        assert "统计期间：2026年11月" in page and "打印日期：2026年11月27日" in page
        assert f"第{n}页共{len(pages)}页" in page and "未存档（草稿）" in page
    whole = "".join(pages)
    # each figure next to its target, with the verdict
    assert "服务满意率50.0%≥98%未达标" in whole
    assert "返修率返修台次÷维修和保养台次（不含咨询、来访）33.3%<2%未达标" in whole
    assert "保修期内回访率100.0%100%达标" in whole
    assert "投诉答复及时率无数据100%—" in whole
    assert "客户满意指数CSI已打分通话的平均分（0–10分）×10无数据≥93%—" in whole
    assert "来访/送修台次3" in whole and "流失客户0" in whole
    # the charts, with Chinese labels in the font
    assert "2026年各月第一次跟踪及时率、服务满意率与CSI" in whole and "12月" in whole
    assert "CSI目标93%" in whole
    assert "统计期间投诉按部门（共1件）" in whole and "满意率目标98%" in whole
    # the text, then the signature lines on the last page
    assert "".join(TEXT.split()) in whole.replace("\u3000", "")
    assert "业务主管（签字）：" in pages[-1] and "日期：" in pages[-1]
    assert all(embedded_fonts(result.path)) and result.font_note == ""


def test_a_filed_summary_prints_its_frozen_figures(store, archive, november, tmp_path):
    summary = SummaryService(store)
    sid = summary.file("month", "", NOV, TEXT, today=TODAY)
    archive.delete_customer(november[2])  # after filing
    ContactService(store).log_call(CallInput(
        customer_id=november[0], called_at=dt.datetime(2026, 11, 25, 9), points_covered=[2],
        satisfaction="unsatisfied",
        request=RequestInput("配件等了两周", "escalated", True, "配件")), today=TODAY)
    assert summary.figures(NOV).values["visits"] == 2
    path = write_summary_pdf(summary.filed_one(sid), CENTER, tmp_path / "f.pdf",
                             printed_on=D(2026, 12, 3)).path
    whole = "".join(texts(path))
    assert "来访/送修台次3" in whole and "服务满意率50.0%" in whole
    assert "统计期间投诉按部门（共1件）" in whole  # not the 配件 complaint filed later
    assert "已存档：" in whole and "管理员" in whole and "打印日期：2026年12月3日" in whole
    # the command line's choice: the filed summary of the month, when there is one
    doc = summary_doc(summary, NOV, "month", today=TODAY)
    assert doc.filed and doc.values["visits"] == 3 and doc.text == TEXT.strip()


def test_a_long_text_wraps_and_runs_onto_more_pages(store, november, tmp_path):
    summary = SummaryService(store)
    para = ("本月客户反映最多的是等待时间过长，尤其是周末上午的接车高峰，前台接待人员不足，"
            "客户平均等待超过二十五分钟；建议周末增加一名服务顾问，并推广电话预约，预约客户"
            "到店后十五分钟内必须接车。ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUV"
            "WXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ。")
    text = "\n".join([para] * 14)
    doc = SummaryDoc.live(summary.figures(NOV), text, "month")
    path = write_summary_pdf(doc, CENTER, tmp_path / "long.pdf", charts=False,
                             printed_on=TODAY).path
    pages = texts(path)
    assert len(pages) >= 3 and "二、图表" not in "".join(pages)
    assert "二、业务主管月度小结" in "".join(pages)
    # the body without each page's head and foot: nothing lost or repeated at the breaks
    head = re.compile(r"^.*?全部业务员")
    foot = re.compile(r"第\d+页共\d+页未存档（草稿）$")
    body = "".join(foot.sub("", head.sub("", p)) for p in pages).replace("\u3000", "")
    assert body.count("到店后十五分钟内必须接车") == 14
    assert body.count("".join(para.split())) == 14
    for n, page in enumerate(pages, 1):
        assert f"第{n}页共{len(pages)}页" in page and "2026年11月售后跟踪服务月度小结" in page


def test_a_summary_filed_before_trends_were_frozen_still_prints(store, november, tmp_path):
    summary = SummaryService(store)
    sid = summary.file("month", "", NOV, TEXT, today=TODAY)
    with store.session() as s:
        row = s.get(FiledSummary, sid)
        frozen = json.loads(row.figures_json)
        del frozen["trend"], frozen["trend_year"], frozen["complaints_by_department"]
        row.figures_json = json.dumps(frozen, ensure_ascii=False)
    filed = summary.filed_one(sid)
    assert filed.trend is None and filed.departments is None
    whole = "".join(texts(write_summary_pdf(filed, CENTER, tmp_path / "old.pdf").path))
    assert "存档时未保存各月趋势" in whole and "来访/送修台次3" in whole


# ---------------------------------------------------------------- weekly feedback


@pytest.fixture
def week_of_feedback(store, november):
    """In the week 11-16..22: the 车间 complaint (from an unsatisfied call); add a 配件
    complaint, a 前台 request, and an unsatisfied call that raised nothing; and one call the
    week after, which must not count."""
    c = ContactService(store)
    c.log_call(CallInput(customer_id=november[0], called_at=dt.datetime(2026, 11, 17, 9),
                         call_type="complaint", direction="in", satisfaction="basic",
                         request=RequestInput("刹车片缺货，等了两周", "study", True, "配件")),
               today=D(2026, 11, 17))
    c.log_call(CallInput(customer_id=november[2], called_at=dt.datetime(2026, 11, 18, 9),
                         call_type="consultation", direction="in", satisfaction="satisfied",
                         request=RequestInput("希望周末也能预约保养", "answered", False, "前台",
                                              solution="周六上午可预约")), today=D(2026, 11, 18))
    c.log_call(CallInput(customer_id=november[2], called_at=dt.datetime(2026, 11, 20, 15),
                         points_covered=[1], key_points="嫌洗车不干净",
                         satisfaction="unsatisfied"), today=D(2026, 11, 20))
    c.log_call(CallInput(customer_id=november[0], called_at=dt.datetime(2026, 11, 23, 9),
                         points_covered=[2], satisfaction="unsatisfied",
                         request=RequestInput("下周的投诉", "escalated", True, "车间")),
               today=D(2026, 11, 23))
    return Period.week(D(2026, 11, 18))


def test_weekly_feedback_is_grouped_by_department(store, week_of_feedback):
    fb = weekly_feedback(store, week_of_feedback)
    assert (fb.calls, fb.reached, fb.rated) == (4, 4, 4)
    assert (fb.satisfied, fb.basic, fb.unsatisfied) == (1, 1, 2)
    assert fb.satisfaction_rate == 0.5
    assert [d.department for d in fb.departments] == ["前台", "车间", "配件", "保险", "销售",
                                                      "未注明"]
    workshop = fb.department("车间")
    assert [(i.kind, i.customer) for i in workshop.items] == [("投诉", "王芳芳")]
    assert workshop.items[0].content == "返修后仍漏油（通话评价：不满意）"
    assert workshop.items[0].status == "已上报主管" and workshop.items[0].plate == "粤A12341"
    assert [i.content for i in fb.department("配件").items] == ["刹车片缺货，等了两周"]
    front = fb.department("前台").items
    assert front[0].kind == "要求" and front[0].status == "已结案：周六上午可预约"
    assert [(i.kind, i.content) for i in fb.department("未注明").items] == [
        ("不满意", "嫌洗车不干净")]
    assert fb.department("保险").items == [] and len(fb.with_items) == 4
    assert fb.clerks and fb.clerks[0].calls == 4


def test_the_feedback_pdf_gives_each_department_its_pages(store, week_of_feedback, tmp_path):
    fb = weekly_feedback(store, week_of_feedback)
    result = write_feedback_pdf(fb, CENTER, tmp_path / "fb.pdf", printed_on=TODAY)
    pages = texts(result.path)
    assert len(pages) == result.pages == 5  # the overview, then 前台, 车间, 配件, 未注明
    for n, page in enumerate(pages, 1):
        assert "售后跟踪服务客户反馈周报" in page and "统计周：2026-11-16至2026-11-22" in page
        assert f"第{n}页共5页" in page
    assert "服务满意率50.0%≥98%未达标" in pages[0] and "保险000本周无反馈" in pages[0]
    heads = [re.search(r"致(\S{2})：本周客户反馈", p) for p in pages[1:4]]
    assert [h.group(1) for h in heads] == ["前台", "车间", "配件"]
    assert "送：车间" in pages[2] and "返修后仍漏油" in pages[2] and "刹车片" not in pages[2]
    assert "未注明部门的客户反馈" in pages[4] and "嫌洗车不干净" in pages[4]
    assert all("整改措施" in p for p in pages[1:]) and "部门负责人（签收）：" in pages[1]
    assert "下周的投诉" not in "".join(pages)
    assert all(embedded_fonts(result.path))
    every = write_feedback_pdf(fb, CENTER, tmp_path / "all.pdf", all_departments=True)
    assert every.pages == 7 and "本周无客户反馈" in texts(every.path)[4]
