"""A 10,000-line 跟踪服务电话登记表: our PDF and Excel against the plain baselines.

    .venv/bin/python benchmarks/bench_forms.py [--rows 10000] [--repeat 3]

PDF: app.forms_pdf (wrapped cells, rows measured, pages laid out by hand, headers repeated,
page numbers) against drawing the same rows straight on a reportlab canvas (one string per
cell, a rule under each row, the column lines and header per page) in the same run.
Excel: app.forms_xlsx (styled, fitted, wrapped, print setup) against openpyxl write-only
appending the same rows unstyled. The targets: both ratios within 1.5.
Exits 1 when a ratio is over its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.forms import CALL_REGISTER_COLUMNS, Column, FormHeader, RegisterForm  # noqa: E402

TARGET = 1.5

SUMMARIES = [
    "客户对维修服务满意，建议缩短等待时间",
    "车况良好，介绍冬季免费检测周",
    "客户反映保养后怠速抖动，已约定周六到店复查；同时询问空调清洗的价格和所需时间",
    "提醒注意轮胎气压",
    "客户询问下次保养时间，已告知",
    "介绍本公司近期推出的钣喷优惠活动及保险续保服务，客户表示考虑后回电",
]
# 吉𠮷田 and 刘䶮 are in no common font: the PDF's fallback chain (HanaMin, SimSun-ExtB) is on.
NAMES = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴刚",
         "广州市天河区顺达物流有限公司", "吉𠮷田", "刘䶮"]
RESULTS = ["满意", "基本满意", "上报主管", "未接通，约 11-28 10:00 再联系", "研究后答复"]


def make_rows(n: int, seed: int = 7) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    day = dt.date(2026, 1, 1)
    rows = []
    for i in range(n):
        d = day + dt.timedelta(days=i // 40)
        rows.append((
            str(i + 1), d.isoformat(), f"{9 + i % 9:02d}:{i * 7 % 60:02d}", rng.choice(NAMES),
            f"粤A{rng.randint(10000, 99999)}", f"13{rng.randint(100000000, 999999999)}",
            rng.choice(["跟踪", "咨询", "投诉"]), rng.choice(SUMMARIES), rng.choice(RESULTS),
            rng.choice(["王芳", "李强", "赵敏"]), rng.choice(["", "", "来电", "满意"]),
        ))
    return rows


def make_form(rows) -> RegisterForm:
    header = FormHeader("广州市天河区顺达汽车维修服务中心", "跟踪服务电话登记表",
                        "统计期间：2026-01-01 至 2026-12-31", dt.date(2026, 12, 31))
    return RegisterForm("call-register", header,
                        [Column(t, w, wraps) for t, w, wraps in CALL_REGISTER_COLUMNS], rows)


def baseline_pdf(rows, path: Path) -> int:
    """The same rows straight on a canvas: no wrapping, fixed row height, same grid."""
    from reportlab.pdfgen.canvas import Canvas

    from app.forms_pdf import LANDSCAPE, MARGIN_X, _column_xs
    from app.pdf_fonts import register_fonts

    font = register_fonts()
    w, h = LANDSCAPE
    cols = _column_xs([c[1] for c in CALL_REGISTER_COLUMNS], MARGIN_X, w - 2 * MARGIN_X)
    c = Canvas(str(path), pagesize=LANDSCAPE, pageCompression=1)
    row_h, top, bottom = 17.0, h - 80, 40
    per_page = int((top - bottom) // row_h) - 1
    pages = -(-len(rows) // per_page)
    for p in range(pages):
        c.setFont(font.name, 17)
        c.drawCentredString(w / 2, h - 50, "跟踪服务电话登记表")
        c.setFont(font.name, 9)
        y = top
        for (x, _), (title, _, _) in zip(cols, CALL_REGISTER_COLUMNS, strict=True):
            c.drawString(x + 2, y - 12, title)
        c.line(MARGIN_X, y, w - MARGIN_X, y)
        y -= row_h
        c.line(MARGIN_X, y, w - MARGIN_X, y)
        for values in rows[p * per_page:(p + 1) * per_page]:
            for (x, _), text in zip(cols, values, strict=True):
                c.drawString(x + 2, y - 12, text)
            y -= row_h
            c.line(MARGIN_X, y, w - MARGIN_X, y)
        for x, _ in cols + [(w - MARGIN_X, 0)]:
            c.line(x, top, x, y)
        c.drawCentredString(w / 2, 24, f"第 {p + 1} 页 共 {pages} 页")
        c.showPage()
    c.save()
    return pages


def baseline_xlsx(rows, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("跟踪服务电话登记表")
    ws.append([c[0] for c in CALL_REGISTER_COLUMNS])
    for values in rows:
        ws.append(values)
    wb.save(path)


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from app.forms_pdf import write_form_pdf
    from app.forms_xlsx import write_form_xlsx
    from app.pdf_fonts import register_fonts

    font = register_fonts()  # loading the fonts is not what is measured
    from app.pdf_fonts import glyphs

    chain = [n for n, _ in glyphs().chain()]
    rows = make_rows(args.rows)
    out = Path(tempfile.mkdtemp(prefix="bench-forms-"))
    pages = {}

    def ours_pdf():
        pages["ours"] = write_form_pdf(make_form(rows), out / "ours.pdf").pages

    def base_pdf():
        pages["base"] = baseline_pdf(rows, out / "base.pdf")

    t_base_pdf = best_of(base_pdf, args.repeat)
    t_pdf = best_of(ours_pdf, args.repeat)
    t_base_xlsx = best_of(lambda: baseline_xlsx(rows, out / "base.xlsx"), args.repeat)
    t_xlsx = best_of(lambda: write_form_xlsx(make_form(rows), out / "ours.xlsx"), args.repeat)

    pdf_ratio, xlsx_ratio = t_pdf / t_base_pdf, t_xlsx / t_base_xlsx
    print(f"{args.rows} 行电话登记表（字体 {Path(font.path or font.name).name}，"
          f"后备字体 {len(chain)} 个）")
    print(f"  PDF  ours {t_pdf:6.2f} s ({pages['ours']} 页)   canvas baseline {t_base_pdf:6.2f} s "
          f"({pages['base']} 页)   ratio {pdf_ratio:.2f}  (target ≤ {TARGET})")
    print(f"  XLSX ours {t_xlsx:6.2f} s   write-only baseline {t_base_xlsx:6.2f} s   "
          f"ratio {xlsx_ratio:.2f}  (target ≤ {TARGET})")
    return 0 if pdf_ratio <= TARGET and xlsx_ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
