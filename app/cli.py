"""The command line. With no subcommand the window opens; everything else is headless.

Only the window branch loads ui/ (and Qt), so the headless commands run on any machine.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app import __version__, clock
from app.config import ENV_DB, DatabasePathError, data_dir, database_url, to_url
from app.files import share

DEMO_DEFAULT_CUSTOMERS = 2000


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="followdesk",
        description="售后跟踪服务台 FollowDesk — 不带子命令时打开程序窗口。",
    )
    p.add_argument("--version", action="version", version=f"FollowDesk {__version__}")
    p.add_argument("--db", metavar="PATH_OR_URL",
                   help=f"数据库文件或 SQLAlchemy URL（也可用环境变量 {ENV_DB}）")
    p.add_argument("--demo", action="store_true",
                   help="打开演示数据库（首次使用时自动生成演示数据）")
    p.add_argument("--user", metavar="NAME",
                   help="写入数据库的命令（import、holidays --import、center --name …）以谁的"
                        f"身份执行；密码从环境变量 {ENV_PASSWORD} 读取，没有则提示输入")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("demo", help="向空数据库填入演示数据")
    d.add_argument("--customers", type=int, default=DEMO_DEFAULT_CUSTOMERS)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--years", type=int, default=2, help="来访记录跨越的年数（默认 2）")

    i = sub.add_parser("import", help="从 Excel/CSV 导入客户、车辆和来访记录")
    i.add_argument("file", type=Path)
    i.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    i.add_argument("--report", type=Path, metavar="OUT.xlsx", help="把逐行结果写入 Excel")
    i.add_argument("--json", action="store_true", help="以 JSON 输出统计")
    i.add_argument("--clerk", metavar="NAME",
                   help="新建客户的跟踪业务员（表中没有写明业务员的行）")

    t = sub.add_parser("template", help="生成导入模板")
    t.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")

    k = sub.add_parser("tasks", help="列出跟踪期限与日期范围重叠的任务")
    k.add_argument("--from", dest="start", type=_date_arg, metavar="DATE", help="默认今天")
    k.add_argument("--to", dest="end", type=_date_arg, metavar="DATE", help="默认同 --from")
    k.add_argument("--owner", metavar="NAME", help="跟踪业务员姓名或登录名")
    k.add_argument("--kind", metavar="KIND",
                   help="archive, first_followup, second_followup, maintenance, "
                        "first_service, insurance, lost_customer …")
    k.add_argument("--open", action="store_true", help="只列待办任务")
    k.add_argument("--today", action="store_true",
                   help="今日工作，与“跟踪日历”相同：今日必做（逾期、今天到期、建议今天拨打）"
                        "与可提前；可与 --owner、--kind 同用")
    k.add_argument("--json", action="store_true")

    h = sub.add_parser("holidays", help="节假日与调休：查看某年的放假和调休日，或导入国务院通知")
    h.add_argument("--year", type=int, metavar="YYYY", help="默认今年")
    h.add_argument("--json", action="store_true")
    h.add_argument("--import", dest="import_file", type=Path, metavar="FILE",
                   help="导入通知（Excel/CSV：日期 / 类型 休|班 / 名称），文件中的年份整年替换")
    h.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    h.add_argument("--template", type=Path, metavar="FILE.xlsx",
                   help="把该年（按推算或已录入的）日期写成可填写的通知表")

    m = sub.add_parser("summary", help="统计指标（对照目标）")
    when = m.add_mutually_exclusive_group(required=True)
    when.add_argument("--week", type=_date_arg, metavar="DATE", help="含该日的一周（周一至周日）")
    when.add_argument("--month", metavar="YYYY-MM")
    when.add_argument("--year", type=int, metavar="YYYY")
    m.add_argument("--clerk", metavar="NAME")
    m.add_argument("--json", action="store_true")

    c = sub.add_parser("center",
                       help="查看或设置信头：本中心名称、地址、电话（印在信函和表格抬头）")
    c.add_argument("--name", metavar="NAME", help="本中心名称")
    c.add_argument("--address", metavar="TEXT", help="本中心地址")
    c.add_argument("--phone", metavar="PHONE", help="本中心电话")
    b = sub.add_parser("backup", help="立即备份数据库（默认存入备份文件夹并轮换）")
    b.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="备份到这个文件，而不是备份文件夹")

    r = sub.add_parser("restore", help="用备份文件恢复数据库（先检查文件，并先备份当前数据）")
    r.add_argument("file", type=Path)

    f = sub.add_parser("print", help="打印四张表格（PDF 或 Excel）",
                       description="FORM：archive（客户档案基本资料表）、call-record（跟踪服务"
                                   "电话记录表）、call-register（跟踪服务电话登记表）、"
                                   "letter-register（跟踪服务信函登记表）")
    f.add_argument("form", metavar="FORM",
                   help="archive, call-record, call-register, letter-register, summary")
    f.add_argument("--from", dest="start", type=_date_arg, metavar="DATE",
                   help="登记表默认本月一日")
    f.add_argument("--to", dest="end", type=_date_arg, metavar="DATE", help="登记表默认本月末")
    f.add_argument("--clerk", metavar="NAME", help="只要这位业务员经办的")
    f.add_argument("--customer", metavar="ARCHIVE_NO", help="档案编号（archive）")
    f.add_argument("--call", metavar="ID", help="通话编号（call-record）")
    f.add_argument("--limit", type=int, metavar="N", help="最多打印多少份 / 多少行")
    f.add_argument("--format", choices=["pdf", "xlsx"], help="默认按输出文件的扩展名，否则 pdf")
    f.add_argument("--month", metavar="YYYY-MM", help="summary：月度小结")
    f.add_argument("--year", type=int, metavar="YYYY", help="summary：年度总结")
    f.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    return p


def _month_arg(text: str) -> tuple[int, int] | None:
    import re

    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return int(m.group(1)), int(m.group(2))


CENTER_HINT = ("提示：本中心名称还没有设置，打印件抬头将是默认的“{name}”。\n"
               "请用 followdesk center --name \"贵中心名称\" --phone 电话 设置，"
               "或在程序窗口的“联系 → 信函模板与信头…”中填写。")


def warn_placeholder_center(center: dict[str, str] | str) -> bool:
    """On stderr, when the center's name is still the placeholder: how to set it."""
    from app.settings import CENTER_DEFAULTS, center_is_placeholder

    if isinstance(center, str):
        center = {"name": center}
    if not center_is_placeholder(center):
        return False
    print(CENTER_HINT.format(name=CENTER_DEFAULTS["name"]), file=sys.stderr)
    return True


def cmd_center(url: str, args) -> int:
    """followdesk center [--name N] [--address A] [--phone P]: show or change the letterhead."""
    from app.letters import LetterService
    from app.normalize import ValidationError

    values = {k: v for k, v in (("name", args.name), ("address", args.address),
                                ("phone", args.phone)) if v is not None}
    store = _open_store(url)
    try:
        letters = LetterService(store)
        if values:
            if not _sign_in(store, args):
                return 2
            try:
                letters.save_center(**values)
            except ValidationError as e:
                print(e.message, file=sys.stderr)
                return 2
        center = letters.center()
    finally:
        store.close()
    print(f"本中心名称：{center['name']}")
    print(f"本中心地址：{center['address'] or '（未填写）'}")
    print(f"本中心电话：{center['phone'] or '（未填写）'}")
    warn_placeholder_center(center)
    return 0


def cmd_print_summary(url: str, args) -> int:
    """followdesk print summary --month YYYY-MM | --year YYYY -o FILE.pdf (R10)."""
    from app.staff import StaffService
    from app.summary import Period, SummaryService
    from app.summary_pdf import summary_doc, write_summary_pdf

    if args.month:
        ym = _month_arg(args.month)
        if ym is None:
            print(f"月份“{args.month}”应写成 YYYY-MM，例如 2026-11", file=sys.stderr)
            return 2
        period, kind = Period.month(*ym), "month"
    elif args.year:
        period, kind = Period.year(args.year), "year"
    else:
        print("summary 须指定 --month YYYY-MM 或 --year YYYY", file=sys.stderr)
        return 2
    if args.output.suffix.lower() not in ("", ".pdf") or args.format == "xlsx":
        print("小结/总结只能输出 PDF", file=sys.stderr)
        return 2
    store = _open_store(url, writes=False)
    try:
        clerk_id, clerk_name = None, ""
        if args.clerk:
            clerk = StaffService(store).by_name(args.clerk)
            if clerk is None:
                print(f"没有这位员工：{args.clerk}", file=sys.stderr)
                return 2
            clerk_id, clerk_name = clerk.id, clerk.name
        service = SummaryService(store)
        center = service.center()
        warn_placeholder_center(center)
        result = write_summary_pdf(summary_doc(service, period, kind, clerk_id=clerk_id),
                                   center, args.output, clerk_name=clerk_name)
    finally:
        store.close()
    share(args.output)  # readable by the others on a shared PC (the writer makes 0600)
    print(f"已保存：{args.output}（{result.pages} 页）")
    if result.font_note:
        print(result.font_note, file=sys.stderr)
    return 0


def _date_arg(text: str):
    from app.normalize import ValidationError, parse_date

    try:
        day = parse_date(text)
    except ValidationError as e:
        raise argparse.ArgumentTypeError(e.message) from None
    if day is None:
        raise argparse.ArgumentTypeError("日期不能为空")
    return day


ENV_PASSWORD = "FOLLOWDESK_PASSWORD"


def _sign_in(store, args) -> bool:
    """A command that writes runs as a named user, with that user's role (issue 14): the
    same rules as in the window. A database with nobody in it yet has nobody to be."""
    import getpass
    import os

    from app.staff import LoginError, StaffService

    staff = StaffService(store)
    if not args.user:
        if staff.needs_first_admin():
            return True
        print("这条命令会修改数据库，请用 --user 登录名 指定操作人"
              f"（密码从环境变量 {ENV_PASSWORD} 读取，没有则提示输入）。", file=sys.stderr)
        return False
    password = os.environ.get(ENV_PASSWORD)
    if password is None:
        password = getpass.getpass(f"{args.user} 的密码：")
    try:
        user = staff.login(args.user, password)
    except LoginError as e:
        print(e, file=sys.stderr)
        return False
    store.actor_id = user.id
    return True


def _open_store(url: str, *, writes: bool = True):
    """The database, checked (quick_check). A damaged one stops a command that writes."""
    from app.store import Store
    from db.migrate import DatabaseError

    try:
        store = Store(url, check=True)
    except DatabaseError as e:
        print(e, file=sys.stderr)
        raise SystemExit(2) from None
    if store.damage:
        print(store.damage, file=sys.stderr)
        if writes:
            store.close()
            raise SystemExit(2)
    return store


def cmd_backup(url: str, args) -> int:
    """followdesk backup [-o FILE]"""
    from app import backup

    store = _open_store(url, writes=False)
    try:
        if args.output:
            db_path = backup.database_path(store)
            target = args.output.expanduser().resolve()
            if target == db_path:
                print("不能备份到数据库文件本身", file=sys.stderr)
                return 2
            if not target.parent.is_dir():
                print(f"保存的文件夹不存在：{target.parent}", file=sys.stderr)
                return 2
            path = backup.copy_database(db_path, target)
        else:
            path = backup.take_backup(store)
    except backup.BackupError as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"已备份：{path}（{path.stat().st_size / 1e6:.1f} MB）")
    return 0


def cmd_restore(url: str, args) -> int:
    """followdesk restore FILE (as --user, a supervisor or the admin)"""
    from app import backup
    from app.normalize import ValidationError
    from app.store import Store
    from db.migrate import DatabaseError

    try:
        # A damaged database is exactly what restore is for: open it without refusing.
        store = Store(url, migrate=False)
        if not _sign_in(store, args):
            return 2
        from app.staff import acting, refuse_clerk

        refuse_clerk(acting(store), "恢复数据库须由业务主管或管理员操作。")
        result = backup.restore(store, args.file)
    except (backup.BackupError, DatabaseError) as e:
        print(e, file=sys.stderr)
        return 1
    except ValidationError as e:
        print(e.message, file=sys.stderr)
        return 2
    if result.saved_current:
        print(f"恢复前的数据已备份到：{result.saved_current}")
    print(f"已用 {result.source} 恢复数据库（数据库版本 {result.revision}）。"
          "请重新启动所有服务台上的程序。")
    return 0


def cmd_demo(url: str, customers: int, seed: int, years: int = 2) -> int:
    from app.demo import DemoRefused, fill_demo

    store = _open_store(url)
    try:
        result = fill_demo(store, customers=customers, seed=seed, years=years,
                           progress=_stderr_progress("生成演示数据"))
    except DemoRefused as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"已生成演示数据：客户 {result.customers}，车辆 {result.vehicles}，"
          f"来访 {result.visits}，员工 {result.staff}。")
    print(result.login_hint)
    return 0


def _stderr_progress(label: str):
    if not sys.stderr.isatty():
        return None
    def report(done: int, total: int) -> None:
        print(f"\r{label}：{done}/{total}", end="" if done < total else "\n", file=sys.stderr)
    return report


def cmd_import(url: str, args) -> int:
    from app.importer import ImportFormatError, import_file
    from app.staff import RoleRefused

    if not args.file.exists():
        print(f"找不到文件：{args.file}", file=sys.stderr)
        return 2
    store = _open_store(url)
    if not args.dry_run and not _sign_in(store, args):
        store.close()
        return 2
    clerk_id = None
    if args.clerk:
        from app.staff import StaffService

        clerk = StaffService(store).by_name(args.clerk)
        if clerk is None:
            store.close()
            print(f"没有这位员工：{args.clerk}", file=sys.stderr)
            return 2
        clerk_id = clerk.id
    try:
        report = import_file(store, args.file, dry_run=args.dry_run,
                             progress=None if args.json else _stderr_progress("导入"),
                             default_clerk_id=clerk_id)
    except ImportFormatError as e:
        print(e, file=sys.stderr)
        return 2
    except RoleRefused as e:
        print(e.message, file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.report:
        report.write_xlsx(args.report)
    if args.json:
        print(json.dumps(report.as_json_dict(), ensure_ascii=False))
    else:
        if args.dry_run:
            print("（试运行：只检查，没有写入数据库。）")
        print(report.summary_text())
        print("已对应的列：" + "、".join(f"{h}→{label}" for h, label in report.mapped))
        if report.ignored:
            print("未使用的列：" + "、".join(report.ignored))
        # Warnings (imported, a field left empty) apart from rejections (not imported).
        warnings, rejections = report.warning_texts(), report.rejection_texts()
        if warnings:
            print(f"警告 {len(warnings)} 条（这些行照常导入，无法识别的内容留空）：")
            print("\n".join(f"  {w}" for w in warnings))
        if rejections:
            print(f"拒绝 {len(rejections)} 行（没有导入）：")
            print("\n".join(f"  {r}" for r in rejections))
        if args.report:
            print(f"逐行结果已写入 {args.report}")
    return 0


def cmd_template(path: Path) -> int:
    from app.template import write_template

    write_template(path)
    print(f"导入模板已保存：{path}")
    return 0


def cmd_tasks(url: str, args) -> int:

    from app.followup import TASK_KIND_LABELS
    from app.staff import StaffService
    from app.tasks import TaskService
    from app.workdays import provisional_note
    from db.models import TaskKind

    today = clock.today()
    start = args.start or today
    end = args.end or start
    if end < start:
        print("--to 早于 --from", file=sys.stderr)
        return 2
    if args.kind and args.kind not in set(TaskKind):
        print(f"未知的任务类别：{args.kind}（可选：{', '.join(TaskKind)}）", file=sys.stderr)
        return 2
    store = _open_store(url, writes=False)
    try:
        owner_id = None
        if args.owner:
            owner = StaffService(store).by_name(args.owner)
            if owner is None:
                print(f"没有这位员工：{args.owner}", file=sys.stderr)
                return 2
            owner_id = owner.id
        service = TaskService(store)
        if args.today:
            if args.start or args.end:
                print("--today 不能与 --from/--to 同用", file=sys.stderr)
                return 2
            kinds = {args.kind} if args.kind else None
            plan = service.agenda_plan(None, today, clerk_id=owner_id, kinds=kinds)
            rows = service.agenda_items(None, today, plan.ids, clerk_id=owner_id, plan=plan)
            items = [rows[i] for i in plan.ids if i in rows]
        else:
            items = service.between(start, end, today, owner_id=owner_id, kind=args.kind,
                                    include_closed=not args.open)
    finally:
        store.close()
    if args.json:
        print(json.dumps([{
            "id": i.task_id, "kind": i.kind, "archive_no": f"{i.archive_no:06d}",
            "customer": i.customer_name, "phone": i.phone, "plate": i.plate,
            "window_start": i.window_start.isoformat(), "due": i.due.isoformat(),
            "owner": i.owner_name, "status": i.status, "overdue": i.overdue(today),
            "suggested_day": i.suggested_day.isoformat() if i.suggested_day else None,
            "calendar": i.calendar, "carried_over": i.carried_over,
            # today's agenda: "must" 今日必做, "early" 可提前, null when not open today
            "agenda": i.agenda or None,
            "topic": i.topic,
        } for i in items], ensure_ascii=False, indent=1))
        return 0
    if args.today:
        must = [i for i in items if i.must_today]
        print(f"{today} 今日必做 {len(must)} 项（逾期 {sum(i.overdue(today) for i in must)} 项），"
              f"可提前 {len(items) - len(must)} 项")
    else:
        print(f"{start} 至 {end}：{len(items)} 项任务")
    for year in sorted({(i.suggested_day or i.due).year for i in items if i.provisional}):
        print(f"注意：{provisional_note(year)}，建议拨打日可能落在调休上班前后的休息日。")
    for i in items:
        state = "逾期" if i.overdue(today) else {"open": "待办", "done": "已完成",
                                                "cancelled": "已取消"}[i.status]
        if i.agenda:
            state = ("逾期" if i.overdue(today) else "必做") if i.must_today else "可提前"
        label = TASK_KIND_LABELS.get(TaskKind(i.kind), i.kind) if i.kind in set(TaskKind) \
            else i.kind
        print(f"{i.due}  {state:<4} {label:<6} {i.archive_no:06d} {i.customer_name:<6} "
              f"{i.plate:<9} {i.phone:<14} {i.owner_name}  {i.topic}")
    return 0


def cmd_holidays(url: str, args) -> int:
    """followdesk holidays [--year Y] [--json] | --import FILE [--dry-run] | --template FILE."""
    from app.normalize import ValidationError
    from app.public_days import PublicDayService
    from app.sheets import ImportFormatError
    from app.workdays import KIND_LABELS, write_notice_template
    from db.models import PublicDayKind

    store = _open_store(url, writes=bool(args.import_file and not args.dry_run))
    try:
        service = PublicDayService(store)
        if args.import_file:
            if not args.dry_run and not _sign_in(store, args):
                return 2
            try:
                result = service.import_notice(args.import_file, dry_run=args.dry_run)
            except ImportFormatError as e:
                print(str(e), file=sys.stderr)
                return 2
            except ValidationError as e:  # a clerk: the supervisor's work
                print(e.message, file=sys.stderr)
                return 2
            for problem in result.problems:
                print(problem.message, file=sys.stderr)
            if result.problems:
                print("通知有误，没有做任何修改。", file=sys.stderr)
                return 1
            years = "、".join(f"{y} 年 {len(d)} 天" for y, d in sorted(result.year_days.items()))
            print(("检查通过（未写入）：" if args.dry_run else "已导入：") + years)
            return 0
        year = args.year or clock.today().year
        if args.template:
            write_notice_template(args.template, service.as_notice(year))
            print(f"已保存：{args.template}")
            return 0
        cal = service.year(year)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"year": year, "calendar": cal.source, "entered": cal.entered,
                          "days": [{
                              "date": d.day.isoformat(),
                              "kind": "work" if d.working else "off",
                              "name": d.holiday_name or ("调休上班" if d.makeup_workday else ""),
                              "source": cal.source,
                          } for d in cal.days]}, ensure_ascii=False, indent=1))
        return 0
    print(cal.status_text)
    for d in cal.days:
        kind = KIND_LABELS[PublicDayKind.WORK if d.working else PublicDayKind.OFF]
        name = d.holiday_name or ("调休上班" if d.makeup_workday else "")
        print(f"{d.day}  周{'一二三四五六日'[d.day.weekday()]}  {kind}  {name}")
    return 0


def cmd_summary(url: str, args) -> int:
    import re

    from app.staff import StaffService
    from app.summary import LABELS, RATES, TARGETS, Period, SummaryService, misses

    if args.week:
        period = Period.week(args.week)
    elif args.month:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", args.month.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            print(f"月份“{args.month}”应写成 YYYY-MM，例如 2026-11", file=sys.stderr)
            return 2
        period = Period.month(int(m.group(1)), int(m.group(2)))
    else:
        period = Period.year(args.year)
    store = _open_store(url, writes=False)
    try:
        clerk_id = None
        if args.clerk:
            clerk = StaffService(store).by_name(args.clerk)
            if clerk is None:
                print(f"没有这位员工：{args.clerk}", file=sys.stderr)
                return 2
            clerk_id = clerk.id
        figures = SummaryService(store).figures(period, clerk_id=clerk_id)
    finally:
        store.close()
    if args.json:
        print(json.dumps(figures.as_flat_dict(), ensure_ascii=False, indent=1))
        return 0
    print(f"{period.label}（{period.start} 至 {period.end}）" + (f" 业务员 {args.clerk}"
                                                              if args.clerk else ""))
    for name, label in LABELS.items():
        value = figures.values.get(name)
        if name in RATES:
            shown = "—" if value is None else f"{value:.1%}"
        else:
            shown = str(value)
        target = ""
        if name in TARGETS:
            t, kind = TARGETS[name]
            target = f"（目标 {'≥' if kind == 'min' else '<'} {t:.0%}）"
            if misses(name, value):
                target += " 未达标"
        print(f"  {label}：{shown}{target}")
    if figures.loyal_ranking:
        print("  忠诚客户排行（近一年回厂次数）：")
        for place, r in enumerate(figures.loyal_ranking[:10], 1):
            print(f"    {place}. {r.name}（{r.archive_no:06d}） {r.visits} 次，最近 {r.last_visit}")
    return 0


def cmd_print(url: str, args) -> int:
    if args.form == "summary":
        return cmd_print_summary(url, args)
    from app.forms import FORMS, FormInputError, FormRequest, FormsService, period_range
    from app.staff import StaffService

    def bad(message: str) -> int:
        print(message, file=sys.stderr)
        return 2

    if args.form not in FORMS:
        return bad(f"未知的表格：{args.form}（可选：{'、'.join(FORMS)}）")
    fmt = args.format or ("xlsx" if args.output.suffix.lower() == ".xlsx" else "pdf")
    if not args.output.parent.is_dir():
        return bad(f"保存的文件夹不存在：{args.output.parent}")
    if args.customer and args.form != "archive":
        return bad("--customer 只用于 archive（客户档案基本资料表）")
    if args.call and args.form != "call-record":
        return bad("--call 只用于 call-record（跟踪服务电话记录表）")
    req = FormRequest(args.form, start=args.start, end=args.end, limit=args.limit)
    if args.form in ("call-register", "letter-register") and not (args.start or args.end):
        req.start, req.end = period_range("month", req.today)
    store = _open_store(url, writes=False)
    try:
        forms = FormsService(store)
        if args.clerk:
            clerk = StaffService(store).by_name(args.clerk)
            if clerk is None:
                return bad(f"没有这位员工：{args.clerk}")
            req.clerk_id, req.clerk_name = clerk.id, clerk.name
        if args.customer:
            cid = forms.customer_id_by_archive_no(args.customer)
            if cid is None:
                return bad(f"没有档案编号为 {args.customer} 的客户")
            req.customer_ids = [cid]
        if args.call:
            if not args.call.strip().isdigit():
                return bad(f"通话编号应是数字：{args.call}")
            req.call_ids = [int(args.call)]
        try:
            data = forms.gather(req, progress=_stderr_progress("收集"))
        except FormInputError as e:
            return bad(str(e))
    finally:
        store.close()
    assert data is not None
    warn_placeholder_center(data.header.center)
    try:
        if fmt == "pdf":
            from app.forms_pdf import write_form_pdf

            result = write_form_pdf(data, args.output)
            share(args.output)  # readable by the others on a shared PC (the writer makes 0600)
            print(f"已保存{req.title}：{args.output}（{result.pages} 页）")
            if result.font_note:
                print(result.font_note, file=sys.stderr)
        else:
            from app.forms_xlsx import write_form_xlsx

            write_form_xlsx(data, args.output)
            print(f"已保存{req.title}：{args.output}")
    except OSError as e:
        return bad(f"无法保存 {args.output}：{e.strerror or e}")
    return 0


def demo_url(cli_db: str | None) -> str:
    return to_url(cli_db) if cli_db else to_url(str(data_dir() / "demo.sqlite"),
                                                 create_folder=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    clock.freeze_from_environment()
    try:
        url = demo_url(args.db) if args.demo else database_url(args.db)
    except DatabasePathError as e:
        if args.command is None:  # the window: the message in a box, not on a hidden console
            import importlib

            return importlib.import_module("ui.app").refuse_to_start(str(e))
        print(e, file=sys.stderr)
        return 2
    if args.command == "demo":
        return cmd_demo(url, args.customers, args.seed, args.years)
    if args.command == "import":
        return cmd_import(url, args)
    if args.command == "template":
        return cmd_template(args.output)
    if args.command == "tasks":
        return cmd_tasks(url, args)
    if args.command == "summary":
        return cmd_summary(url, args)
    if args.command == "holidays":
        return cmd_holidays(url, args)
    if args.command == "print":
        return cmd_print(url, args)
    if args.command == "center":
        return cmd_center(url, args)
    if args.command == "backup":
        return cmd_backup(url, args)
    if args.command == "restore":
        return cmd_restore(url, args)
    hint = ""
    if args.demo:
        from app.demo import ensure_demo

        hint = ensure_demo(url, customers=DEMO_DEFAULT_CUSTOMERS)
    import importlib

    gui = importlib.import_module("ui.app")
    return gui.run(url, demo_hint=hint)


if __name__ == "__main__":
    raise SystemExit(main())
