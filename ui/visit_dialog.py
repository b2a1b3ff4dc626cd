"""送修/来访登记: register a visit from the keyboard alone.

Type a few letters of the customer (name, pinyin initials, phone or plate part), Down/Enter to
pick, then Tab through vehicle, kind, dates, items, mileage, amount; Ctrl+Enter saves.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.archive import (
    VISIT_KIND_LABELS,
    ArchiveService,
    CustomerDetail,
    FormErrors,
    MaintenancePlan,
    StaleEdit,
    VehicleInfo,
    VehicleInput,
    VisitInfo,
    VisitInput,
    classify_visit_kind,
    format_amount,
    format_archive_no,
)
from app.normalize import ValidationError, parse_amount_fen, parse_int, validate_plate
from app.staff import StaffInfo
from db.models import VisitKind
from ui import common
from ui.common import DateField, ErrorForm, tr
from ui.customer_dialog import CustomerDialog

NEW_VEHICLE = -1
MATCHES_SHOWN = 8


class CustomerPicker(QWidget):
    """A search line with a short list of matches under it."""

    # A Signal, not a bound method stored on the child: that reference cycle between the
    # dialog and its child made the collector free the dialog under Qt (a segfault after F4).
    picked = Signal(int)

    def __init__(self, archive: ArchiveService, parent: QWidget | None = None):
        super().__init__(parent)
        self.archive = archive
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("输入客户名称、拼音首字母、电话或车号"))
        self.search.setClearButtonEnabled(True)
        self.matches = QListWidget()
        self.matches.setMaximumHeight(130)
        self.matches.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.matches)
        self.search.textEdited.connect(self._update)
        self.search.installEventFilter(self)

    def _update(self, text: str) -> None:
        self.matches.clear()
        if not text.strip():
            self.matches.hide()
            return
        ids = self.archive.search_ids(text)[:MATCHES_SHOWN]
        rows = self.archive.summary_rows(ids)
        for cid in ids:
            r = rows[cid]
            item = QListWidgetItem(
                f"{format_archive_no(r.archive_no)}  {r.name}  {r.phone}  {r.plates}"
            )
            item.setData(Qt.ItemDataRole.UserRole, cid)
            self.matches.addItem(item)
        if not ids:
            self.matches.addItem(tr("没有找到，按 Ctrl+N 新建客户"))
        self.matches.setCurrentRow(0)
        self.matches.show()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.search and event.type() == event.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.matches.count():
                row = self.matches.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.matches.setCurrentRow(max(0, min(row, self.matches.count() - 1)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.matches.isVisible():
                self.pick_current()
                return True
        return super().eventFilter(obj, event)

    def pick_current(self) -> None:
        item = self.matches.currentItem()
        cid = item.data(Qt.ItemDataRole.UserRole) if item else None
        if cid is not None:
            self.matches.hide()
            self.picked.emit(cid)


class VisitDialog(QDialog):
    def __init__(
        self,
        archive: ArchiveService,
        clerks: list[StaffInfo],
        parent: QWidget | None = None,
        *,
        customer_id: int | None = None,
        default_clerk_id: int | None = None,
        visit: VisitInfo | None = None,
    ):
        super().__init__(parent)
        self.archive = archive
        self.clerks = clerks
        self.default_clerk_id = default_clerk_id
        self.customer: CustomerDetail | None = None
        self.visit_id: int | None = None
        self.setWindowTitle(tr("送修/来访登记"))
        self.setMinimumWidth(560)

        self.picker = CustomerPicker(archive)
        self.picker.picked.connect(self.set_customer)
        self.customer_label = QLabel(tr("尚未选择客户"))
        self.customer_label.setWordWrap(True)
        new_customer = QPushButton(tr("新建客户 (Ctrl+N)"))
        new_customer.setAutoDefault(False)
        new_customer.clicked.connect(self.create_customer)
        QShortcut(QKeySequence("Ctrl+N"), self, self.create_customer)
        top = QHBoxLayout()
        top.addWidget(self.picker, 1)
        top.addWidget(new_customer, 0, Qt.AlignmentFlag.AlignTop)

        f = self.fields = ErrorForm()
        self.vehicle = f.add("vehicle", tr("车辆"), QComboBox())
        self.vehicle.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.vehicle.setMinimumWidth(260)
        self.vehicle.currentIndexChanged.connect(self._vehicle_changed)
        self.new_plate = f.add("plate", tr("新车号"), QLineEdit())
        self.new_plate.setPlaceholderText(tr("如 粤A12345"))
        self.new_model = f.add("model", tr("新车型"), QLineEdit())
        self.kind = f.add("kind", tr("类别"), QComboBox())
        for kind, label in VISIT_KIND_LABELS.items():
            self.kind.addItem(tr(label), kind)
        self.intake = f.add("intake_date", tr("送修/来访日期"), DateField(today_default=True))
        self.pickup = f.add("pickup_date", tr("出厂日期"), DateField())
        self.pickup.setPlaceholderText(tr("未出厂可不填；t = 今天"))
        self.items = f.add("service_items", tr("维修养护项目"), QLineEdit())
        # The kind follows the work done (更换机油机滤 → 保养) until the clerk picks one.
        self.maintenance_words = archive.maintenance_words()
        self.kind_chosen = False
        self.kind.activated.connect(self._kind_picked)
        self.items.textChanged.connect(self._propose_kind)
        self.mileage = f.add("mileage_km", tr("行驶里程（公里）"), QLineEdit())
        self.amount = f.add("amount_fen", tr("金额（元）"), QLineEdit())
        self.comeback = f.add("is_comeback", tr("返修"), QCheckBox(tr("本次为返修")))
        # R1 collects 保养周期 and 下次保养期 at the visit; saving them updates the car.
        self.cycle_months = f.add("maintenance_cycle_months", tr("保养周期（月）"), QLineEdit())
        self.cycle_months.setPlaceholderText(tr("如 6"))
        self.next_maintenance = f.add("next_maintenance_date", tr("下次保养期"), DateField())
        self.next_maintenance.setPlaceholderText(tr("不填则按上次保养和保养周期推算"))
        self.next_basis = QLabel()
        self.next_basis.setObjectName("next_maintenance_basis")
        self.next_basis.setStyleSheet("color: #555;")
        self.next_maintenance.parentWidget().layout().insertWidget(1, self.next_basis)
        self.shown_next = None
        self._set_new_vehicle_visible(False)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(tr("登记 (Ctrl+Enter)"))
        self.save_button.setAutoDefault(False)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.message = QLabel()
        self.message.setStyleSheet("color: #c0392b;")
        self.message.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.customer_label)
        layout.addWidget(f)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self.editing = visit
        if visit is not None and customer_id is not None:
            self._load_visit(customer_id, visit)
        elif customer_id is not None:
            self.set_customer(customer_id)
        else:
            QTimer.singleShot(0, self.picker.search, self.picker.search.setFocus)

    def _load_visit(self, customer_id: int, visit: VisitInfo) -> None:
        """Correct a registered visit: same form, the customer fixed."""
        self.setWindowTitle(tr("修改来访记录"))
        self.save_button.setText(tr("保存 (Ctrl+Enter)"))
        self.set_customer(customer_id, visit.vehicle_id)
        if visit.vehicle_id is None:
            self.vehicle.setCurrentIndex(self.vehicle.findData(None))
        self.picker.setEnabled(False)
        self.kind.setCurrentIndex(self.kind.findData(visit.kind))
        self.kind_chosen = True  # a correction keeps the recorded kind unless changed
        self.intake.set_date(visit.intake_date)
        self.pickup.set_date(visit.pickup_date)
        self.items.setText(visit.service_items)
        self.mileage.setText("" if visit.mileage_km is None else str(visit.mileage_km))
        self.amount.setText(format_amount(visit.amount_fen))
        self.comeback.setChecked(visit.is_comeback)
        self.visit_id = visit.id

    def keyPressEvent(self, event) -> None:
        """Ctrl+Enter saves; a plain Enter moves on to the next field, as on paper forms."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.save()
            else:
                self.focusNextChild()
            return
        super().keyPressEvent(event)

    # -- customer and vehicle

    def set_customer(self, customer_id: int, vehicle_id: int | None = None) -> None:
        self.customer = self.archive.detail(customer_id)
        c = self.customer
        self.picker.search.setText(c.name)
        self.picker.matches.hide()
        self.customer_label.setText(
            tr("客户：{no}  {name}  {phone}  {address}").format(
                no=format_archive_no(c.archive_no), name=c.name, phone=c.phone, address=c.address
            )
        )
        self.vehicle.blockSignals(True)
        self.vehicle.clear()
        for v in c.vehicles:
            self.vehicle.addItem(f"{v.plate}  {v.model}", v.id)
        self.vehicle.addItem(tr("＋ 新车辆…"), NEW_VEHICLE)
        self.vehicle.addItem(tr("（不涉及车辆：咨询/来访）"), None)
        index = self.vehicle.findData(vehicle_id) if vehicle_id else 0
        self.vehicle.setCurrentIndex(max(index, 0))
        self.vehicle.blockSignals(False)
        self._vehicle_changed()
        self.vehicle.setFocus()

    def _vehicle_changed(self) -> None:
        self._set_new_vehicle_visible(self.vehicle.currentData() == NEW_VEHICLE)
        self._show_plan(self._current_vehicle())

    def _current_vehicle(self) -> VehicleInfo | None:
        vid = self.vehicle.currentData()
        if self.customer is None or vid in (None, NEW_VEHICLE):
            return None
        return next((v for v in self.customer.vehicles if v.id == vid), None)

    def _show_plan(self, v: VehicleInfo | None) -> None:
        """The chosen car's 保养周期 and 下次保养期, with how the date was found."""
        cycle = v.maintenance_cycle_months if v else None
        self.cycle_months.setText("" if cycle is None else str(cycle))
        self.shown_next = v.next_maintenance_date if v else None
        self.next_maintenance.set_date(self.shown_next)
        basis = ""
        if v is not None and v.next_maintenance_date is not None:
            basis = tr("客户服务员填写，下次保养后按周期推算") if v.next_maintenance_manual or not (
                v.next_maintenance_basis) else v.next_maintenance_basis
        self.next_basis.setText(basis)
        self.next_basis.setVisible(bool(basis))
        has_car = self.vehicle.currentData() is not None
        for name in ("maintenance_cycle_months", "next_maintenance_date"):
            widget = self.fields.fields[name]
            widget.parentWidget().setVisible(has_car)
            self.fields.form.labelForField(widget.parentWidget()).setVisible(has_car)

    def _kind_picked(self, _index: int) -> None:
        self.kind_chosen = True

    def _propose_kind(self, text: str) -> None:
        if self.kind_chosen:
            return
        if self.kind.currentData() not in (VisitKind.REPAIR, VisitKind.MAINTENANCE):
            return
        proposed = classify_visit_kind(text, self.maintenance_words)
        self.kind.setCurrentIndex(self.kind.findData(proposed))

    def _set_new_vehicle_visible(self, visible: bool) -> None:
        for name in ("plate", "model"):
            widget = self.fields.fields[name]
            widget.parentWidget().setVisible(visible)
            self.fields.form.labelForField(widget.parentWidget()).setVisible(visible)

    def create_customer(self) -> None:
        dialog = CustomerDialog(
            self.archive, self.clerks, self, default_clerk_id=self.default_clerk_id
        )
        typed = self.picker.search.text().strip()
        if typed and not typed.isascii():
            dialog.name.setText(typed)
        elif typed:
            dialog.phone.setText(typed)
        if common.run(dialog) and dialog.customer_id is not None:
            self.set_customer(dialog.customer_id)
        elif dialog.open_customer_id is not None:
            self.set_customer(dialog.open_customer_id)

    # -- saving

    def read(self) -> VisitInput:
        errors: dict[str, str] = {}

        def take(fn, *args):
            try:
                return fn(*args)
            except ValidationError as e:
                errors.setdefault(e.field, e.message)
                return None

        data = VisitInput(
            kind=self.kind.currentData(),
            intake_date=take(self.intake.date, "intake_date", "送修日期"),
            pickup_date=take(self.pickup.date, "pickup_date", "出厂日期"),
            service_items=self.items.text(),
            mileage_km=take(parse_int, self.mileage.text(), "mileage_km", "行驶里程"),
            amount_fen=take(parse_amount_fen, self.amount.text(), "amount_fen", "金额"),
            is_comeback=self.comeback.isChecked(),
        )
        if not errors:
            try:
                data = data.cleaned()
            except FormErrors as e:
                errors.update(e.errors)
        if errors:
            raise FormErrors(errors)
        return data

    def read_plan(self) -> MaintenancePlan:
        """保养周期 and, when the clerk changed it, 下次保养期 (else the rule derives it)."""
        errors: dict[str, str] = {}
        cycle = next_day = None
        try:
            cycle = parse_int(self.cycle_months.text(), "maintenance_cycle_months", "保养周期")
        except ValidationError as e:
            errors[e.field] = e.message
        if cycle is not None and cycle <= 0:
            errors["maintenance_cycle_months"] = tr("保养周期应大于 0。")
        try:
            next_day = self.next_maintenance.date("next_maintenance_date", "下次保养期")
        except ValidationError as e:
            errors[e.field] = e.message
        if errors:
            raise FormErrors(errors)
        typed = next_day if next_day != self.shown_next else None
        return MaintenancePlan(cycle_months=cycle, next_maintenance_date=typed)

    def save(self) -> None:
        self.message.clear()
        if self.customer is None:
            self.message.setText(tr("请先选择或新建客户。"))
            self.picker.search.setFocus()
            return
        errors: dict[str, str] = {}
        data = None
        try:
            data = self.read()
        except FormErrors as e:
            errors.update(e.errors)
        plan = None
        try:
            plan = self.read_plan()
        except FormErrors as e:
            errors.update(e.errors)
        vehicle_id = self.vehicle.currentData()
        if vehicle_id is None:
            plan = None
        new_plate = None
        if vehicle_id == NEW_VEHICLE:
            try:
                new_plate = validate_plate(self.new_plate.text())
            except ValidationError as e:
                errors["plate"] = e.message
        elif vehicle_id is None and data and data.kind in (VisitKind.REPAIR,
                                                           VisitKind.MAINTENANCE):
            errors["vehicle"] = tr("维修、保养须选择车辆。")
        self.fields.show_errors(errors)
        if errors or data is None:
            return
        if new_plate is not None:
            duplicates = self.archive.find_duplicates(
                plates=[new_plate], exclude_customer_id=self.customer.id
            )
            if duplicates:
                self.fields.show_errors({"plate": duplicates[0].message})
                return
            vehicle_id = self.archive.add_vehicle(
                self.customer.id, VehicleInput(plate=new_plate, model=self.new_model.text())
            )
        try:
            if self.editing is not None:
                self.archive.update_visit(self.editing.id, vehicle_id, data, plan,
                                          version=self.editing.version)
            else:
                self.visit_id = self.archive.register_visit(
                    self.customer.id, vehicle_id, data, plan)
        except StaleEdit as e:
            # another desk corrected it first: what was typed stays in the form
            common.warning(self, tr("来访记录已被修改"), e.message + tr(
                "\n\n你填写的内容仍在窗口里；取消后重新打开即可看到对方保存的内容。"))
            return
        except FormErrors as e:
            self.fields.show_errors(e.errors)
            return
        self.accept()

