"""Deterministic generator of government-style Chinese text for the benchmark.

It writes articles of the kinds a government website publishes (通知, 工作报告/总结, 政务动态,
公示, 政策解读) from a pool of sentence templates and vocabulary: dates, 文号 with 〔〕, office
phone numbers, 索引号, unified social credit codes, amounts and percentages, some ASCII
(URLs, e-mail, GDP, 5G, PM2.5). At a small rate it plants the problems the engine looks for
(a leaked mobile number, an ID number or bank card with a valid check digit, spam phrases,
typos, wrong formulations, 【】 文号, impossible dates, wrong weekdays, secrecy marks) and,
when asked, words of a synthetic lexicon.

Everything depends only on the seed: the same seed gives the same text.

    >>> gen = GovTextGenerator(seed=1)
    >>> articles = gen.corpus(50_000)
    >>> sum(map(len, articles)) >= 50_000
    True
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence

# --------------------------------------------------------------------------- vocabulary

PLACES = (
    ("江南", "jiangnan"), ("临川", "linchuan"), ("青山", "qingshan"), ("云岭", "yunling"), ("东湖", "donghu"),
    ("西江", "xijiang"), ("南屏", "nanping"), ("北辰", "beichen"), ("长宁", "changning"), ("安平", "anping"),
    ("永丰", "yongfeng"), ("泰和", "taihe"), ("清源", "qingyuan"), ("白沙", "baisha"), ("石门", "shimen"),
    ("桃源", "taoyuan"), ("龙泉", "longquan"), ("凤凰", "fenghuang"), ("金溪", "jinxi"), ("玉山", "yushan"),
    ("新田", "xintian"), ("宁远", "ningyuan"), ("崇义", "chongyi"), ("上林", "shanglin"), ("平乐", "pingle"),
    ("湘东", "xiangdong"), ("梅江", "meijiang"), ("兴国", "xingguo"), ("丰城", "fengcheng"), ("武宁", "wuning"),
    ("德兴", "dexing"), ("广昌", "guangchang"), ("宜黄", "yihuang"), ("乐安", "lean"), ("铜鼓", "tonggu"),
    ("靖安", "jingan"), ("鹤山", "heshan"), ("松阳", "songyang"), ("嘉禾", "jiahe"), ("文昌", "wenchang"),
)
TOWN_SUFFIX = ("镇", "镇", "乡", "街道")
VILLAGE_WORDS = (
    "桥头", "河东", "杨家", "新塘", "柳林", "高坪", "大坝", "石桥", "洪山", "红星", "青石", "黄泥", "茶园", "枫树",
    "双溪", "花园", "前进", "团结", "和平", "朝阳", "南门", "北湖", "东风", "金盆", "竹林", "马岭", "水口", "龙井",
)
ROADS = ("人民路", "解放路", "建设路", "中山路", "行政中心大道", "府前路", "文化路", "滨江大道", "新华路", "迎宾大道")
AREA_CODES = ("0791", "0792", "0793", "0794", "0795", "0796", "0797", "0798", "0731", "0734", "0571", "0574",
              "0591", "0595", "0851", "0871", "028", "023", "027", "025", "020", "010", "021", "0755")
DEPTS = (
    "发展和改革委员会", "财政局", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局",
    "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
    "农业农村局", "商务局", "文化广电新闻出版旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局",
    "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局", "城市管理局", "行政审批局", "数据局",
    "信访局", "机关事务管理局", "体育局", "人民防空办公室", "营商环境建设局", "政务服务管理局",
    "国有资产监督管理委员会",
)
DEPT_ABBR = ("发改委", "财政局", "教育局", "科技局", "工信局", "民政局", "人社局", "自然资源局", "生态环境局",
             "住建局", "交通局", "水利局", "农业农村局", "商务局", "卫健委", "应急局", "市场监管局", "统计局", "医保局")
FIELDS = (
    "安全生产", "防汛抗旱", "森林防灭火", "乡村振兴", "营商环境优化提升", "生态环境保护", "城乡环境综合整治",
    "老旧小区改造", "义务教育“双减”", "食品药品安全", "根治欠薪", "信访工作", "民生实事", "招商引资", "重大项目建设",
    "数字政府建设", "政务公开", "“放管服”改革", "河湖长制", "耕地保护", "高标准农田建设", "稳就业", "社会救助",
    "养老服务", "医保基金监管", "文明城市创建", "消防安全", "城镇燃气安全", "道路交通安全", "自建房安全专项整治",
    "平安建设", "普法宣传", "禁毒宣传", "节能降碳", "大气污染防治", "农村人居环境整治", "新型农村集体经济发展",
    "人才引进", "科技创新", "消费提振", "外贸稳增长", "防范化解重大风险", "粮食安全", "政府采购", "预算绩效管理",
    "国有资产管理", "统计监测", "审计整改", "12345政务服务便民热线", "“一网通办”", "“双随机、一公开”监管",
    "城市更新", "防返贫动态监测", "地质灾害防治", "冬春火灾防控", "校园安全", "退役军人服务保障", "全民健身",
)
VERBS = (
    "推进", "落实", "加强", "深化", "完善", "健全", "强化", "提升", "统筹", "抓好", "做实", "推动", "加快",
    "持续深化", "全面落实", "扎实推进", "着力提升", "进一步完善", "切实加强", "大力推进", "不断健全", "有序推进",
)
GOALS = (
    "高质量发展", "群众获得感、幸福感、安全感", "治理体系和治理能力现代化", "经济社会持续健康发展",
    "人民群众生命财产安全", "社会大局和谐稳定", "营商环境持续优化", "共同富裕", "城乡融合发展", "绿色低碳转型",
    "新质生产力加快发展", "法治政府建设", "基层治理能力", "基本公共服务均等化", "产业转型升级", "区域协调发展",
    "全年目标任务圆满完成", "“十四五”规划目标任务全面完成",
)
MECHANISMS = (
    "工作机制", "责任体系", "长效机制", "考核评价体系", "监测预警机制", "协调联动机制", "闭环管理机制",
    "督查督办制度", "信息报送制度", "应急预案体系", "风险隐患排查清单", "问题整改台账", "政策支撑体系",
    "标准规范体系", "分级分类监管制度", "首问负责制", "限时办结制", "容缺受理机制",
)
ACTIONS = (
    "专项整治行动", "集中宣传月活动", "隐患排查治理", "督导检查", "业务培训", "应急演练", "执法检查", "调研走访",
    "问卷调查", "考核评估", "绩效评价", "安全检查", "联合执法", "“回头看”", "示范创建", "明察暗访", "交叉检查",
)
PROJECTS = (
    "城东污水处理厂提标改造工程", "老城区雨污分流改造项目", "第二人民医院新院区建设项目", "实验学校扩建工程",
    "国道改线工程", "工业园区标准厂房建设项目", "乡镇综合文化站建设项目", "农村饮水安全巩固提升工程",
    "城市生命线安全工程", "智慧停车系统建设项目", "全民健身中心", "保障性租赁住房项目", "高标准农田建设项目",
    "滨江公园提升改造工程", "生活垃圾焚烧发电项目", "中小河流治理工程", "冷链物流园", "数字经济产业园",
    "5G基站建设项目", "城乡供水一体化工程", "公共充电桩建设项目", "妇幼保健院迁建工程",
)
COMPANY_WORDS = ("恒达", "瑞丰", "华宇", "鑫源", "中科", "锦程", "宏远", "金辉", "博远", "天成", "新材", "绿洲")
COMPANY_TRADES = ("科技", "电子", "新能源", "生物医药", "智能装备", "食品", "建材", "物流", "纺织", "光电")
INDICATORS = (
    "地区生产总值", "一般公共预算收入", "规模以上工业增加值", "固定资产投资", "社会消费品零售总额", "进出口总额",
    "城镇居民人均可支配收入", "农村居民人均可支配收入", "实际利用外资", "税收收入", "民间投资", "服务业增加值",
)
RATES = ("空气质量优良天数比例", "PM2.5平均浓度下降比例", "城镇调查失业率", "常住人口城镇化率",
         "研发经费投入强度", "森林覆盖率", "生活垃圾无害化处理率", "政务服务事项网上可办率", "群众满意率")
POSITIONS = (
    "市委书记", "市长", "市委副书记", "常务副市长", "副市长", "市政府秘书长", "市人大常委会主任", "市政协主席",
    "县委书记", "县长", "副县长", "区委书记", "区长", "副区长", "局党组书记、局长", "副局长", "主任", "副主任",
    "镇党委书记", "镇长", "街道党工委书记", "村党支部书记", "社区党委书记", "一级调研员", "二级巡视员",
)
MEETINGS = ("工作推进会", "工作调度会", "专题会议", "现场推进会", "工作座谈会", "联席会议", "业务培训班", "动员部署会")
LAWS = (
    "中华人民共和国安全生产法", "中华人民共和国政府信息公开条例", "中华人民共和国预算法", "中华人民共和国环境保护法",
    "中华人民共和国食品安全法", "中华人民共和国行政许可法", "优化营商环境条例", "中华人民共和国个人信息保护法",
    "中华人民共和国突发事件应对法", "中华人民共和国防洪法", "中华人民共和国森林法", "中华人民共和国消防法",
    "中华人民共和国道路交通安全法", "保障农民工工资支付条例", "中华人民共和国保守国家秘密法", "社会救助暂行办法",
)
PROBLEMS = (
    "部分单位责任落实不到位", "资金保障压力较大", "专业技术人才短缺", "基层工作力量不足", "群众参与度有待提高",
    "信息化支撑能力不强", "工作推进不平衡", "监管手段相对滞后", "项目前期工作滞后", "风险隐患仍然较多",
    "政策宣传解读不够深入", "部门之间信息共享不够顺畅", "个别项目建设进度滞后于计划",
)
HEADINGS_NOTICE = ("总体要求", "主要任务", "工作措施", "重点内容", "实施步骤", "保障措施", "工作要求", "时间安排",
                   "职责分工", "组织实施")
SUBHEADINGS = (
    "加强组织领导", "压实工作责任", "强化统筹协调", "加强督促检查", "强化宣传引导", "加大资金投入", "严格考核问责",
    "加强队伍建设", "注重信息报送", "强化要素保障", "健全工作机制", "深化源头治理", "突出重点领域", "做好风险防范",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉"
    "玉兰海燕春晓宇浩俊凯鹏飞婷雪琳晨宁欣怡德荣庆祥福斌亮"
)
# Names of state leaders are not produced by chance (the expression family checks them).
_AVOID_NAMES = frozenset(("李强", "李希", "蔡奇", "李克强", "王沪宁", "赵乐际", "丁薛祥", "韩正"))

# Correct form, wrong form, carrier sentence (the correct form also appears in clean text).
TYPO_PAIRS = (
    ("再接再厉", "再接再励", "希望各单位珍惜荣誉、再接再厉，推动{领域}工作再上新台阶。"),
    ("迫在眉睫", "迫在眉捷", "加快补齐{领域}短板已经迫在眉睫，各地要抓紧制定整改措施。"),
    ("一筹莫展", "一愁莫展", "面对新情况新问题，不能消极等待、一筹莫展，要主动作为、攻坚克难。"),
    ("迫不及待", "迫不急待", "群众迫不及待地希望{项目}早日建成投用。"),
    ("按部就班", "按步就班", "{领域}工作不能按部就班、照搬照抄，要结合实际创造性开展工作。"),
    ("财政拨款", "财政拔款", "项目资金来源为财政拨款，共计{金额}。"),
    ("部署", "布署", "会议对下一阶段{领域}工作进行了全面部署。"),
    ("警钟长鸣", "警钟常鸣", "安全生产必须警钟长鸣、常抓不懈，决不能有丝毫松懈。"),
    ("震撼", "震憾", "参观结束后，大家纷纷表示受到了强烈震撼和深刻教育。"),
    ("针砭时弊", "针贬时弊", "代表委员们建言献策、针砭时弊，提出了许多有价值的意见。"),
    ("墨守成规", "默守成规", "要敢于打破常规，不能墨守成规、固步自封。"),
    ("一如既往", "一如继往", "我们将一如既往地支持企业发展，为企业纾困解难。"),
    ("事必躬亲", "事必恭亲", "主要负责同志要事必躬亲，对重点任务亲自部署、亲自督办。"),
    ("鞠躬尽瘁", "鞠躬尽粹", "他扎根基层三十余年，鞠躬尽瘁、无私奉献，赢得了群众的广泛赞誉。"),
    ("人才辈出", "人才倍出", "我{级}文化底蕴深厚、人才辈出。"),
    ("川流不息", "穿流不息", "节日期间，景区游客川流不息，市场秩序井然。"),
    ("直截了当", "直接了当", "调研中，群众直截了当地指出了{领域}存在的突出问题。"),
    ("美轮美奂", "美仑美奂", "改造后的街区美轮美奂，成为市民休闲的好去处。"),
    ("截至", "截止", "截至{月日}，全{级}已完成{领域}任务的{百分比}。"),
    ("贯彻落实", "贯切落实", "要认真贯彻落实上级决策部署，确保政令畅通。"),
    ("通货膨胀", "通货膨涨", "受通货膨胀预期等因素影响，部分原材料价格有所上涨。"),
    ("寒暄", "寒喧", "座谈会上，大家没有客套寒暄，直奔主题谈问题、提建议。"),
)
# Standard formulation, wrong form, carrier sentence.
EXPRESSION_PAIRS = (
    ("中华人民共和国", "中华人民共合国", "根据《中华人民共和国{法律短}》有关规定，现予公布。"),
    ("人民检察院", "人民检查院", "{市}人民检察院依法对该案提起公诉。"),
    ("全国人民代表大会", "全国人民代表大会会", "全国人民代表大会代表{人名}到{镇}开展调研。"),
    ("社会主义核心价值观", "社会主义核心价值", "要大力弘扬社会主义核心价值观，推进移风易俗。"),
)
SPAM_LINES = (
    "澳门新葡京娱乐城官网注册就送88元彩金，真人百家乐在线玩。",
    "六合彩开奖结果今晚特码资料大全，信誉平台稳赚不赔。",
    "网上赌场首存100送100，棋牌捕鱼老虎机24小时提款秒到账。",
    "代开各类发票，办证刻章，微信同号联系。",
    "成人视频免费在线观看，精品资源每日更新。",
    "时时彩计划软件，北京赛车pk10稳赚计划，加QQ领取。",
    "太阳城集团皇冠体育投注网址，足球外围下注返水高。",
)
SECRET_LINES = ("内部资料 注意保存", "秘密★1年", "机密★5年", "内部文件 不得外传")
_ID_REGIONS = ("110101", "110105", "310104", "320102", "330106", "360102", "360782", "430104", "440305",
               "510107", "420106", "350203", "370202", "500103", "610113", "130102", "410105", "450103")
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                    "157", "158", "159", "166", "176", "177", "180", "181", "183", "185", "186", "187", "188",
                    "189", "191", "198", "199")
_CARD_PREFIXES = ("622202", "621700", "622848", "621226", "622588", "621483", "622700", "623058")
_PRC_LAWS = tuple(law.removeprefix("中华人民共和国") for law in LAWS if law.startswith("中华人民共和国"))
_WEEKDAYS = "一二三四五六日"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# --------------------------------------------------------------------------- check digits


def id_check_digit(first17: str) -> str:
    """GB 11643 check character of an 18-digit resident ID number."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def luhn_digit(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check(first17: str) -> str:
    """GB 32100 check character of a unified social credit code."""
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, weights, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def common_chars() -> list[str]:
    """The 3,755 level-1 characters of GB 2312 (the most common Chinese characters)."""
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def synthetic_lexicon(n: int, seed: int = 7, exclude: Sequence[str] = ()) -> list[str]:
    """``n`` distinct random words of 2–6 common CJK characters, deterministic for a seed."""
    rng = random.Random(seed)
    chars = common_chars()
    lengths = (2, 3, 3, 4, 4, 4, 5, 5, 6, 6)
    seen = set(exclude)
    words: list[str] = []
    while len(words) < n:
        word = "".join(rng.choices(chars, k=rng.choice(lengths)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


# --------------------------------------------------------------------------- the generator

_SLOT = re.compile(r"\{([^{}]+)\}")


class GovTextGenerator:
    """Writes government-style articles; ``problem_rate`` is planted problems per 10,000 characters.

    ``plant_words`` are extra words (e.g. from a synthetic lexicon) inserted into sentences at
    ``plant_rate`` words per 10,000 characters.
    """

    def __init__(
        self,
        seed: int = 1,
        problem_rate: float = 1.0,
        plant_words: Sequence[str] = (),
        plant_rate: float = 2.0,
    ):
        self.rng = random.Random(seed)
        self.problem_rate = problem_rate
        self.plant_words = list(plant_words)
        self.plant_rate = plant_rate if self.plant_words else 0.0
        self.planted: Counter[str] = Counter()
        self._ctx: dict[str, str] = {}
        self._year = 2024
        r = self.rng
        self._slots: dict[str, Callable[[], str]] = {
            "领域": lambda: r.choice(FIELDS),
            "动词": lambda: r.choice(VERBS),
            "目标": lambda: r.choice(GOALS),
            "机制": lambda: r.choice(MECHANISMS),
            "行动": lambda: r.choice(ACTIONS),
            "项目": lambda: self._ctx["市"][:-1] + r.choice(PROJECTS) if r.random() < 0.3 else r.choice(PROJECTS),
            "指标": lambda: r.choice(INDICATORS),
            "比率": lambda: r.choice(RATES),
            "问题": lambda: r.choice(PROBLEMS),
            "法规": lambda: r.choice(LAWS),
            "法律短": lambda: r.choice(_PRC_LAWS),
            "职务": lambda: r.choice(POSITIONS),
            "会议": lambda: r.choice(MEETINGS),
            "人名": self.person,
            "部门": lambda: r.choice(DEPT_ABBR),
            "单位": lambda: self._ctx["本级"] + r.choice(DEPTS),
            "企业": self.company,
            "市": lambda: self._ctx["市"],
            "县": lambda: self._ctx["县"],
            "本级": lambda: self._ctx["本级"],
            "级": lambda: self._ctx["级"],
            "镇": self.town,
            "村": lambda: r.choice(VILLAGE_WORDS) + r.choice(("村", "村", "社区")),
            "年": lambda: str(self._year),
            "上年": lambda: str(self._year - 1),
            "下年": lambda: str(self._year + 1),
            "日期": self.date,
            "月日": self.month_day,
            "百分比": lambda: f"{r.uniform(1, 99.9):.1f}%",
            "高比率": lambda: f"{r.uniform(85, 99.9):.1f}%",
            "小数": lambda: f"{r.uniform(0.1, 9.9):.1f}",
            "增长": self.growth,
            "金额": self.amount,
            "数": lambda: str(int(r.lognormvariate(4, 1.3)) + 2),
            "数小": lambda: str(r.randint(2, 12)),
            "文号": self.doc_number,
            "电话": self.office_phone,
            "网址": lambda: f"http://www.{self._ctx['拼音']}.gov.cn",
            "邮箱": lambda: f"{r.choice(('bgs', 'zwgk', 'xxgk', 'fgw', 'czj', 'yjj'))}@{self._ctx['拼音']}.gov.cn",
            "地址": lambda: f"{self._ctx['市']}{r.choice(ROADS)}{r.randint(1, 399)}号",
            "邮编": lambda: f"{r.randint(33, 36)}{r.randint(0, 9999):04d}",
        }

    # ----- small generators
    def person(self) -> str:
        r = self.rng
        while True:
            name = r.choice(SURNAMES) + "".join(r.choices(GIVEN, k=r.choice((1, 2, 2))))
            if name not in _AVOID_NAMES:
                return name

    def company(self) -> str:
        r = self.rng
        return f"{self._ctx['市'][:-1]}{r.choice(COMPANY_WORDS)}{r.choice(COMPANY_TRADES)}有限公司"

    def town(self) -> str:
        r = self.rng
        return r.choice(VILLAGE_WORDS) + r.choice(TOWN_SUFFIX)

    def _rand_date(self, year: int | None = None) -> dt.date:
        r = self.rng
        year = year or self._year
        return dt.date(year, 1, 1) + dt.timedelta(days=r.randrange(365))

    def date(self) -> str:
        d = self._rand_date()
        return f"{d.year}年{d.month}月{d.day}日"

    def month_day(self) -> str:
        d = self._rand_date()
        return f"{d.month}月{d.day}日"

    def growth(self) -> str:
        r = self.rng
        if r.random() < 0.8:
            return f"同比增长{r.uniform(0.5, 15):.1f}%"
        return f"同比下降{r.uniform(0.2, 6):.1f}%"

    def amount(self) -> str:
        r = self.rng
        if r.random() < 0.5:
            return f"{r.uniform(0.5, 120):.2f}亿元"
        return f"{r.randint(20, 9800)}万元"

    def doc_number(self, brackets: str = "〔〕") -> str:
        r = self.rng
        kind = r.choice(("府发", "府办发", "府办字", "府字", "政发", "政办发", "办发"))
        return f"{self._ctx['简称']}{kind}{brackets[0]}{self._year}{brackets[1]}{r.randint(1, 180)}号"

    def office_phone(self) -> str:
        r = self.rng
        code = self._ctx["区号"]
        digits = 8 if len(code) <= 3 or r.random() < 0.7 else 7
        first = r.choice("2345678")
        return f"{code}-{first}{r.randint(0, 10 ** (digits - 1) - 1):0{digits - 1}d}"

    def mobile(self) -> str:
        r = self.rng
        return r.choice(_MOBILE_PREFIXES) + f"{r.randint(0, 99_999_999):08d}"

    def id_number(self) -> str:
        r = self.rng
        born = dt.date(1950, 1, 1) + dt.timedelta(days=r.randrange(55 * 365))
        first17 = f"{r.choice(_ID_REGIONS)}{born:%Y%m%d}{r.randint(0, 999):03d}"
        return first17 + id_check_digit(first17)

    def bank_card(self) -> str:
        r = self.rng
        body = r.choice(_CARD_PREFIXES) + "".join(r.choices("0123456789", k=r.choice((9, 12))))
        return body + luhn_digit(body)

    def uscc(self) -> str:
        r = self.rng
        first17 = "11" + self._ctx["区划"] + "".join(r.choices(_USCC_CHARS[:10], k=8)) + r.choice("0123456789ABC")
        return first17 + uscc_check(first17)

    def index_number(self) -> str:
        return f"{self.uscc()}/{self._year}-{self.rng.randint(1, 99999):05d}"

    def fill(self, template: str) -> str:
        return _SLOT.sub(lambda m: self._slots[m.group(1)](), template)

    def sentences(self, pool: Sequence[str], k: int) -> str:
        r = self.rng
        out = []
        for template in r.sample(pool, min(k, len(pool))):
            s = self.fill(template)
            if self.plant_rate and r.random() < self.plant_rate * len(s) / 10_000:
                word = r.choice(self.plant_words)
                self.planted[word] += 1
                cut = r.randrange(1, max(2, len(s) - 1))
                s = s[:cut] + word + s[cut:]
            out.append(s)
        return "".join(out)

    # ----- planted problems
    def problem(self) -> str:
        r = self.rng
        kind = r.choices(
            ("mobile", "id", "card", "spam", "typo", "expression", "docno", "baddate", "weekday", "secret"),
            weights=(18, 14, 5, 10, 25, 6, 8, 5, 6, 3),
        )[0]
        if kind == "mobile":
            return self.fill(r.choice((
                "联系人：{人名}，手机：", "如有疑问，请联系{人名}同志，电话：", "{村}网格员{人名}（",
            ))) + self.mobile() + r.choice(("。", "。", "）。"))
        if kind == "id":
            return self.fill("{人名}，" + r.choice(("男", "女")) + "，身份证号码：") + self.id_number() + "，" + \
                self.fill("现住{镇}{村}。")
        if kind == "card":
            return self.fill("补助资金已发放至{人名}的银行账户（账号：") + self.bank_card() + "）。"
        if kind == "spam":
            return r.choice(SPAM_LINES)
        if kind == "typo":
            _right, wrong, carrier = r.choice(TYPO_PAIRS)
            return self.fill(carrier.replace(_right, wrong, 1))
        if kind == "expression":
            right, wrong, carrier = r.choice(EXPRESSION_PAIRS)
            return self.fill(carrier.replace(right, wrong, 1))
        if kind == "docno":
            return "根据《" + self._ctx["发文机关"] + "关于印发" + self.fill("{领域}工作方案的通知》（") + \
                self.doc_number(r.choice(("【】", "[]"))) + "）要求，现将有关情况报告如下。"
        if kind == "baddate":
            month, day = r.choice(((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31), (2, 29)))
            year = 2023 if day == 29 else self._year
            return self.fill(f"本次活动定于{year}年{month}月{day}日在{{本级}}政务服务中心举行。")
        if kind == "weekday":
            d = self._rand_date()
            wrong = _WEEKDAYS[(d.weekday() + r.randint(1, 6)) % 7]
            return self.fill(f"会议定于{d.year}年{d.month}月{d.day}日（星期{wrong}）上午9:00召开，请准时参加。")
        return r.choice(SECRET_LINES)

    def _maybe_problem(self, text: str) -> str:
        r = self.rng
        if self.problem_rate and r.random() < self.problem_rate * len(text) / 10_000:
            return text + self.problem()
        return text

    def paragraph(self, pool: Sequence[str], lo: int = 2, hi: int = 6) -> str:
        return self._maybe_problem(self.sentences(pool, self.rng.randint(lo, hi)))

    # ----- articles
    def _new_context(self) -> None:
        r = self.rng
        (city, city_py), (county, county_py) = r.sample(PLACES, 2)
        level = r.choices(("市", "县", "区"), weights=(5, 3, 2))[0]
        name = city + "市" if level == "市" else county + level
        self._year = r.choice((2021, 2022, 2023, 2024, 2024, 2025, 2025))
        self._ctx = {
            "市": city + "市",
            "县": county + ("县" if level != "区" else "区"),
            "本级": name,
            "级": level,
            "拼音": city_py if level == "市" else county_py,
            "简称": (city if level == "市" else county)[0],
            "区号": r.choice(AREA_CODES),
            "区划": r.choice(_ID_REGIONS),
        }
        self._ctx["发文机关"] = name + r.choice(("人民政府", "人民政府办公室", r.choice(DEPTS)))

    def article(self, target: int) -> str:
        self._new_context()
        r = self.rng
        kind = r.choices(("notice", "report", "news", "publicity", "qa"), weights=(30, 25, 25, 10, 10))[0]
        writer = {"notice": self._notice, "report": self._report, "news": self._news,
                  "publicity": self._publicity, "qa": self._qa}[kind]
        text = writer(target)
        if r.random() < 0.4:  # paragraphs indented with ideographic spaces, as many sites publish them
            text = "\n".join("　　" + line if line else line for line in text.split("\n"))
        if r.random() < 0.04:  # some sites publish numbers in full width
            text = text.translate(_FULLWIDTH)
        return text

    def _head(self, title: str) -> list[str]:
        r = self.rng
        lines = [title]
        if r.random() < 0.5:
            lines.append(f"索引号：{self.index_number()}　　发布机构：{self._ctx['发文机关']}　　"
                         f"发布日期：{self.date().replace('年', '-').replace('月', '-').rstrip('日')}")
        if r.random() < 0.3:
            lines.append(f"来源：{self._ctx['本级']}政府门户网站　　浏览次数：{r.randint(50, 20000)}　　"
                         f"字号：[大 中 小]")
        return lines

    def _tail(self) -> list[str]:
        r = self.rng
        lines = []
        if r.random() < 0.6:
            lines.append(self.fill("（联系人：{人名}，联系电话：{电话}，电子邮箱：{邮箱}）"))
        lines.append(self._ctx["发文机关"])
        lines.append(self.date())
        if r.random() < 0.5:
            lines.append(r.choice(("（此件公开发布）", "（此件主动公开）", "（此件依申请公开）")))
        if r.random() < 0.3:
            lines.append(self.fill("主办单位：{本级}人民政府办公室　地址：{地址}　邮编：{邮编}　网址：{网址}"))
        return lines

    def _notice(self, target: int) -> str:
        r = self.rng
        issuer = self._ctx["发文机关"]
        title = self.fill(f"{issuer}关于" + r.choice((
            "印发{本级}{领域}工作实施方案的通知", "做好{年}年{领域}工作的通知", "开展{领域}{行动}的通知",
            "进一步加强{领域}工作的通知", "印发《{本级}{领域}三年行动计划（{年}—{下年}年）》的通知",
        )))
        lines = self._head(title)
        if r.random() < 0.02:
            lines.insert(0, r.choice(SECRET_LINES))
        lines.append(self.doc_number())
        lines.append(r.choice(("各县（市、区）人民政府，市政府各部门，各有关单位：",
                               "各乡镇人民政府、街道办事处，县直各单位：", "局机关各科室，局属各单位：")))
        lines.append(self.paragraph(NOTICE_INTRO, 1, 3) + "现将有关事项通知如下：")
        size = sum(map(len, lines))
        section = 0
        while size < target - 400:
            heading = HEADINGS_NOTICE[section % len(HEADINGS_NOTICE)]
            lines.append(f"{_CN_NUM[section % len(_CN_NUM)]}、{heading}")
            for sub in range(r.randint(2, 5)):
                para = f"（{_CN_NUM[sub]}）{r.choice(SUBHEADINGS)}。" + self.paragraph(NOTICE_BODY, 2, 6)
                lines.append(para)
                size += len(para)
            section += 1
        lines.append(self.paragraph(NOTICE_END, 1, 3))
        lines.append("特此通知。")
        if r.random() < 0.5:
            lines.append(self.fill("附件：1.{领域}工作任务分解表\n2.{领域}工作情况统计表"))
        lines.extend(self._tail())
        return "\n".join(lines)

    def _report(self, target: int) -> str:
        r = self.rng
        title = self.fill(r.choice((
            "{本级}人民政府关于{年}年工作情况和{下年}年工作安排的报告", "{单位}{年}年工作总结和{下年}年工作计划",
            "{本级}{年}年国民经济和社会发展统计公报", "{单位}{年}年法治政府建设情况报告",
            "关于{本级}{年}年{领域}工作情况的报告",
        )))
        lines = self._head(title)
        lines.append(self.paragraph(REPORT_INTRO, 1, 2))
        lines.append(self.fill("一、{年}年工作回顾"))
        size = sum(map(len, lines))
        sub = 0
        while size < target * 0.6:
            para = f"（{_CN_NUM[sub % len(_CN_NUM)]}）{r.choice(VERBS)}{r.choice(FIELDS)}。" + \
                self.paragraph(REPORT_STATS, 3, 8)
            lines.append(para)
            size += len(para)
            sub += 1
        lines.append("二、存在的问题")
        lines.append("在肯定成绩的同时，我们也清醒地看到，工作中还存在一些问题和不足：" + "".join(
            f"{o}是{r.choice(PROBLEMS)}；" for o in "一二三") [:-1] + "。对此，我们将采取有力措施，认真加以解决。")
        lines.append(self.fill("三、{下年}年工作安排"))
        lines.append(self.fill("{下年}年，我们将重点抓好以下几个方面工作："))
        k = 1
        while size < target:
            para = f"{k}.{r.choice(VERBS)}{r.choice(FIELDS)}。" + self.paragraph(REPORT_PLAN, 2, 6)
            lines.append(para)
            size += len(para)
            k += 1
        lines.append(self.paragraph(REPORT_END, 1, 2))
        lines.extend(self._tail())
        return "\n".join(lines)

    def _news(self, target: int) -> str:
        lines: list[str] = []
        size = 0
        while size < target:
            title = self.fill(self.rng.choice(NEWS_TITLES))
            body = [title, *self._head("")[1:]]
            for _ in range(self.rng.randint(3, 7)):
                body.append(self.paragraph(NEWS_BODY, 2, 5))
            body.append(self.fill("（{本级}{部门} {人名}）") if self.rng.random() < 0.5 else
                        self.fill("来源：{本级}融媒体中心　编辑：{人名}　审核：{人名}"))
            text = "\n".join(body)
            lines.append(text)
            size += len(text)
        return "\n\n".join(lines)

    def _publicity(self, target: int) -> str:
        r = self.rng
        title = self.fill(r.choice((
            "关于{年}年度{本级}优秀共产党员拟表彰对象的公示", "{单位}{年}年公开招聘工作人员拟聘用人员名单公示",
            "关于{年}年度{领域}先进集体和先进个人拟推荐对象的公示", "{本级}{年}年城乡低保新增对象公示",
        )))
        lines = self._head(title)
        lines.append(self.fill("根据{年}年度评选工作安排，经个人申报、单位推荐、资格审查和综合考评，现将拟"
                               + r.choice(("表彰", "聘用", "推荐", "纳入保障"))
                               + "人员名单予以公示，公示期为{月日}至{月日}（5个工作日）。"))
        lines.append("序号　姓名　性别　出生年月　工作单位及职务")
        size = sum(map(len, lines))
        n = 1
        while size < target - 300:
            born = self._rand_date(r.randint(1965, 2001))
            row = f"{n}　{self.person()}　{r.choice('男女')}　{born.year}.{born.month:02d}　" + \
                self.fill("{单位}" + r.choice(("科员", "副科长", "科长", "工作人员", "{镇}{村}村民")))
            if self.problem_rate and r.random() < self.problem_rate * 0.04:  # the classic leak
                row += "　" + (self.id_number() if r.random() < 0.6 else self.mobile())
            lines.append(row)
            size += len(row)
            n += 1
            if n % 40 == 0:
                lines.append(self.paragraph(NOTICE_BODY, 1, 3))
        lines.append(self.fill("公示期间，任何单位和个人均可通过来电、来信、来访等方式反映情况。反映问题要实事求是，"
                               "以真实姓名反映。受理单位：{单位}，联系电话：{电话}，地址：{地址}，邮编：{邮编}。"))
        lines.extend(self._tail())
        return "\n".join(lines)

    def _qa(self, target: int) -> str:
        r = self.rng
        title = self.fill("《{本级}{领域}实施办法》政策解读")
        lines = self._head(title)
        size = 0
        k = 0
        while size < target:
            q = f"{_CN_NUM[k % len(_CN_NUM)]}、" + self.fill(r.choice(QA_QUESTIONS))
            a = self.paragraph(NOTICE_BODY + REPORT_PLAN, 3, 8)
            lines += [q, a]
            size += len(q) + len(a)
            k += 1
        lines.append(self.fill("解读机关：{单位}\n解读人：{人名}\n联系电话：{电话}"))
        return "\n".join(lines)

    def corpus(self, n_chars: int, lo: int = 5_000, hi: int = 20_000) -> list[str]:
        """Articles of ``lo``–``hi`` characters until ``n_chars`` characters are written."""
        articles: list[str] = []
        total = 0
        while total < n_chars:
            target = self.rng.randint(lo, hi)
            art = self.article(target)
            if len(art) > hi * 1.15:
                art = art[: int(hi * 1.15)]
            articles.append(art)
            total += len(art)
        return articles


_CN_NUM = "一二三四五六七八九十"

NOTICE_INTRO = (
    "为深入贯彻落实党中央、国务院和省委、省政府关于{领域}的决策部署，{动词}{领域}工作，{动词}{目标}，"
    "经{本级}人民政府同意，",
    "为认真落实《{法规}》有关要求，进一步{动词}{领域}{机制}，切实保障{目标}，",
    "根据《{法规}》《{法规}》等法律法规规定，结合我{级}实际，",
    "{上年}年以来，全{级}上下认真贯彻落实上级关于{领域}的工作部署，取得了阶段性成效，但仍存在{问题}等问题。",
    "以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大和二十届二中、三中全会精神，"
    "完整、准确、全面贯彻新发展理念，",
    "坚持以人民为中心的发展思想，坚持稳中求进工作总基调，统筹发展和安全，",
)
NOTICE_BODY = (
    "各县（市、区）、各有关部门要高度重视，成立由主要负责同志任组长的工作领导小组，明确责任分工，细化工作措施。",
    "要坚持问题导向、目标导向和结果导向，{动词}{领域}{机制}，确保各项任务落地见效。",
    "到{下年}年底，{领域}{机制}基本建立，{比率}达到{百分比}以上。",
    "请各单位于{月日}前将{领域}工作开展情况报送至{部门}，电子版发送至{邮箱}。",
    "对工作推进不力、问题整改不到位的单位，将予以通报批评，并按规定追究相关人员责任。",
    "要充分利用报纸、广播、电视、政府网站和“两微一端”等媒体，广泛宣传{领域}的政策措施和典型经验，营造良好社会氛围。",
    "各地要结合实际制定具体实施方案，于{月日}前报{本级}{领域}工作领导小组办公室备案。",
    "{部门}负责牵头抓总，{部门}、{部门}、{部门}等部门按照职责分工，密切配合，形成工作合力。",
    "要严格落实属地管理责任、部门监管责任和企业主体责任，层层压实责任，确保责任落实到岗、到人。",
    "对排查发现的问题隐患，要建立问题清单、责任清单和整改清单，实行销号管理，做到整改一个、销号一个。",
    "要加强对{领域}工作的督促检查，采取“四不两直”、明察暗访等方式，每季度至少开展一次{行动}。",
    "{本级}财政要将{领域}工作经费纳入年度预算，统筹安排资金{金额}，保障工作顺利开展。",
    "要加强业务培训，全年组织培训不少于{数小}次，不断提高干部队伍的专业能力和服务水平。",
    "要依托{领域}信息系统，推进数据互联互通和共享应用，提升精细化、智能化管理水平。",
    "各责任单位要严格执行信息报送制度，每月{数小}日前报送上月工作进展，重大情况随时报告。",
    "要畅通12345政务服务便民热线等投诉举报渠道，及时回应群众关切，依法依规处理群众反映的问题。",
    "本方案自印发之日起施行，有效期{数小}年。此前有关规定与本方案不一致的，以本方案为准。",
    "要坚持“管行业必须管安全、管业务必须管安全、管生产经营必须管安全”，健全全员安全生产责任制。",
    "对群众反映强烈的突出问题，要开展{行动}，做到发现一起、查处一起、曝光一起。",
    "各地要在{月日}前完成摸底排查，建立工作台账，{月日}前完成集中整治，{月日}前完成验收销号。",
    "申报材料包括申请表、营业执照复印件、项目可行性研究报告等，一式三份，并附电子文档。",
    "符合条件的企业可通过{本级}政务服务网（{网址}）在线申报，也可到{本级}政务服务中心{数小}号窗口现场办理。",
    "对首次申报的企业，给予一次性奖励{金额}；对年度考核优秀的单位，在资金安排上予以倾斜。",
    "严禁以任何形式向企业摊派费用，严禁违规设置前置条件，切实减轻企业负担。",
    "要强化数据安全和个人信息保护，严格落实《{法规}》相关规定，防止信息泄露。",
    "要加强GDP、CPI等主要经济指标的监测分析，及时研判经济运行中的苗头性、倾向性问题。",
    "全面推行“一窗受理、集成服务”，政务服务事项办理时限平均压缩{百分比}，实现“最多跑一次”。",
)
NOTICE_END = (
    "各地各部门要切实提高政治站位，以钉钉子精神抓好各项任务落实，确保{领域}工作取得实效。",
    "执行中遇到的问题，请及时向{部门}反馈。",
    "{本级}将把{领域}工作纳入年度综合考核，考核结果作为干部评先评优的重要依据。",
)
REPORT_INTRO = (
    "{年}年，在{市}委、{市}政府的坚强领导下，我们坚持以习近平新时代中国特色社会主义思想为指导，"
    "全面贯彻落实党的二十大精神，{动词}{领域}，{动词}{目标}，各项工作取得明显成效。",
    "现将{年}年工作情况和{下年}年工作安排报告如下，请予审议。",
    "过去一年，面对复杂严峻的外部环境和艰巨繁重的改革发展稳定任务，全{级}上下团结一心、攻坚克难，经济社会保持平稳健康发展。",
)
REPORT_STATS = (
    "全年实现{指标}{金额}，{增长}。",
    "{比率}达到{百分比}，比上年提高{小数}个百分点。",
    "新增市场主体{数}户，其中企业{数}户，{增长}。",
    "全年共受理{领域}类事项{数}件，办结率{高比率}，群众满意率{高比率}。",
    "开展{行动}{数}次，排查整治各类隐患{数}处，立案查处违法案件{数}起，罚没款{金额}。",
    "累计争取上级资金{金额}，实施{领域}项目{数}个，完成投资{金额}。",
    "{项目}建成投用，{项目}顺利开工，{项目}完成年度投资计划的{百分比}。",
    "城镇新增就业{数}人，城镇调查失业率控制在{百分比}以内。",
    "新建改建农村公路{数}公里，改造提升农村户厕{数}户，完成植树造林{数}亩。",
    "全年接待游客{数}万人次，实现旅游综合收入{金额}，{增长}。",
    "新增5G基站{数}个，重点场所5G网络覆盖率达到{高比率}。",
    "{领域}工作获评全省先进，{数小}个案例入选全省典型经验。",
    "全年发放各类救助资金{金额}，惠及困难群众{数}人次。",
    "办理人大代表建议{数}件、政协委员提案{数}件，办复率100%，满意率{高比率}。",
    "政府网站发布信息{数}条，依申请公开办理{数}件，均在法定期限内答复。",
    "PM2.5平均浓度为{数小}微克/立方米，空气质量优良天数比例为{高比率}，国考断面水质优良率保持100%。",
    "组织开展应急演练{数}场次，参演人员{数}人次，全年未发生较大及以上生产安全事故。",
    "“互联网+政务服务”深入推进，{数}项政务服务事项实现“一网通办”，{数}项实现“跨省通办”。",
    "新认定高新技术企业{数}家，全社会研发经费投入{金额}，研发投入强度达到{小数}%。",
)
REPORT_PLAN = (
    "围绕{目标}，{动词}{机制}，{动词}{领域}，力争{指标}{增长}。",
    "坚持项目为王，全年计划实施重点项目{数}个，完成投资{金额}以上。",
    "持续{动词}{领域}，着力解决{问题}等突出问题，不断增强群众获得感。",
    "深入开展{行动}，{动词}{机制}，坚决守住不发生系统性风险的底线。",
    "加快推进{项目}等重点工程建设，确保按期建成投用。",
    "统筹抓好{领域}和{领域}，推动各项工作全面进步、整体提升。",
    "大力弘扬“马上就办、真抓实干”的工作作风，以实干实绩推动{领域}工作落地见效。",
    "严格落实中央八项规定及其实施细则精神，坚决反对形式主义、官僚主义，切实为基层减负。",
)
REPORT_END = (
    "新征程上，我们将更加紧密地团结在以习近平同志为核心的党中央周围，奋发有为、真抓实干，为{目标}作出新的更大贡献！",
    "以上报告，请予审议。",
)
NEWS_TITLES = (
    "{本级}召开{领域}{会议}", "{职务}{人名}调研{领域}工作", "{本级}启动{领域}{行动}", "{单位}开展{领域}{行动}",
    "{镇}：{动词}{领域} 助力{目标}", "{本级}{领域}工作取得阶段性成效", "{本级}举办{领域}{会议}",
)
NEWS_BODY = (
    "{日期}，{本级}召开{领域}{会议}，{职务}{人名}出席会议并讲话。",
    "会议传达学习了上级关于{领域}工作的部署要求，通报了{年}年以来全{级}{领域}工作进展情况，研究部署下一阶段重点任务。",
    "{人名}指出，{领域}工作事关{目标}，各级各部门要提高政治站位，切实增强责任感和紧迫感。",
    "{人名}强调，要坚持问题导向、目标导向和结果导向，{动词}{领域}{机制}，确保各项任务落地见效。",
    "会上，{部门}、{部门}等{数小}个单位作了交流发言。",
    "会议要求，各地各部门要对照{年}年度目标任务，倒排工期、挂图作战，全力以赴完成全年目标。",
    "{月日}上午，{职务}{人名}带队深入{镇}、{镇}等地，调研督导{领域}工作。",
    "在{项目}施工现场，{人名}详细了解项目建设进度、安全管理和要素保障等情况，要求施工单位在确保安全和质量的前提下加快推进。",
    "调研中，{人名}先后来到{企业}、{镇}{村}等地，与企业负责人、基层干部和群众代表亲切交流，听取意见建议。",
    "{本级}领导{人名}、{人名}参加活动。",
    "据悉，今年以来，{本级}累计投入资金{金额}，实施{领域}项目{数}个，惠及群众{数}余人。",
    "截至{月日}，已完成{领域}项目{数}个，完成年度计划的{百分比}。",
    "活动现场共发放宣传资料{数}余份，接受群众咨询{数}余人次。",
    "下一步，{部门}将继续{动词}{领域}工作，{动词}{机制}，为{目标}提供有力保障。",
    "近日，{单位}组织开展{领域}{行动}，共出动执法人员{数}人次，检查经营主体{数}家，发现并督促整改问题{数}个。",
    "此次培训采取专题授课、案例分析和现场教学相结合的方式，全{级}{数}名业务骨干参加培训。",
    "“以前办事要跑好几个部门，现在在家门口就能办好。”{镇}{村}村民{人名}高兴地说。",
    "为切实做好{领域}工作，{镇}组织网格员逐户走访，发放《致广大居民的一封信》{数}余份。",
    "当天，{本级}{领域}工作领导小组办公室还对{数小}个先进集体和{数}名先进个人进行了通报表扬。",
    "{企业}是{本级}重点招商引资项目，总投资{金额}，达产后预计年产值{金额}，可带动就业{数}人。",
    "与会人员实地观摩了{镇}{村}、{企业}等{数小}个点位，现场学习借鉴先进经验做法。",
    "会议以视频形式开到乡镇（街道），各县（市、区）设分会场。",
    "据了解，该APP上线以来，累计注册用户{数}万人，办理业务{数}万件。",
)
QA_QUESTIONS = (
    "出台《办法》的背景是什么？", "《办法》适用于哪些对象？", "申请需要满足哪些条件？", "申报流程是怎样的？",
    "补助标准是多少？", "《办法》的主要内容有哪些？", "如何加强监督管理？", "群众如何咨询和反映问题？",
    "与原有政策相比有哪些变化？", "{领域}方面有哪些新举措？",
)


if __name__ == "__main__":
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    for art in GovTextGenerator(seed=int(sys.argv[2]) if len(sys.argv) > 2 else 1).corpus(size):
        print(art, end="\n\n")
