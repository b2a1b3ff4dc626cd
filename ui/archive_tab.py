"""客户档案 tab: search box, the lazy customer list, and the selected customer's archive."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.archive import (
    ArchiveService,
    CustomerDetail,
    NotFound,
    format_amount,
    format_archive_no,
)
from ui.archive_model import COLUMNS, ArchiveTableModel
from ui.common import tr

# What a typical cell of each column holds: the columns start as wide as that or their header,
# so the list shows whole numbers, dates and plates without a horizontal scrollbar at 1200 px.
SAMPLES = ["000000", "欧阳晓明", "13812345678", "粤AD12345", "丰田凯美瑞", "2026-12-15", "王芳芳",
           "2026-12-15"]


PAGE_MIN = 400  # the archive page beside the list: dates and amounts whole


def default_widths(table: QTableView) -> list[int]:
    fm = table.fontMetrics()
    header = table.horizontalHeader().fontMetrics()
    pad = 14  # cell margins, and the sort arrow on the header
    return [max(fm.horizontalAdvance(sample), header.horizontalAdvance(tr(title)) + 8) + pad
            for sample, (_field, title) in zip(SAMPLES, COLUMNS, strict=True)]


def _last_renewal(v) -> str:
    return (f"<small style='color:#555'>　{tr('上次：')}{_e(v.last_renewal)}</small>"
            if v.last_renewal else "")


def _maintenance_basis(v) -> str:
    """Why the date is what it is: the rule's basis, or the clerk typed it (R2, M)."""
    if not v.next_maintenance_date:
        return ""
    if getattr(v, "next_maintenance_manual", False):
        basis = tr("手填")
    else:
        basis = getattr(v, "next_maintenance_basis", "") or ""
    return f"<span style='color:#777'>（{html.escape(basis)}）</span>" if basis else ""


# A cell that never breaks inside: numbers, dates, plates and phones are read whole. (Qt's rich
# text honours white-space on blocks such as cells only, not on a <span>.)
NW = " style='white-space:nowrap'"
# Not 100%: at some widths Qt lays a 100% table out one pixel wider than the page, and the
# page then shows a horizontal scroll bar for nothing.
FULL = "99%"


def _d(day) -> str:
    return day.isoformat() if day else "—"


def _km(km: int | None) -> str:
    return tr("{n} 公里").format(n=f"{km:,}") if km is not None else ""


def _e(text) -> str:
    return html.escape(str(text)) if text not in (None, "") else "—"


def cycle_text(months: int | None, km: int | None) -> str:
    parts = [tr("{n} 个月").format(n=months) if months else "",
             tr("{n} 公里").format(n=km) if km else ""]
    return " / ".join(p for p in parts if p)


def local_time(moment: dt.datetime) -> str:
    """Rows store UTC; the clerk reads local time."""
    return moment.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def history_html(calls, letters) -> str:
    """R7/R8: the customer's calls and letters, kept in the archive."""
    rows = "".join(
        f"<tr><td width=104{NW}>{c.called_at:%Y-%m-%d}</td><td width=44>{tr(c.type_label)}</td>"
        f"<td width=70>{_e(c.outcome_label)}</td><td>{_e(c.key_points)}</td>"
        f"<td width=50>{_e(c.clerk_name)}</td></tr>"
        for c in calls
    ) or f"<tr><td>{tr('还没有通话记录')}</td></tr>"
    letter_rows = "".join(
        f"<tr><td width=104{NW}>{x.sent_on}</td><td width=44>{tr(x.kind_label)}</td>"
        f"<td width=70>{tr(x.way_label)}</td><td>{_e(x.subject)}</td>"
        f"<td width=50>{_e(x.clerk_name)}</td></tr>"
        for x in letters
    ) or f"<tr><td>{tr('还没有信函')}</td></tr>"
    return (f"<h3>{tr('通话记录')}（{len(calls)}）</h3><table cellspacing=0 width='{FULL}'>"
            f"{rows}</table><h3>{tr('信函')}（{len(letters)}）</h3>"
            f"<table cellspacing=0 width='{FULL}'>{letter_rows}</table>")


def customer_html(c: CustomerDetail, history: str = "") -> str:
    """The archive page of one customer, laid out like 客户档案基本资料表."""
    deleted = (
        f"<p style='color:#c0392b'><b>{tr('已删除（在回收站中）')}</b></p>" if c.deleted_at else ""
    )
    rows = [  # (label, value, value is a number or date: never broken)
        (tr("档案编号"), format_archive_no(c.archive_no), True,
         tr("建档日期"), c.created_at.date(), True),
        (tr("联系电话"), c.phone, True, tr("备用电话"), c.phone2, True),
        (tr("地址"), c.address, False, tr("地区"), c.region, False),
        (tr("负责人"), c.contact_person, False, tr("跟踪业务员"), c.clerk_name, True),
    ]
    info = "".join(
        f"<tr><td class='k'>{a}</td><td{NW if an else ''}>{_e(b)}</td>"
        f"<td class='k'>{x}</td><td{NW if xn else ''}>{_e(y)}</td></tr>"
        for a, b, an, x, y, xn in rows
    )
    wanted = _e(c.services_wanted).replace("\n", "<br>")
    notes = _e(c.notes).replace("\n", "<br>")
    vehicles = "".join(
        f"<table cellspacing=0 width='{FULL}' style='margin-bottom:6px;background:#f6f8fb'>"
        f"<tr><td colspan=4><b style='font-size:large'>{_e(v.plate)}</b>　{_e(v.model)}"
        f"{'　' + html.escape(v.kind) if v.kind else ''}"
        f"　<a href='vehicle:{v.id}'>{tr('修改')}</a></td></tr>"
        f"<tr><td class='k'>{tr('保养周期')}</td>"
        f"<td{NW}>{_e(cycle_text(v.maintenance_cycle_months, v.maintenance_cycle_km))}</td>"
        f"<td class='k'>{tr('下次保养期')}</td><td{NW}>{_d(v.next_maintenance_date)}"
        f"{_maintenance_basis(v)}</td></tr>"
        f"<tr><td class='k'>{tr('保修到期')}</td><td{NW}>{_d(v.warranty_end)}</td>"
        f"<td class='k'>{tr('保险到期')}</td><td{NW}>{_d(v.insurance_expiry)}</td></tr>"
        f"<tr><td class='k'></td><td colspan=3><a href='renew:{v.id}'>{tr('登记续保')}</a>"
        f"{_last_renewal(v)}</td></tr></table>"
        for v in c.vehicles
    ) or f"<p>{tr('还没有车辆')}</p>"
    visits = "".join(
        f"<tr style='background:#f6f8fb'><td{NW}>{v.intake_date}</td>"
        f"<td{NW}>{tr(v.kind_label)}</td><td{NW}>{_e(v.plate)}</td>"
        f"<td align=right{NW}>{_km(v.mileage_km)}</td>"
        f"<td align=right{NW}>{_e(format_amount(v.amount_fen))}</td></tr>"
        f"<tr><td colspan=5 style='padding-bottom:6px'>"
        f"{'<b style=color:#c0392b>' + tr('返修') + '</b>　' if v.is_comeback else ''}"
        f"{_e(v.service_items)}"
        f"<span style='color:#777'>　{tr('出厂')} {_d(v.pickup_date)}</span>"
        f"　<a href='visit:{v.id}'>{tr('修改')}</a></td></tr>"
        for v in c.visits
    ) or f"<tr><td>{tr('还没有来访记录')}</td></tr>"
    audit = tr("建档 {cat} {cby}　最后修改 {uat} {uby}").format(
        cat=local_time(c.created_at), cby=c.created_by,
        uat=local_time(c.updated_at), uby=c.updated_by,
    )
    return f"""
<style>
 td {{ padding: 2px 6px; }} td.k {{ color:#555; white-space:nowrap; }}
 h2 {{ margin: 0 0 4px 0; }} h3 {{ margin: 10px 0 2px 0; }}
</style>
<h2>{_e(c.name)}</h2>{deleted}
<table cellspacing=0>{info}</table>
<p><span style='color:#555'>{tr('客户希望得到的服务')}：</span>{wanted}<br>
<span style='color:#555'>{tr('备注')}：</span>{notes}</p>
<h3>{tr('车辆')}（{len(c.vehicles)}）</h3>
{vehicles}
<h3>{tr('维修/来访记录')}（{len(c.visits)}）</h3>
<table cellspacing=0 width='{FULL}'>
{visits}</table>
{history}
<p style='color:#888'>{audit}　<a href='history:{c.id}'>{tr('修改记录')}</a></p>
"""


class ArchiveTab(QWidget):
    customerActivated = Signal(int)  # Enter or double-click: edit
    vehicleLinkClicked = Signal(int, int)  # customer id, vehicle id
    renewalLinkClicked = Signal(int, int)  # customer id, vehicle id: 登记续保
    historyLinkClicked = Signal(int)  # customer id: 修改记录
    visitLinkClicked = Signal(int, int)  # customer id, visit id
    selectionChangedTo = Signal(object)  # customer id or None

    def __init__(self, archive: ArchiveService, parent: QWidget | None = None, *,
                 history=None):
        super().__init__(parent)
        self.archive = archive
        # customer id → HTML of their calls and letters (the window supplies it)
        self.history = history
        self._shown: int | None = None
        self.search = QLineEdit()
        self.search.setObjectName("archiveSearch")
        self.search.setPlaceholderText(
            tr("查找客户：姓名、拼音首字母（zw = 张伟）、电话任意几位、车号任意几位")
        )
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("查找")))
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)

        self.model = ArchiveTableModel(archive, self)
        self.table = QTableView()
        self.table.setObjectName("archiveTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        for col, width in enumerate(default_widths(self.table)):
            self.table.setColumnWidth(col, width)
        self._last_width = default_widths(self.table)[-1]

        self.detail = QTextBrowser()
        self.detail.setObjectName("customerDetail")
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._link)
        self.detail.setPlaceholderText(tr("在左边选择一位客户，这里显示其档案、车辆和来访记录。"))

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(top)
        lv.addWidget(self.table)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        # The list as wide as its columns, the archive page the rest (it wraps words, never
        # numbers).
        list_width = sum(default_widths(self.table)) + 24
        split.setSizes([list_width, max(420, 1200 - list_width)])
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        self.search.textChanged.connect(self._search_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _i: self._activate())
        self.search.returnPressed.connect(self._focus_table)
        self.table.installEventFilter(self)
        self.search.installEventFilter(self)
        self.model.modelReset.connect(self._after_reset)
        # Turning sorting on sorts by the indicator (档案编号 ascending): the one first load.
        self.table.setSortingEnabled(True)

    # -- state

    def current_customer_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.customer_id(index.row()) if index.isValid() else None

    def select_customer(self, customer_id: int) -> None:
        row = self.model.row_of(customer_id)
        if row < 0 and self.search.text():
            self.search.clear()  # the customer may be hidden by the filter
            row = self.model.row_of(customer_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.setCurrentIndex(self.model.index(row, 0))
            self.table.scrollTo(self.model.index(row, 0))
        self.show_customer(customer_id)

    def reload(self, keep: int | None = None) -> None:
        """keep: a customer just saved, shown even when the search typed before hides it."""
        asked = keep is not None
        keep = keep if keep is not None else self.current_customer_id()
        self.model.refresh()
        if keep is not None and (asked or self.model.row_of(keep) >= 0):
            self.select_customer(keep)

    def show_customer(self, customer_id: int | None) -> None:
        if customer_id is None:
            self.detail.clear()
            return
        try:
            detail = self.archive.detail(customer_id)
        except NotFound:
            self.detail.clear()
            return
        self._shown = customer_id
        self.detail.setHtml(customer_html(detail))
        if self.history:
            # Calls and letters follow a moment later: the list and the archive page paint
            # first, and arrowing through customers stays quick.
            QTimer.singleShot(0, self, lambda: self._add_history(customer_id, detail))

    def _add_history(self, customer_id: int, detail: CustomerDetail) -> None:
        if self._shown != customer_id or self.history is None:
            return  # the clerk has moved on to another customer
        scroll = self.detail.verticalScrollBar().value()
        self.detail.setHtml(customer_html(detail, self.history(customer_id)))
        self.detail.verticalScrollBar().setValue(scroll)

    def list_need(self) -> int:
        """The list's width that shows every column without a horizontal scroll bar."""
        header = self.table.horizontalHeader()
        last = header.count() - 1
        columns = sum(header.sectionSize(c) for c in range(last)) + self._last_width
        return columns + self.table.verticalScrollBar().sizeHint().width() \
            + 2 * self.table.frameWidth() + 2

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # A window made narrower takes the room from the archive page first, down to what the
        # page needs: the list keeps its columns whole (no scroll bar at 1200 px).
        sizes = self.splitter.sizes()
        need, total = self.list_need(), sum(sizes)
        if len(sizes) == 2 and sizes[0] < need and total - need >= PAGE_MIN:
            self.splitter.setSizes([need, total - need])

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("archive/header", self.table.horizontalHeader().saveState())
        settings.setValue("archive/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        header = settings.value("archive/header")
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        split = settings.value("archive/splitter")
        if split is not None:
            self.splitter.restoreState(split)

    # -- reactions

    def _search_changed(self, text: str) -> None:
        self.model.set_query(text)

    def _after_reset(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(tr("{n} 位客户").format(n=n))
        if n:
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.selectRow(0)
        else:
            self.show_customer(None)
            self.selectionChangedTo.emit(None)

    def _current_changed(self, current, _previous) -> None:
        cid = self.model.customer_id(current.row()) if current.isValid() else None
        self.show_customer(cid)
        self.selectionChangedTo.emit(cid)

    def _activate(self) -> None:
        cid = self.current_customer_id()
        if cid is not None:
            self.customerActivated.emit(cid)

    def _focus_table(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()

    def _link(self, url) -> None:
        kind, _, value = url.toString().partition(":")
        cid = self.current_customer_id()
        if kind == "vehicle" and cid is not None:
            self.vehicleLinkClicked.emit(cid, int(value))
        elif kind == "history" and cid is not None:
            self.historyLinkClicked.emit(cid)
        elif kind == "renew" and cid is not None:
            self.renewalLinkClicked.emit(cid, int(value))
        elif kind == "visit" and cid is not None:
            self.visitLinkClicked.emit(cid, int(value))

    def eventFilter(self, obj, event) -> bool:
        if event.type() == event.Type.KeyPress:
            key = event.key()
            if obj is self.search and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                self._focus_table()
                return True
            if obj is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._activate()
                return True
            if obj is self.table and key == Qt.Key.Key_Escape:
                self.search.setFocus()
                self.search.selectAll()
                return True
        return super().eventFilter(obj, event)


__all__ = ["ArchiveTab", "COLUMNS", "customer_html"]
