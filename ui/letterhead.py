"""The center's name on paper: a form or letter printed under the placeholder name warns once."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.settings import CENTER_DEFAULTS, center_is_placeholder
from ui import common
from ui.common import tr

# Once a session: the clerk has been told; printing goes on (tests set this to skip it).
warned = False


def warn_placeholder_center(parent: QWidget | None, center: dict[str, str] | str) -> bool:
    """Warn (the first time only) when the center's name is still the placeholder; printing
    goes on either way. True when the warning was shown now."""
    global warned
    if isinstance(center, str):
        center = {"name": center}
    if warned or not center_is_placeholder(center):
        return False
    warned = True
    common.warning(parent, tr("本中心名称未设置"), tr(
        "打印件抬头的中心名称还是默认的“{name}”。\n\n请在“联系 → 信函模板与信头…”中"
        "填写本中心的名称、地址和电话，之后打印的信函和登记表都会用上。\n"
        "这次仍按默认名称打印（本次运行不再提醒）。").format(name=CENTER_DEFAULTS["name"]))
    return True
