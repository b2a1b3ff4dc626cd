"""Demo data (演示数据): a believable Guangzhou service centre to try the program on.

Everything is drawn from one generator seeded with `seed` and from `today`, so a seed always
gives the same archive; only the password hashes differ, because Argon2 salts them.

Rows go in through Core bulk inserts with explicit ids: the ORM unit of work would spend
minutes on 50k customers. That bypasses db.engine's audit stamping, so the audit columns are
filled here, with believable dates rather than the moment the demo was generated.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app import clock
from app.archive import ARCHIVE_COUNTER
from app.contacts import SATISFACTION
from app.dates import add_months
from app.derived import refresh_derived
from app.staff import ROLE_LABELS, hash_password, verify_password
from app.store import Store
from db.models import Counter, Customer, Role, Staff, Vehicle, Visit, VisitKind

Progress = Callable[[int, int], None]

HISTORY_MONTHS = 24
CYCLE_MONTHS = 6
WARRANTY_MONTHS = 36
# Rows per executemany; customers per generated batch.
INSERT_CHUNK = 5000
CUSTOMER_BATCH = 2000
SUMMARY_BATCH = 5000


class DemoRefused(Exception):
    """The database already holds someone's data; the message is for the user."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    name: str
    role: Role


DEMO_LOGINS = (
    DemoLogin("admin", "admin123", "陈志强", Role.ADMIN),
    DemoLogin("zhuguan", "zhuguan123", "黄丽华", Role.SUPERVISOR),
    DemoLogin("wangfang", "wangfang123", "王芳", Role.CLERK),
    DemoLogin("liqiang", "liqiang123", "李强", Role.CLERK),
    DemoLogin("zhaomin", "zhaomin123", "赵敏", Role.CLERK),
)


def login_hint(logins: tuple[DemoLogin, ...] = DEMO_LOGINS) -> str:
    parts = [f"{ROLE_LABELS[x.role]} {x.username} / {x.password}" for x in logins]
    return "演示账号：" + "；".join(parts) + "。"


@dataclass(frozen=True)
class DemoResult:
    staff: int
    customers: int
    vehicles: int
    visits: int
    deleted_customers: int
    last_archive_no: int
    logins: tuple[DemoLogin, ...] = field(default=DEMO_LOGINS)

    @property
    def login_hint(self) -> str:
        return login_hint(self.logins)


# ---------------------------------------------------------------- vocabulary

# Guangdong's surname frequencies, roughly; 曾, 区 and 单 have more than one reading.
SURNAMES = {
    "陈": 100, "李": 75, "黄": 65, "张": 60, "梁": 45, "林": 45, "刘": 40, "吴": 35,
    "罗": 32, "何": 30, "郑": 28, "杨": 28, "王": 25, "谢": 23, "郭": 20, "邓": 20,
    "叶": 18, "周": 16, "冯": 15, "曾": 15, "钟": 14, "蔡": 14, "朱": 13, "苏": 13,
    "卢": 13, "潘": 12, "许": 12, "黎": 11, "彭": 10, "赖": 10, "余": 10, "邱": 10,
    "谭": 10, "徐": 10, "胡": 10, "赵": 9, "廖": 9, "高": 8, "马": 8, "孙": 7,
    "莫": 7, "温": 7, "方": 7, "麦": 6, "关": 6, "袁": 6, "江": 6, "唐": 6,
    "伍": 5, "杜": 5, "宋": 5, "区": 4, "严": 4, "戴": 4, "汤": 4, "韦": 4,
    "董": 4, "沈": 4, "邝": 3, "古": 3, "欧阳": 3, "冼": 2, "司徒": 1.5, "单": 1,
}
MALE_SINGLE = "伟强磊军勇杰涛明超辉华斌鹏俊峰健志文平东海波宇浩亮刚林飞锋荣晖振耀彬"
FEMALE_SINGLE = "芳娜敏静丽艳娟霞燕玲婷慧琳颖萍红洁欣怡雪梅莉倩佳琪晶"
MALE_FIRST = "志建国伟俊家嘉子浩宇文振永少锦晓泽卫海明耀景桂楚瑞启"
MALE_SECOND = "强华平明杰豪轩然航东荣辉文雄伟斌明坤鹏宇峰涛森彬亮生"
FEMALE_FIRST = "秀丽淑晓美嘉诗婉雅慧桂少佩咏紫凤月玉宝彩惠碧"
FEMALE_SECOND = "英华芬燕玲欣琪婷敏娟芳丽梅仪莹珊怡霞红萍君贞"
RELATIONS = ("爱人", "妻子", "丈夫", "儿子", "女儿", "司机")

MOBILE_PREFIXES = {
    "13": 40, "15": 22, "18": 25, "17": 5, "19": 6, "16": 2,
}
MOBILE_THIRD = {
    "13": "0123456789", "15": "012356789", "18": "0123456789",
    "17": "035678", "19": "1589", "16": "6",
}

DISTRICTS = {
    "天河区": (20, ("天河路", "体育西路", "天河北路", "黄埔大道西", "中山大道西", "林和西路",
                  "五山路", "华夏路", "岑村东路", "龙口西路"),
              ("华景新城", "天河公园小区", "骏景花园", "金碧新城")),
    "越秀区": (10, ("环市东路", "东风中路", "北京路", "中山五路", "解放北路", "农林下路",
                  "先烈中路"), ("东山广场", "淘金花园")),
    "海珠区": (14, ("江南大道中", "新港西路", "工业大道中", "昌岗中路", "宝岗大道",
                  "南洲路"), ("珠江帝景", "中海名都", "保利红棉")),
    "荔湾区": (8, ("中山八路", "芳村大道中", "龙津西路", "康王中路", "花地大道"),
              ("荔湾花园", "富力广场")),
    "白云区": (16, ("白云大道北", "机场路", "广园中路", "同和路", "黄石东路", "云城西路",
                  "齐心路"), ("金沙洲新社区", "岭南新世界", "万达广场小区")),
    "番禺区": (14, ("清河东路", "迎宾路", "兴南大道", "汉溪大道", "亚运大道", "番禺大道北"),
              ("祈福新邨", "丽江花园", "华南碧桂园", "星河湾")),
    "黄埔区": (8, ("黄埔东路", "开创大道", "科学大道", "大沙地东路", "香雪大道"),
              ("万科城", "保利罗兰国际")),
    "花都区": (4, ("迎宾大道", "凤凰北路", "新华路"), ("雅居乐花园",)),
    "南沙区": (2, ("进港大道", "黄阁大道"), ("金茂湾",)),
    "增城区": (3, ("府佑路", "港口大道", "增城大道"), ("碧桂园凤凰城",)),
    "从化区": (1, ("河滨北路", "新城东路"), ("温泉花园",)),
}

# Plate letters never include I or O.
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
# Ordinary 5-character tails after 粤A, L = letter, D = digit, with their shares.
PLATE_SHAPES = {"LDDDD": 35, "DDDDD": 20, "DLDDD": 15, "DDDDL": 10, "LLDDD": 10, "DDLDD": 10}

# Fuel: ice = petrol, phev = plug-in hybrid (still has oil), ev = battery only.
# weight ≈ share of the cars that come in; tier scales what a job costs.


@dataclass(frozen=True)
class Model:
    name: str
    kind: str
    wmi: str
    cycle_km: int
    weight: float
    tier: int
    fuel: str = "ice"


MODELS = (
    Model("大众朗逸", "轿车", "LSV", 10000, 10, 1),
    Model("大众速腾", "轿车", "LFV", 10000, 5, 2),
    Model("大众帕萨特", "轿车", "LSV", 10000, 3, 2),
    Model("大众途观L", "SUV", "LSV", 10000, 3, 2),
    Model("丰田卡罗拉", "轿车", "LFM", 5000, 9, 1),
    Model("丰田凯美瑞", "轿车", "LVG", 5000, 5, 2),
    Model("丰田雷凌", "轿车", "LVG", 5000, 4, 1),
    Model("丰田汉兰达", "SUV", "LVG", 5000, 2, 3),
    Model("本田雅阁", "轿车", "LHG", 5000, 7, 2),
    Model("本田飞度", "轿车", "LHG", 5000, 4, 1),
    Model("本田CR-V", "SUV", "LVH", 5000, 4, 2),
    Model("本田奥德赛", "MPV", "LHG", 5000, 2, 3),
    Model("日产轩逸", "轿车", "LGB", 5000, 9, 1),
    Model("日产天籁", "轿车", "LGB", 5000, 3, 2),
    Model("日产奇骏", "SUV", "LGB", 5000, 2, 2),
    Model("别克英朗", "轿车", "LSG", 5000, 6, 1),
    Model("别克GL8", "MPV", "LSG", 5000, 3, 3),
    Model("吉利帝豪", "轿车", "L6T", 5000, 5, 1),
    Model("吉利博越", "SUV", "L6T", 5000, 3, 1),
    Model("哈弗H6", "SUV", "LGW", 5000, 4, 1),
    Model("长安CS75PLUS", "SUV", "LS5", 5000, 3, 1),
    Model("传祺GS4", "SUV", "LMG", 5000, 3, 1),
    Model("传祺M8", "MPV", "LMG", 5000, 1, 3),
    Model("比亚迪秦PLUS", "新能源", "LGX", 10000, 6, 1, "phev"),
    Model("比亚迪宋PLUS", "新能源", "LGX", 10000, 3, 1, "phev"),
    Model("比亚迪汉EV", "新能源", "LGX", 10000, 1.5, 2, "ev"),
    Model("埃安S", "新能源", "LMG", 10000, 3, 1, "ev"),
    Model("五菱宏光MINIEV", "新能源", "LZW", 10000, 1.5, 0, "ev"),
)
TIER_FACTOR = (0.7, 1.0, 1.35, 1.7)

# (item, lowest yuan, highest yuan, share); the price scales with the model's tier.
MAINTENANCE_EXTRAS = (
    ("更换空气滤芯", 80, 150, 0.35),
    ("更换空调滤芯", 80, 180, 0.35),
    ("轮胎换位", 50, 100, 0.12),
    ("四轮定位", 150, 260, 0.08),
    ("更换刹车油", 200, 350, 0.10),
    ("清洗节气门", 150, 260, 0.08),
    ("更换火花塞", 300, 700, 0.07),
    ("更换防冻液", 200, 350, 0.05),
    ("更换变速箱油", 600, 1200, 0.05),
)
EV_MAINTENANCE_EXTRAS = (
    ("更换空调滤芯", 80, 180, 0.45),
    ("轮胎换位", 50, 100, 0.2),
    ("四轮定位", 150, 260, 0.1),
    ("更换刹车油", 200, 350, 0.12),
    ("更换减速器油", 300, 500, 0.05),
)
# (item, lowest yuan, highest yuan, weight, also on battery cars)
REPAIRS = (
    ("更换前刹车片", 400, 800, 10, True),
    ("更换后刹车片", 350, 700, 6, True),
    ("更换蓄电池", 450, 1200, 8, True),
    ("更换雨刮片", 80, 200, 6, True),
    ("四轮定位", 150, 260, 6, True),
    ("更换轮胎（2条）", 1000, 2400, 6, True),
    ("补胎", 30, 60, 5, True),
    ("空调不制冷检修、加注冷媒", 250, 600, 6, True),
    ("更换前减震器", 900, 2500, 3, True),
    ("更换正时皮带", 1200, 2500, 2, False),
    ("钣金喷漆（左前门）", 600, 1500, 3, True),
    ("钣金喷漆（后保险杠）", 500, 1400, 3, True),
    ("更换大灯灯泡", 80, 400, 4, True),
    ("发动机故障灯亮检修", 200, 1500, 5, False),
    ("更换水泵", 600, 1400, 2, False),
    ("更换刹车盘", 800, 1800, 2, True),
    ("更换前挡风玻璃", 1200, 3500, 1, True),
    ("底盘异响检修、更换稳定杆胶套", 200, 600, 4, True),
    ("更换轮毂轴承", 500, 1100, 2, True),
    ("更换发电机", 1500, 3200, 1, False),
    ("更换空调压缩机", 2500, 5000, 1, True),
    ("更换火花塞", 300, 700, 3, False),
)
CONSULTATIONS = (
    "咨询保养价格", "咨询保险续保", "咨询延保服务", "咨询更换轮胎报价", "电话咨询故障灯",
    "咨询年检事项", "咨询钣金喷漆报价", "咨询保养套餐",
)
CALLS = (("到店洗车", 3000), ("免费安全检测", 0), ("参加车主活动", 0), ("领取保养券", 0),
         ("取回遗留物品", 0))
COMEBACKS_AFTER_MAINTENANCE = ("保养后机油渗漏复查", "保养灯未归零，复位", "保养后底盘异响复查")
SERVICES_WANTED = (
    "保养到期前电话提醒", "保险续保报价", "轮胎更换优惠", "延保服务", "钣金喷漆",
    "新能源电池检测", "上门取送车",
)
NOTES = (
    "只接受下午来电", "微信联系优先", "车辆常跑长途", "公司用车，需开发票", "老客户，介绍过朋友",
    "对价格比较敏感", "上班时间不方便接电话",
)

# Shares of customers: come every cycle, come now and then, stopped coming.
LOYALTY = {"regular": 55, "occasional": 27, "lapsed": 18}
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model year 2010 onwards, repeating every 30
VIN_VALUES = dict(zip("0123456789ABCDEFGHJKLMNPRSTUVWXYZ",
                      [*range(10), 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9,
                       2, 3, 4, 5, 6, 7, 8, 9], strict=True))
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Rows store UTC; the centre opens 08:30–18:00 Beijing time, i.e. 00:30–10:00 UTC.
OPEN_MINUTE, CLOSE_MINUTE = 30, 600


class _Random(random.Random):
    """Integers scaled from one float: Random's own draw bits in a loop, 3x slower here."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class _Weighted:
    def __init__(self, pairs):
        pairs = list(pairs)
        self.items = [p[0] for p in pairs]
        self.cum = list(itertools.accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass
class _Event:
    day: dt.date
    kind: VisitKind
    items: list[str]
    yuan: int | None
    vehicle: _Car | None
    pickup_days: int | None = None
    comeback: bool = False
    mileage: int | None = None

    def pickup_day(self, today: dt.date) -> dt.date | None:
        """None while the car is still in the workshop, or when no car was left at all."""
        if self.pickup_days is None:
            return None
        day = self.day + dt.timedelta(days=self.pickup_days)
        return day if day <= today else None


@dataclass
class _Car:
    id: int
    model: Model
    purchase: dt.date
    annual_km: float
    wobble: float
    events: list[_Event] = field(default_factory=list)


# ---------------------------------------------------------------- generator


class _Generator:
    def __init__(self, seed: int, today: dt.date, clerk_ids: list[int], supervisor_id: int,
                 history_months: int = HISTORY_MONTHS):
        self.rng = _Random(seed)
        self.today = today
        self.history_start = add_months(today, -history_months)
        self.clerks = clerk_ids
        self.supervisor_id = supervisor_id
        self.phones: set[str] = set()
        self.plates: set[str] = set()
        self.vins: set[str] = set()
        self.surnames = _Weighted(SURNAMES.items())
        self.districts = _Weighted((k, v[0]) for k, v in DISTRICTS.items())
        self.models = _Weighted((m, m.weight) for m in MODELS)
        self.petrol_models = _Weighted((m, m.weight) for m in MODELS if m.fuel == "ice")
        self.repairs = _Weighted((r, r[3]) for r in REPAIRS)
        self.ev_repairs = _Weighted((r, r[3]) for r in REPAIRS if r[4])
        self.mobile = _Weighted(MOBILE_PREFIXES.items())
        self.plate_shapes = _Weighted(PLATE_SHAPES.items())
        self.loyalty = _Weighted(LOYALTY.items())
        self.next_vehicle_id = 1
        self.next_visit_id = 1
        # Green plates started in Guangzhou at the end of 2017.
        self.ev_since = max(dt.date(2018, 1, 1), add_months(today, -96))

    # -- small pieces

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def moment(self, day: dt.date) -> dt.datetime:
        minute = self.rng.randint(OPEN_MINUTE, CLOSE_MINUTE)
        return dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minute)

    def name(self, male: bool) -> str:
        rng = self.rng
        surname = self.surnames.pick(rng)
        if rng.random() < 0.55:
            return surname + rng.choice(MALE_SINGLE if male else FEMALE_SINGLE)
        first, second = (MALE_FIRST, MALE_SECOND) if male else (FEMALE_FIRST, FEMALE_SECOND)
        a, b = rng.choice(first), rng.choice(second)
        return surname + a + (a if a == b or rng.random() < 0.03 else b)

    def phone(self, mobile: bool = True) -> str:
        rng = self.rng
        while True:
            if mobile:
                head = self.mobile.pick(rng)
                number = head + rng.choice(MOBILE_THIRD[head]) + f"{rng.randint(0, 10**8 - 1):08d}"
            else:
                # Guangzhou numbers have 8 digits and start with 2, 3 or 8.
                number = f"020-{rng.choice('2388')}{rng.randint(0, 10**7 - 1):07d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def address(self) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.07:
            return "", ""
        district = self.districts.pick(rng)
        _, streets, estates = DISTRICTS[district]
        shape = rng.random()
        room = f"{rng.randint(1, 32)}{rng.randint(1, 8):02d}房"
        if shape < 0.5:
            place = f"{rng.choice(streets)}{rng.randint(1, 1200)}号{rng.randint(1, 12)}栋{room}"
        elif shape < 0.85:
            place = f"{rng.choice(estates)}{rng.randint(1, 30)}座{room}"
        else:
            place = f"{rng.choice(streets)}{rng.randint(1, 1200)}号"
        return f"广州市{district}{place}", district

    def plate(self, green: bool) -> str:
        rng = self.rng
        while True:
            if green:
                kind = "D" if rng.random() < 0.85 else "F"
                second = rng.choice(PLATE_LETTERS) if rng.random() < 0.2 else str(rng.randint(0, 9))
                tail = kind + second + f"{rng.randint(0, 9999):04d}"
            else:
                tail = "".join(
                    rng.choice(PLATE_LETTERS) if c == "L" else str(rng.randint(0, 9))
                    for c in self.plate_shapes.pick(rng)
                )
            plate = "粤A" + tail
            if plate not in self.plates:
                self.plates.add(plate)
                return plate

    def vin(self, model: Model, purchase: dt.date) -> str:
        rng = self.rng
        while True:
            chars = list(model.wmi + "".join(rng.choice(VIN_CHARS) for _ in range(5)) + "0"
                         + VIN_YEARS[(purchase.year - 2010) % 30] + rng.choice(VIN_CHARS)
                         + f"{rng.randint(0, 10**6 - 1):06d}")
            check = sum(VIN_VALUES[c] * w for c, w in zip(chars, VIN_WEIGHTS, strict=True)) % 11
            chars[8] = "X" if check == 10 else str(check)
            vin = "".join(chars)
            if vin not in self.vins:
                self.vins.add(vin)
                return vin

    # -- one customer

    def created_moments(self, count: int) -> list[dt.datetime]:
        """Oldest first, busier towards today: the centre has been growing for eight years."""
        span = (self.today - add_months(self.today, -96)).days
        days = (self.today - dt.timedelta(days=int(span * (1 - math.sqrt(self.rng.random()))))
                for _ in range(count))
        return sorted(self.moment(d) for d in days)

    def customer(self, cid: int, archive_no: int, created_at: dt.datetime):
        rng = self.rng
        created = created_at.date()
        male = rng.random() < 0.7
        name = self.name(male)
        clerk = rng.choice(self.clerks)
        loyalty = self.loyalty.pick(rng)
        end = self.today
        if loyalty == "lapsed":
            end = self.day_between(created, self.today)
        start = max(created, self.history_start)

        cars = [self.car(created, end, first=True)]
        if rng.random() < 0.13:
            cars.append(self.car(created, end, first=False))
        opening = created >= self.history_start
        for i, car in enumerate(cars):
            self.car_events(car, max(start, car.purchase), end, loyalty, opening and i == 0)
        events = [e for car in cars for e in car.events]
        events += self.counter_events(cars, start, end)
        events.sort(key=lambda e: (e.day, e.vehicle.id if e.vehicle else 0))

        address, region = self.address()
        phone = self.phone(mobile=rng.random() < 0.95)
        phone2 = ""
        if rng.random() < 0.15:
            phone2 = self.phone(mobile=rng.random() < 0.5)
        contact = ""
        if rng.random() < 0.08:
            contact = f"{self.name(not male)}（{rng.choice(RELATIONS)}）"
        deleted_at = deleted_by = None
        if loyalty == "lapsed" and rng.random() < 0.03:
            last = max([created, *(e.day for e in events)])
            deleted_at = self.moment(self.day_between(last, self.today))
            deleted_by = self.supervisor_id
        customer = dict(
            id=cid, archive_no=archive_no, name=name, phone=phone, phone2=phone2,
            address=address, region=region, contact_person=contact,
            services_wanted="、".join(rng.sample(SERVICES_WANTED, rng.randint(1, 2)))
            if rng.random() < 0.3 else "",
            notes=rng.choice(NOTES) if rng.random() < 0.1 else "",
            clerk_id=clerk, created_at=created_at, created_by_id=clerk,
            updated_at=deleted_at or created_at, updated_by_id=deleted_by or clerk,
            deleted_at=deleted_at, deleted_by_id=deleted_by,
        )
        vehicles = [self.vehicle_row(cid, car, created_at, clerk) for car in cars]
        visits = [self.visit_row(cid, e, clerk) for e in events]
        return customer, vehicles, visits

    def car(self, created: dt.date, end: dt.date, *, first: bool) -> _Car:
        rng = self.rng
        model = self.models.pick(rng)
        if first:
            if rng.random() < 0.5:  # came in with a new car
                purchase = created - dt.timedelta(days=rng.randint(0, 200))
            else:
                purchase = created - dt.timedelta(days=rng.randint(200, 2500))
            if model.fuel != "ice" and purchase < self.ev_since:
                model = self.petrol_models.pick(rng)
        elif rng.random() < 0.6:  # a second car bought since
            purchase = self.day_between(created, end)
        else:
            purchase = created - dt.timedelta(days=rng.randint(0, 3000))
        if model.fuel != "ice" and purchase < self.ev_since:
            model = self.petrol_models.pick(rng)
        car = _Car(self.next_vehicle_id, model, purchase,
                   annual_km=min(40000.0, max(3000.0, rng.lognormvariate(math.log(12000), 0.45))),
                   wobble=rng.uniform(0.9, 1.1))
        self.next_vehicle_id += 1
        return car

    def car_events(self, car: _Car, start: dt.date, end: dt.date, loyalty: str,
                   opening: bool) -> None:
        rng = self.rng
        if start > end:
            return
        # Drivers who cover the km cycle sooner come sooner, but nobody every month.
        nominal = max(90.0, min(CYCLE_MONTHS * 30.4, car.model.cycle_km / (car.annual_km / 365)))
        stretch = {"regular": (0.9, 1.25), "occasional": (1.5, 2.3), "lapsed": (0.95, 1.6)}
        low, high = stretch[loyalty]
        maint: list[_Event] = []
        day = start
        if opening:
            if rng.random() < 0.7:
                maint.append(self.maintenance(car, start))
            else:
                car.events.append(self.repair(car, start))
            day = start + dt.timedelta(days=nominal * rng.uniform(low, high))
        elif car.purchase >= start - dt.timedelta(days=30):
            day = car.purchase + dt.timedelta(days=nominal * rng.uniform(low, high))
        else:
            day = start + dt.timedelta(days=nominal * rng.uniform(0, high))
        while day <= end:
            maint.append(self.maintenance(car, day))
            day += dt.timedelta(days=nominal * rng.uniform(low, high))

        age = (self.today - car.purchase).days / 365
        rate = min(1.3, 0.35 + 0.07 * age) / 365
        day = start + dt.timedelta(days=rng.expovariate(rate))
        while day <= end:
            near = [m for m in maint if abs((m.day - day).days) <= 10]
            repair = self.repair(car, near[0].day if near else day)
            if near:  # brought in with the service, billed on the same visit
                near[0].items += repair.items
                near[0].yuan = (near[0].yuan or 0) + (repair.yuan or 0)
                near[0].pickup_days = max(near[0].pickup_days or 0, repair.pickup_days or 0)
            else:
                car.events.append(repair)
            day += dt.timedelta(days=rng.expovariate(rate))
        car.events += maint
        car.events.sort(key=lambda e: e.day)

        comebacks = []
        for e in car.events:
            chance = 0.035 if e.kind == VisitKind.REPAIR else 0.011
            if rng.random() < chance:
                back = e.day + dt.timedelta(days=rng.randint(2, 30))
                if back > self.today:
                    continue
                items = (f"返修：{e.items[0]}" if e.kind == VisitKind.REPAIR
                         else rng.choice(COMEBACKS_AFTER_MAINTENANCE))
                yuan = 0 if rng.random() < 0.8 else rng.randint(50, 300)
                comebacks.append(_Event(back, VisitKind.REPAIR, [items], yuan, car,
                                        rng.choice((0, 0, 1)), comeback=True))
        car.events += comebacks
        car.events.sort(key=lambda e: e.day)
        # Mileage is read off the odometer, so it only grows.
        last_km = 0
        for e in car.events:
            km = int(car.annual_km * car.wobble * (e.day - car.purchase).days / 365)
            last_km = e.mileage = max(km, last_km + rng.randint(20, 150))

    def maintenance(self, car: _Car, day: dt.date) -> _Event:
        rng = self.rng
        model = car.model
        if model.fuel == "ev":
            items, yuan, extras = ["常规检查（三电系统、底盘）"], rng.randint(150, 300), (
                EV_MAINTENANCE_EXTRAS)
        else:
            base = (280, 420) if model.cycle_km == 5000 else (450, 650)
            items, yuan, extras = ["更换机油机滤"], rng.randint(*base), MAINTENANCE_EXTRAS
        for item, low, high, share in extras:
            if rng.random() < share:
                items.append(item)
                yuan += rng.randint(low, high)
        yuan = round(yuan * TIER_FACTOR[model.tier])
        return _Event(day, VisitKind.MAINTENANCE, items, yuan, car,
                      0 if rng.random() < 0.85 else 1)

    def repair(self, car: _Car, day: dt.date) -> _Event:
        rng = self.rng
        table = self.ev_repairs if car.model.fuel == "ev" else self.repairs
        jobs = [table.pick(rng)]
        if rng.random() < 0.25:
            extra = table.pick(rng)
            if extra is not jobs[0]:
                jobs.append(extra)
        yuan = round(sum(rng.randint(j[1], j[2]) for j in jobs) * TIER_FACTOR[car.model.tier])
        pickup = rng.choices((0, 1, 2, 3), (40, 30, 18, 12))[0]
        return _Event(day, VisitKind.REPAIR, [j[0] for j in jobs], yuan, car, pickup)

    def counter_events(self, cars: list[_Car], start: dt.date, end: dt.date) -> list[_Event]:
        """Questions on the phone and walk-ins, sometimes about one of the cars."""
        rng = self.rng
        out = []
        for kind, per_year in ((VisitKind.CONSULTATION, 0.35), (VisitKind.VISIT, 0.2)):
            day = start + dt.timedelta(days=rng.expovariate(per_year / 365))
            while day <= end:
                owned = [c for c in cars if c.purchase <= day]
                car = rng.choice(owned) if owned and rng.random() < 0.6 else None
                if kind == VisitKind.CONSULTATION:
                    out.append(_Event(day, kind, [rng.choice(CONSULTATIONS)], None, car))
                else:
                    item, fen = rng.choice(CALLS)
                    out.append(_Event(day, kind, [item], fen // 100, car))
                day += dt.timedelta(days=rng.expovariate(per_year / 365))
        return out

    # -- rows

    def vehicle_row(self, cid: int, car: _Car, created_at: dt.datetime, clerk: int) -> dict:
        rng = self.rng
        last_day = None
        for e in car.events:
            if e.kind == VisitKind.MAINTENANCE:
                done = e.pickup_day(self.today) or e.day
                due = add_months(done, CYCLE_MONTHS)
                last_day = max(last_day, due) if last_day else due
        if last_day is None and car.purchase >= self.history_start:
            last_day = add_months(car.purchase, CYCLE_MONTHS)  # the first service
        years = self.today.year - car.purchase.year
        insurance = add_months(car.purchase, 12 * years)
        # a policy that ran out in the last weeks is still on file: the clerks are renewing it
        if insurance <= self.today and (
                years == 0 or insurance < self.today - dt.timedelta(days=RENEWING_DAYS)):
            insurance = add_months(car.purchase, 12 * (years + 1))
        added = created_at if car.purchase <= created_at.date() else self.moment(car.purchase)
        touched = [e.day for e in car.events if e.day >= added.date()]
        return dict(
            id=car.id, customer_id=cid, plate=self.plate(car.model.kind == "新能源"),
            model=car.model.name, kind=car.model.kind,
            vin=self.vin(car.model, car.purchase) if rng.random() < 0.85 else "",
            purchase_date=car.purchase,
            warranty_end=add_months(car.purchase, WARRANTY_MONTHS),
            insurance_expiry=insurance,
            maintenance_cycle_months=CYCLE_MONTHS, maintenance_cycle_km=car.model.cycle_km,
            next_maintenance_date=last_day,
            created_at=added, created_by_id=clerk,
            updated_at=self.moment(max(touched)) if touched else added, updated_by_id=clerk,
            deleted_at=None, deleted_by_id=None,
        )

    def visit_row(self, cid: int, e: _Event, clerk: int) -> dict:
        rng = self.rng
        vid = self.next_visit_id
        self.next_visit_id += 1
        pickup = e.pickup_day(self.today)
        by = clerk if rng.random() < 0.85 else rng.choice(self.clerks)
        intake_at = self.moment(e.day)
        return dict(
            id=vid, customer_id=cid, vehicle_id=e.vehicle.id if e.vehicle else None,
            kind=e.kind, intake_date=e.day, pickup_date=pickup,
            service_items="、".join(e.items), mileage_km=e.mileage,
            amount_fen=None if e.yuan is None else e.yuan * 100
            + (50 if e.yuan >= 100 and rng.random() < 0.2 else 0),
            is_comeback=e.comeback,
            created_at=intake_at, created_by_id=by,
            updated_at=max(intake_at, self.moment(pickup)) if pickup else intake_at,
            updated_by_id=by, deleted_at=None, deleted_by_id=None,
        )


# ---------------------------------------------------------------- filling a database


def is_empty(store: Store) -> bool:
    with store.read() as s:
        return not (s.scalar(select(Staff.id).limit(1)) or s.scalar(select(Customer.id).limit(1)))


def fill_demo(
    store: Store,
    *,
    customers: int = 300,
    seed: int = 1,
    today: dt.date | None = None,
    progress: Progress | None = None,
    years: int = HISTORY_MONTHS // 12,
) -> DemoResult:
    """Fill an empty database with staff, customers, their cars and `years` of visits.

    Follow-up tasks due before today are mostly done, as a working center's would be: the
    agenda then shows what a clerk meets on a normal morning, a few overdue calls included.
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    if years < 1:
        raise ValueError("years must be >= 1")
    if not is_empty(store):
        raise DemoRefused(
            "这个数据库里已经有员工或客户资料，演示数据只能填入空数据库，"
            "以免和真实资料混在一起。请换一个新的数据库文件再试。"
        )
    today = today or clock.today()
    report = progress or (lambda _done, _total: None)
    # Writing a customer takes about twice as long as indexing it for search.
    total = 3 * customers
    report(0, total)
    hashes = [hash_password(x.password) for x in DEMO_LOGINS]

    staff_ids = list(range(1, len(DEMO_LOGINS) + 1))
    roles = dict(zip(staff_ids, (x.role for x in DEMO_LOGINS), strict=True))
    clerks = [i for i in staff_ids if roles[i] == Role.CLERK]
    supervisor = next(i for i in staff_ids if roles[i] == Role.SUPERVISOR)
    gen = _Generator(seed, today, clerks, supervisor, 12 * years)
    created = gen.created_moments(customers)

    vehicle_count = visit_count = deleted = 0
    with store.session() as s:
        counter = s.get(Counter, ARCHIVE_COUNTER)
        if counter is None:
            counter = Counter(name=ARCHIVE_COUNTER, last_value=0)
            s.add(counter)
        # A number once handed out is never reused, even by demo data.
        first_no = counter.last_value + 1

        hired = dt.datetime.combine(
            (created[0].date() if created else today) - dt.timedelta(days=1), dt.time(1, 0)
        )
        _insert(s, Staff, [
            dict(id=i, username=x.username, name=x.name, role=x.role, password_hash=h,
                 active=True, created_at=hired, created_by_id=None if i == 1 else 1,
                 updated_at=hired, updated_by_id=None if i == 1 else 1)
            for i, x, h in zip(staff_ids, DEMO_LOGINS, hashes, strict=True)
        ])

        for start in range(0, customers, CUSTOMER_BATCH):
            rows_c, rows_v, rows_s = [], [], []
            for i in range(start, min(customers, start + CUSTOMER_BATCH)):
                c, vs, visits = gen.customer(i + 1, first_no + i, created[i])
                rows_c.append(c)
                rows_v += vs
                rows_s += visits
                deleted += c["deleted_at"] is not None
            _insert(s, Customer, rows_c)
            _insert(s, Vehicle, rows_v)
            _insert(s, Visit, rows_s)
            vehicle_count += len(rows_v)
            visit_count += len(rows_s)
            report(2 * (start + len(rows_c)), total)

        counter.last_value = first_no + customers - 1
        # a demo center of its own, so letters and forms print a real letterhead
        from app.settings import save_center

        save_center(s, **DEMO_CENTER)
        ids = list(range(1, customers + 1))
        for start in range(0, customers, SUMMARY_BATCH):
            refresh_derived(s, ids[start : start + SUMMARY_BATCH], None, today)
            report(2 * customers + min(customers, start + SUMMARY_BATCH), total)
        _work_past_tasks(s, random.Random(seed * 7919 + 1), today)
        _demo_renewals(s, random.Random(seed * 7919 + 2), today)
        _demo_history(s, random.Random(seed * 7919 + 3), today)

    return DemoResult(
        staff=len(DEMO_LOGINS), customers=customers, vehicles=vehicle_count,
        visits=visit_count, deleted_customers=deleted,
        last_archive_no=first_no + customers - 1,
    )


DEMO_CENTER = {"name": "广州天河示范汽车服务中心", "address": "广州市天河区黄埔大道西 88 号",
               "phone": "020-38880000"}
PAST_TASKS_DONE = 0.93  # the share of past-due tasks the demo clerks got done
RENEWING_DAYS = 28  # policies expired this recently are not yet renewed in the generated data
HISTORY_CALL_MONTHS = 24  # the follow-up calls, requests and complaints of the last two years
DEMO_INSURERS = ("平安保险", "人保财险", "太平洋保险", "国寿财险", "大地保险")


def _demo_renewals(s: Session, rng: random.Random, today: dt.date) -> None:
    """The insurance reminders the demo clerks did: a call each, and most policies renewed
    (the larger part here), so the 续保 figures have something to count."""
    from app.derived import refresh_derived
    from db.models import Call, InsuranceRenewal, Task, TaskKind, TaskStatus

    rows = s.execute(
        select(Task.id, Task.customer_id, Task.vehicle_id, Task.due, Task.done_on,
               Task.owner_id)
        .where(Task.kind == TaskKind.INSURANCE, Task.status == TaskStatus.DONE,
               Task.due < today, Task.vehicle_id.is_not(None)).order_by(Task.id)).all()
    calls, renewals, moved = [], [], {}
    for tid, cid, vid, due, done_on, owner in rows:
        at = dt.datetime.combine(done_on, dt.time(rng.randint(9, 17), rng.randint(0, 59)))
        audit = dict(created_at=at, created_by_id=owner, updated_at=at, updated_by_id=owner)
        renewed = rng.random() < 0.8
        here = renewed and rng.random() < 0.65
        calls.append(_call_row(
            cid, owner, at, vehicle_id=vid, task_id=tid, points_covered="4",
            key_points="提醒续保，" + ("已在本店续保" if here else "已续保" if renewed
                                     else "客户说再考虑"),
            result="已联系"))
        if renewed:
            new = add_months(due, 12)
            renewals.append(dict(vehicle_id=vid, customer_id=cid, old_expiry=due,
                                 new_expiry=new, insurer=rng.choice(DEMO_INSURERS),
                                 at_our_shop=here, renewed_on=done_on, clerk_id=owner,
                                 **audit))
            moved[vid] = (cid, new, at)
    _insert(s, Call, calls)
    _insert(s, InsuranceRenewal, renewals)
    if moved:
        from sqlalchemy import bindparam, update

        table = Vehicle.__table__
        # Core, with the renewal's time as updated_at: the same seed gives the same rows
        s.execute(update(table).where(table.c.id == bindparam("vid"))
                  .values(insurance_expiry=bindparam("new"), updated_at=bindparam("at")),
                  [dict(vid=vid, new=new, at=at) for vid, (_c, new, at) in moved.items()])
    refresh_derived(s, sorted({cid for cid, _n, _a in moved.values()}), None, today)


def _work_past_tasks(s: Session, rng: random.Random, today: dt.date) -> None:
    """Mark most past-due tasks done on a day inside their window; first calls done open the
    second ones, which are worked the same way."""
    from sqlalchemy import update

    from app.derived import refresh_derived
    from db.models import Task, TaskKind, TaskStatus

    for _round in range(2):
        rows = s.execute(
            select(Task.id, Task.customer_id, Task.kind, Task.window_start, Task.due,
                   Task.owner_id)
            .where(Task.status == TaskStatus.OPEN, Task.due < today).order_by(Task.id)
        ).all()
        done, reopened = [], set()
        for tid, cid, kind, start, due, owner in rows:
            if rng.random() >= PAST_TASKS_DONE:
                continue  # left overdue: the agenda's red lines
            last = min(due, today - dt.timedelta(days=1))
            span = max(0, (last - start).days)
            day = start + dt.timedelta(days=rng.randint(0, span))
            done.append(dict(tid=tid, done_on=day, owner=owner))
            if kind == TaskKind.FIRST_FOLLOWUP:
                reopened.add(cid)
        _log_demo_calls(s, rng, rows, done)
        if done:
            from sqlalchemy import bindparam

            s.execute(
                update(Task.__table__).where(Task.__table__.c.id == bindparam("tid"))
                .values(status=str(TaskStatus.DONE), done_on=bindparam("done_on"),
                        done_by_id=bindparam("owner")),
                done,
            )
        if not reopened:
            break
        refresh_derived(s, reopened, None, today)


DEMO_KEY_POINTS = {
    "first_followup": ["车辆使用正常，对维修质量满意", "客户反映刹车已无异响", "提醒注意轮胎气压",
                       "客户询问下次保养时间，已告知", "客户对接待服务满意，建议缩短等待时间"],
    "second_followup": ["车况良好，介绍冬季免费检测周", "告知空调保养知识", "客户暂无新的服务需求",
                        "介绍保养套餐优惠"],
}


# Why the demo's lost customers stopped coming, and how often (流失回访).
DEMO_LOST_REASONS = {"price": 30, "distance": 25, "sold": 15, "other_shop": 15, "service": 10,
                     "other": 5}
DEMO_LOST_WORDS = {"price": "客户认为保养价格偏高，在路边店做了保养",
                   "distance": "客户搬家，离本店太远", "sold": "车已卖掉",
                   "other_shop": "客户去了朋友介绍的店", "service": "上次等待时间太长，不太满意",
                   "other": "客户长期出差，车很少开"}


DEMO_COMPLAINTS = (
    ("车间", "保养后发动机仍有异响，希望再检查"), ("车间", "返修后仍漏油"),
    ("前台", "接车等待时间太长"), ("配件", "更换的刹车片半年就磨损"),
    ("前台", "结算金额与报价不一致"), ("保险", "理赔进度太慢"), ("车间", "洗车不干净，内饰有油污"),
)
DEMO_REQUESTS = (
    ("前台", "希望下次保养前一周电话提醒"), ("前台", "希望提供上门取送车"),
    ("配件", "询问原厂雨刮片是否有货"), ("销售", "想了解新车置换政策"),
    ("保险", "询问续保有无优惠"),
)
DEMO_SOLUTIONS = ("已安排技师免费复查，问题已解决", "已退还多收费用并致歉",
                  "已更换配件，保修期内免费", "已与保险公司沟通加快处理",
                  "已调整接车流程，预约客户优先")


def _demo_history(s: Session, rng: random.Random, today: dt.date) -> None:
    """Calls, requests and complaints for the visits before the task backfill: the registers,
    the 统计 tab and the archive pages then show a center's whole history, not six weeks."""
    from app import rules as R
    from app import task_rows
    from app.settings import load_rules
    from db.models import Call, CustomerRequest, Task, TaskKind

    rules = load_rules(s)
    before = today - dt.timedelta(days=rules.backfill_days + rules.first_call_to + 1)
    since = add_months(today, -HISTORY_CALL_MONTHS)
    planned = set(s.scalars(select(Task.visit_id).where(Task.visit_id.is_not(None))))
    rows = s.execute(
        select(Visit.id, Visit.customer_id, Visit.vehicle_id, Visit.pickup_date,
               Visit.service_items, Customer.clerk_id, Customer.phone, Vehicle.warranty_end)
        .join(Customer, Customer.id == Visit.customer_id)
        .outerjoin(Vehicle, Vehicle.id == Visit.vehicle_id)
        .where(Visit.pickup_date.is_not(None), Visit.pickup_date < before,
               Visit.pickup_date >= since,
               Visit.kind.in_([VisitKind.REPAIR.value, VisitKind.MAINTENANCE.value]),
               Visit.deleted_at.is_(None), Customer.deleted_at.is_(None))
        .order_by(Visit.id)).all()
    first_id = (s.scalar(select(func.max(Call.id))) or 0) + 1
    calls: list[dict] = []
    requests: list[dict] = []
    tasks: list[task_rows.NewTask] = []

    def working_moment(day: dt.date) -> dt.datetime:
        while day.weekday() >= 5:  # the desk works weekdays
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59)))

    def call(customer_id: int, clerk_id: int | None, called_at: dt.datetime, **values) -> int:
        row = _call_row(customer_id, clerk_id, called_at, id=first_id + len(calls), **values)
        calls.append(row)
        return row["id"]

    for visit_id, cid, vid, pickup, items, clerk, phone, warranty_end in rows:
        if visit_id in planned:
            continue
        window = R.first_followup_window(pickup, rules)
        # a few calls came late (weekends, a busy week); none is left open: old history
        # must not flood today's agenda with years-old overdue work
        at = working_moment(pickup + dt.timedelta(days=rng.randint(
            rules.first_call_from, rules.first_call_to + (2 if rng.random() < 0.05 else 0))))
        tasks.append(task_rows.NewTask(
            TaskKind.FIRST_FOLLOWUP, cid, f"visit:{visit_id}:first_followup", window, clerk,
            items, vid, visit_id, R.under_warranty(pickup, warranty_end),
            done_on=at.date(), done_by=clerk))
        if rng.random() < 0.12:
            call(customer_id=cid, vehicle_id=vid, clerk_id=clerk, phone=phone,
                 called_at=at - dt.timedelta(hours=1), reached=False,
                 no_answer_reason=rng.choice(["no_answer", "powered_off"]), result="未接通")
        roll = rng.random()
        satisfaction = "satisfied" if roll < 0.93 else "basic" if roll < 0.985 else "unsatisfied"
        complaint = satisfaction == "unsatisfied" or rng.random() < 0.006
        request = not complaint and rng.random() < 0.02
        topic = rng.choice(DEMO_COMPLAINTS if complaint else DEMO_REQUESTS)
        key = rng.choice(DEMO_KEY_POINTS["first_followup"])
        call_id = call(
            customer_id=cid, vehicle_id=vid, clerk_id=clerk, phone=phone, called_at=at,
            reached=True, points_covered="1,2", key_points=f"{items}：{key}" if items else key,
            satisfaction=satisfaction, score=rng.choice((8, 9, 9, 10, 10, 10)) if
            satisfaction != "unsatisfied" and rng.random() < 0.6 else None,
            customer_request=topic[1] if complaint or request else "",
            result=SATISFACTION[satisfaction])
        if not (complaint or request):
            continue
        raised = at.date()
        if request:
            requests.append(dict(
                customer_id=cid, call_id=call_id, is_complaint=False, content=topic[1],
                department=topic[0], handling="answered", status="closed", raised_on=raised,
                escalated_on=None, solution="已当场答复客户", solved_on=raised,
                solved_by_id=clerk, replied_on=raised, reply_call_id=call_id,
                reply_letter_id=None, closed_on=raised, source="", close_note="",
                created_at=at, created_by_id=clerk, updated_at=at, updated_by_id=clerk))
            continue
        solved = working_moment(raised + dt.timedelta(days=rng.randint(1, 4))).date()
        reply_at = working_moment(solved if rng.random() < 0.9 else
                                  solved + dt.timedelta(days=1))
        unsatisfied_only = satisfaction == "unsatisfied" and rng.random() < 0.5
        reply_id = call(customer_id=cid, vehicle_id=vid, clerk_id=clerk, phone=phone,
                        called_at=reply_at, call_type="reply", reached=True,
                        key_points="告知解决办法，客户表示满意", satisfaction="satisfied",
                        result="满意")
        requests.append(dict(
            customer_id=cid, call_id=call_id, is_complaint=not unsatisfied_only,
            content=topic[1],
            department=topic[0], handling="escalated", status="closed", raised_on=raised,
            escalated_on=raised + dt.timedelta(days=rng.choice((0, 1, 1, 2))),
            solution=rng.choice(DEMO_SOLUTIONS), solved_on=solved, solved_by_id=clerk,
            replied_on=reply_at.date(), reply_call_id=reply_id, reply_letter_id=None,
            closed_on=reply_at.date(), source="unsatisfied" if unsatisfied_only else "",
            close_note="", created_at=at, created_by_id=clerk,
            updated_at=reply_at, updated_by_id=clerk))
    _insert(s, Call, calls)
    _insert(s, CustomerRequest, requests)
    task_rows.add_many(s, tasks, None)
    _demo_letters(s, rng, since, before)


def _demo_letters(s: Session, rng: random.Random, since: dt.date, before: dt.date) -> None:
    """答复函 for some answered complaints and 保养通知 for some customers, numbered per year
    as the register numbers them, so 信函记录 and the letter register have a history."""
    from db.models import CustomerRequest, Letter

    letters: list[dict] = []
    for rid, cid, content, replied, clerk, name, address in s.execute(
            select(CustomerRequest.id, CustomerRequest.customer_id, CustomerRequest.content,
                   CustomerRequest.replied_on, CustomerRequest.solved_by_id, Customer.name,
                   Customer.address)
            .join(Customer, Customer.id == CustomerRequest.customer_id)
            .where(CustomerRequest.is_complaint.is_(True),
                   CustomerRequest.replied_on.is_not(None))):
        if rng.random() < 0.4 and address:
            letters.append(dict(
                customer_id=cid, kind="reply", sent_on=replied, recipient=name, address=address,
                subject=f"关于“{content}”的答复", request_id=rid, clerk_id=clerk,
                body=f"尊敬的{name}：\n\n您反映的“{content}”，我中心已查明原因并处理完毕。"
                     "感谢您的理解与支持，欢迎随时来电提出意见。\n",
                way=rng.choice(("mail", "mail", "hand"))))
    for cid, clerk, name, address in s.execute(
            select(Customer.id, Customer.clerk_id, Customer.name, Customer.address)
            .where(Customer.deleted_at.is_(None), Customer.address != "")
            .order_by(Customer.id)):
        if rng.random() < 0.04:
            day = since + dt.timedelta(days=rng.randint(0, max(0, (before - since).days)))
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            letters.append(dict(
                customer_id=cid, kind="notice", sent_on=day, recipient=name, address=address,
                subject="保养提醒", request_id=None, clerk_id=clerk, way="mail",
                body=f"尊敬的{name}：\n\n您的爱车即将到保养期，请您按期来我中心保养。\n"))
    letters.sort(key=lambda x: x["sent_on"])
    last: dict[int, int] = {}
    for x in letters:
        year = x["sent_on"].year
        last[year] = last.get(year, 0) + 1
        at = dt.datetime.combine(x["sent_on"], dt.time(15, 0))
        x.update(letter_no=f"{year}-{last[year]:04d}", campaign_id=None, task_id=None, note="",
                 created_at=at, created_by_id=x["clerk_id"], updated_at=at,
                 updated_by_id=x["clerk_id"], deleted_at=None, deleted_by_id=None)
    _insert(s, Letter, letters)
    for year, value in last.items():  # the register goes on from here
        _insert(s, Counter, [dict(name=f"letter_no.{year}", last_value=value)])


def _demo_score(rng: random.Random, satisfaction: str) -> int | None:
    """请您为本次服务打分: most satisfied customers give one, an unhappy one a low one."""
    if satisfaction == "unsatisfied":
        return rng.choice((3, 4, 5, None))
    return rng.choice((8, 9, 9, 10, 10, 10)) if rng.random() < 0.6 else None


def _log_demo_calls(s: Session, rng: random.Random, rows, done: list[dict]) -> None:
    """The calls that did the demo's follow-up work (R7), so registers and figures have data."""
    from db.models import Call, TaskKind

    kinds = {r[0]: (r[1], r[2]) for r in rows}
    calls = []
    for d in done:
        customer_id, kind = kinds[d["tid"]]
        if kind == TaskKind.LOST_CUSTOMER:
            at = dt.datetime.combine(d["done_on"], dt.time(rng.randint(9, 17),
                                                           rng.randint(0, 59)))
            reason = rng.choices(list(DEMO_LOST_REASONS), weights=DEMO_LOST_REASONS.values())[0]
            calls.append(_call_row(
                customer_id, d["owner"], at, task_id=d["tid"], points_covered="1,2",
                key_points=DEMO_LOST_WORDS[reason], result="已问明流失原因", lost_reason=reason))
            continue
        if kind not in (TaskKind.FIRST_FOLLOWUP, TaskKind.SECOND_FOLLOWUP):
            continue
        at = dt.datetime.combine(d["done_on"], dt.time(rng.randint(9, 17), rng.randint(0, 59)))
        if rng.random() < 0.15:  # nobody answered the first time
            # stamped at the answered call's time, as the demo always did
            calls.append(_call_row(
                customer_id, d["owner"], at - dt.timedelta(hours=2), task_id=d["tid"],
                created_at=at, updated_at=at, reached=False,
                no_answer_reason=rng.choice(["no_answer", "powered_off"]), result="未接通"))
        roll = rng.random()
        satisfaction = "satisfied" if roll < 0.93 else "basic" if roll < 0.985 else "unsatisfied"
        points = "1,2" if kind == TaskKind.FIRST_FOLLOWUP else "3,4,5"
        calls.append(_call_row(
            customer_id, d["owner"], at, task_id=d["tid"], points_covered=points,
            key_points=rng.choice(DEMO_KEY_POINTS[kind]), satisfaction=satisfaction,
            score=_demo_score(rng, satisfaction), result=SATISFACTION[satisfaction]))
    if calls:
        _insert(s, Call, calls)


def _call_row(customer_id: int, clerk_id: int | None, called_at: dt.datetime,
              **values) -> dict:
    """A call row with every column (one executemany needs the same keys in each row),
    stamped as made by the clerk at its time; values override the defaults."""
    row = dict(
        customer_id=customer_id, vehicle_id=None, task_id=None, campaign_id=None,
        clerk_id=clerk_id, direction="out", call_type="followup", phone="", retry_at=None,
        customer_request="", caller_name="", called_at=called_at, reached=True,
        no_answer_reason="", points_covered="", key_points="", satisfaction="", result="",
        score=None, lost_reason="", created_at=called_at, created_by_id=clerk_id,
        updated_at=called_at, updated_by_id=clerk_id, deleted_at=None, deleted_by_id=None)
    row.update(values)
    return row


def _insert(s: Session, model: type, rows: list[dict]) -> None:
    # Core, not ORM bulk insert: same SQL, without the ORM's per-row bookkeeping.
    table = model.__table__
    for start in range(0, len(rows), INSERT_CHUNK):
        s.execute(insert(table), rows[start : start + INSERT_CHUNK])


def ensure_demo(url: str, *, customers: int = 2000, seed: int = 1,
                progress: Progress | None = None) -> str:
    """Open (or create) the demo database, filling it on first use; the login hint to show.

    The hint is given only while the demo admin's password still works, so a database that
    was never a demo (or whose passwords were changed) gets no misleading hint.
    """
    from db.migrate import DatabaseError

    try:
        store = Store(url)
    except DatabaseError:
        return ""  # the window opens the same database and explains
    try:
        if is_empty(store):
            fill_demo(store, customers=customers, seed=seed, progress=progress)
        admin = DEMO_LOGINS[0]
        # Checked without logging in: a failed login here would count towards the lock-out.
        with store.read() as s:
            row = s.scalar(select(Staff).where(Staff.username == admin.username))
            works = row is not None and verify_password(row.password_hash, admin.password)
        return login_hint() if works else ""
    finally:
        store.close()
