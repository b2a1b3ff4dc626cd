"""Create or edit a customer (with the first vehicle when creating), and edit a vehicle."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.archive import (
    ArchiveService,
    CustomerDetail,
    CustomerInput,
    FormErrors,
    StaleEdit,
    VehicleInfo,
    VehicleInput,
    format_archive_no,
)
from app.normalize import ValidationError
from app.staff import StaffInfo, acting
from ui import common
from ui.common import DateField, ErrorForm, tr

VEHICLE_KINDS = ["", "轿车", "SUV", "MPV", "新能源", "皮卡", "客车", "货车"]


def _spin(maximum: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, maximum)
    spin.setSpecialValueText(tr("未设"))
    spin.setSuffix(suffix)
    return spin


class VehicleFields(ErrorForm):
    """The vehicle block: plate, model, kind, dates and maintenance cycle."""

    def __init__(self, parent: QWidget | None = None, *, plate_required: bool = True):
        super().__init__(parent)
        self.plate_required = plate_required
        self.plate = self.add("plate", tr("车号"), QLineEdit())
        self.plate.setPlaceholderText(tr("如 粤A12345 或 粤AD12345"))
        self.model = self.add("model", tr("车型"), QLineEdit())
        self.kind = self.add("kind", tr("车种"), QComboBox())
        self.kind.setEditable(True)
        self.kind.addItems(VEHICLE_KINDS)
        self.vin = self.add("vin", tr("车架号"), QLineEdit())
        # A 17-character VIN is read and checked whole.
        self.vin.setMinimumWidth(common.text_room(self.vin, "W" * 17))
        self.purchase_date = self.add("purchase_date", tr("购车日期"), DateField())
        self.warranty_end = self.add("warranty_end", tr("保修到期"), DateField())
        self.insurance_expiry = self.add("insurance_expiry", tr("保险到期"), DateField())
        self.cycle_months = self.add("maintenance_cycle_months", tr("保养周期（月）"),
                                     _spin(60, tr(" 个月")))
        self.cycle_km = self.add("maintenance_cycle_km", tr("保养周期（公里）"),
                                 _spin(100000, tr(" 公里")))
        self.cycle_km.setSingleStep(1000)
        self.next_maintenance = self.add("next_maintenance_date", tr("下次保养期"), DateField())
        self.next_maintenance.setPlaceholderText(tr("不填则按上次保养和保养周期推算"))
        # How the date was found ("按 6 个月" …); a date typed here wins until the next
        # maintenance visit.
        self.next_basis = QLabel()
        self.next_basis.setObjectName("next_maintenance_basis")
        self.next_basis.setStyleSheet("color: #555;")
        self.next_basis.hide()
        self.next_maintenance.parentWidget().layout().insertWidget(1, self.next_basis)

    def is_blank(self) -> bool:
        return not (self.plate.text().strip() or self.model.text().strip())

    def load(self, v: VehicleInfo) -> None:
        self.plate.setText(v.plate)
        self.model.setText(v.model)
        self.kind.setCurrentText(v.kind)
        self.vin.setText(v.vin)
        self.purchase_date.set_date(v.purchase_date)
        self.warranty_end.set_date(v.warranty_end)
        self.insurance_expiry.set_date(v.insurance_expiry)
        self.cycle_months.setValue(v.maintenance_cycle_months or 0)
        self.cycle_km.setValue(v.maintenance_cycle_km or 0)
        self.next_maintenance.set_date(v.next_maintenance_date)
        basis = ""
        if v.next_maintenance_date is not None:
            basis = (tr("客户服务员填写，下次保养后按周期推算") if v.next_maintenance_manual
                     or not v.next_maintenance_basis else v.next_maintenance_basis)
        self.next_basis.setText(basis)
        self.next_basis.setVisible(bool(basis))

    def read(self) -> VehicleInput:
        """The typed vehicle; FormErrors names every field that is wrong."""
        errors: dict[str, str] = {}
        dates = {}
        for name, widget, label in (
            ("purchase_date", self.purchase_date, "购车日期"),
            ("warranty_end", self.warranty_end, "保修到期"),
            ("insurance_expiry", self.insurance_expiry, "保险到期"),
            ("next_maintenance_date", self.next_maintenance, "下次保养期"),
        ):
            try:
                dates[name] = widget.date(name, label)
            except ValidationError as e:
                errors[name] = e.message
        data = VehicleInput(
            plate=self.plate.text(), model=self.model.text(), kind=self.kind.currentText(),
            vin=self.vin.text(), maintenance_cycle_months=self.cycle_months.value() or None,
            maintenance_cycle_km=self.cycle_km.value() or None, **dates,
        )
        try:
            data = data.cleaned()
        except FormErrors as e:
            errors = {**e.errors, **errors}
        if errors:
            raise FormErrors(errors)
        return data


class CustomerDialog(QDialog):
    """New customer (with a first vehicle) or edit one; warns about phones/plates in use."""

    def __init__(
        self,
        archive: ArchiveService,
        clerks: list[StaffInfo],
        parent: QWidget | None = None,
        *,
        customer: CustomerDetail | None = None,
        default_clerk_id: int | None = None,
    ):
        super().__init__(parent)
        self.archive = archive
        self.customer = customer
        self.customer_id: int | None = customer.id if customer else None
        self.open_customer_id: int | None = None  # set when the clerk asks to open a duplicate
        self.setWindowTitle(
            tr("编辑客户档案 {no}").format(no=format_archive_no(customer.archive_no))
            if customer else tr("新建客户档案")
        )
        self.fields = ErrorForm()
        f = self.fields
        self.name = f.add("name", tr("客户名称 *"), QLineEdit())
        self.phone = f.add("phone", tr("联系电话 *"), QLineEdit())
        self.phone.setPlaceholderText(tr("手机 11 位，或座机带区号 0755-12345678"))
        self.phone2 = f.add("phone2", tr("备用电话"), QLineEdit())
        self.address = f.add("address", tr("地址"), QLineEdit())
        self.region = f.add("region", tr("地区"), QLineEdit())
        self.contact_person = f.add("contact_person", tr("负责人"), QLineEdit())
        self.clerk = f.add("clerk_id", tr("跟踪业务员"), QComboBox())
        self.clerk.addItem(tr("（未指定）"), None)
        for s in clerks:
            self.clerk.addItem(s.name, s.id)
        self.services_wanted = f.add("services_wanted", tr("客户希望得到的服务"),
                                     QPlainTextEdit())
        self.notes = f.add("notes", tr("备注"), QPlainTextEdit())
        for edit in (self.services_wanted, self.notes):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(52)

        layout = QHBoxLayout()
        left = QGroupBox(tr("客户"))
        QVBoxLayout(left).addWidget(f)
        layout.addWidget(left, 3)
        self.vehicle: VehicleFields | None = None
        if customer is None:
            self.vehicle = VehicleFields(plate_required=False)
            right = QGroupBox(tr("第一辆车（可不填）"))
            QVBoxLayout(right).addWidget(self.vehicle)
            layout.addWidget(right, 2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        outer = QVBoxLayout(self)
        outer.addLayout(layout)
        outer.addWidget(buttons)

        if customer is not None:
            self._load(customer)
            user = acting(archive.store)
            if user is not None and not user.is_supervisor:
                # handing a customer over is the supervisor's (the service refuses too)
                self.clerk.setEnabled(False)
                self.clerk.setToolTip(tr("更换跟踪业务员须由业务主管安排"))
        elif default_clerk_id is not None:
            self.clerk.setCurrentIndex(max(0, self.clerk.findData(default_clerk_id)))
        self.name.setFocus()

    def _load(self, c: CustomerDetail) -> None:
        self.name.setText(c.name)
        self.phone.setText(c.phone)
        self.phone2.setText(c.phone2)
        self.address.setText(c.address)
        self.region.setText(c.region)
        self.contact_person.setText(c.contact_person)
        index = self.clerk.findData(c.clerk_id)
        if index < 0 and c.clerk_id is not None:
            self.clerk.addItem(c.clerk_name, c.clerk_id)
            index = self.clerk.count() - 1
        self.clerk.setCurrentIndex(max(index, 0))
        self.services_wanted.setPlainText(c.services_wanted)
        self.notes.setPlainText(c.notes)

    def read(self) -> CustomerInput:
        return CustomerInput(
            name=self.name.text(), phone=self.phone.text(), phone2=self.phone2.text(),
            address=self.address.text(), region=self.region.text(),
            contact_person=self.contact_person.text(),
            services_wanted=self.services_wanted.toPlainText(),
            notes=self.notes.toPlainText(), clerk_id=self.clerk.currentData(),
        )

    def save(self) -> None:
        data = self.read()
        vehicles: list[VehicleInput] = []
        errors: dict[str, str] = {}
        try:
            data = data.cleaned()
        except FormErrors as e:
            errors.update(e.errors)
        if self.vehicle is not None:
            self.vehicle.clear_errors()
            if not self.vehicle.is_blank():
                try:
                    vehicles.append(self.vehicle.read())
                except FormErrors as e:
                    self.vehicle.show_errors(e.errors)
                    errors["_vehicle"] = ""
        self.fields.show_errors(errors)
        if errors:
            return
        duplicates = self.archive.find_duplicates(
            phones=[data.phone, data.phone2], plates=[v.plate for v in vehicles],
            exclude_customer_id=self.customer_id,
        )
        if duplicates:
            text = "\n".join(d.message for d in duplicates)
            choice = common.choose(
                self, tr("电话或车号已存在"),
                text + "\n\n" + tr("是同一位客户吗？可以打开已有档案，或仍按新信息保存。"),
                [tr("打开该客户"), tr("仍然保存"), tr("返回修改")],
            )
            if choice == 0:
                self.open_customer_id = duplicates[0].customer_id
                self.reject()
                return
            if choice != 1:
                return
        try:
            if self.customer_id is None:
                self.customer_id = self.archive.create_customer(data, vehicles)
            else:
                self.archive.update_customer(
                    self.customer_id, data, self.customer.version if self.customer else None)
        except FormErrors as e:
            self.fields.show_errors(e.errors)
            return
        except StaleEdit as e:
            # another desk saved first: keep what was typed, offer theirs
            if common.choose(self, tr("客户已被修改"), e.message, [
                    tr("载入对方保存的内容"), tr("保留我填写的内容")]) == 0:
                self.customer = self.archive.detail(self.customer_id)
                self._load(self.customer)
            return
        self.accept()


class VehicleDialog(QDialog):
    def __init__(
        self,
        archive: ArchiveService,
        customer_id: int,
        parent: QWidget | None = None,
        *,
        vehicle: VehicleInfo | None = None,
    ):
        super().__init__(parent)
        self.archive = archive
        self.customer_id = customer_id
        self.vehicle_id = vehicle.id if vehicle else None
        self.version = vehicle.version if vehicle else None
        self.setWindowTitle(tr("编辑车辆") if vehicle else tr("新增车辆"))
        self.fields = VehicleFields()
        if vehicle:
            self.fields.load(vehicle)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addWidget(buttons)
        self.resize(max(480, self.sizeHint().width()), self.sizeHint().height())
        self.fields.plate.setFocus()

    def save(self) -> None:
        try:
            data = self.fields.read()
        except FormErrors as e:
            self.fields.show_errors(e.errors)
            return
        duplicates = self.archive.find_duplicates(
            plates=[data.plate], exclude_customer_id=self.customer_id
        )
        if duplicates and not common.confirm(
            self, tr("车号已存在"), duplicates[0].message + "\n" + tr("仍然保存吗？")
        ):
            return
        try:
            if self.vehicle_id is None:
                self.vehicle_id = self.archive.add_vehicle(self.customer_id, data)
            else:
                self.archive.update_vehicle(self.vehicle_id, data, self.version)
        except StaleEdit as e:
            if common.choose(self, tr("车辆已被修改"), e.message, [
                    tr("载入对方保存的内容"), tr("保留我填写的内容")]) == 0:
                fresh = next(v for v in self.archive.detail(self.customer_id).vehicles
                             if v.id == self.vehicle_id)
                self.version = fresh.version
                self.fields.load(fresh)
            return
        self.accept()
