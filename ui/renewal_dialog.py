"""登记续保: the new expiry, the insurer, and whether the policy was renewed here."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.archive import FormErrors, VehicleInfo
from app.dates import add_months
from app.normalize import ValidationError
from app.renewals import RenewalInput, RenewalService
from ui.common import DateField, ErrorForm, tr


class RenewalDialog(QDialog):
    def __init__(self, renewals: RenewalService, vehicle: VehicleInfo,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.renewals = renewals
        self.vehicle = vehicle
        self.renewal_id: int | None = None
        self.setWindowTitle(tr("登记续保 — {plate}").format(plate=vehicle.plate))
        old = vehicle.insurance_expiry
        head = QLabel(tr("原保险到期：{d}").format(d=old.isoformat() if old else tr("未登记")))
        self.form = ErrorForm()
        self.new_expiry = self.form.add("new_expiry", tr("新的保险到期日"), DateField())
        # a renewal runs a year from the old expiry: the usual answer, typed over if not
        self.new_expiry.set_date(add_months(old, 12) if old else None)
        self.insurer = self.form.add("insurer", tr("保险公司"), QLineEdit())
        self.insurer.setPlaceholderText(tr("如 平安、人保、太平洋"))
        self.insurer.setMaxLength(64)
        self.at_our_shop = self.form.add("at_our_shop", tr("在本店续保"),
                                         QCheckBox(tr("是（本店出单）")))
        self.at_our_shop.setChecked(True)
        self.renewed_on = self.form.add("renewed_on", tr("续保日期"), DateField())
        self.renewed_on.set_date(clock.today())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)
        self.new_expiry.setFocus()
        self.new_expiry.selectAll()

    def read(self) -> RenewalInput:
        errors: dict[str, str] = {}
        days: dict[str, dt.date | None] = {}
        for name, field, label in (("new_expiry", self.new_expiry, "新的保险到期日"),
                                   ("renewed_on", self.renewed_on, "续保日期")):
            try:
                days[name] = field.date(name, label)
            except ValidationError as e:
                errors[name] = e.message
        if errors:
            raise FormErrors(errors)
        return RenewalInput(days["new_expiry"], self.insurer.text(),
                            self.at_our_shop.isChecked(), days["renewed_on"])

    def save(self) -> None:
        try:
            self.renewal_id = self.renewals.record(self.vehicle.id, self.read())
        except FormErrors as e:
            self.form.show_errors(e.errors)
            return
        self.accept()
