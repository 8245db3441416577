"""Same-sound and same-shape characters, for the slips of names and fixed formulations.

Sound comes from pypinyin's character table, compared without tones: a pinyin input method
ignores tones, so 杜家豪 for 杜家毫 is one keystroke choice away. Shape comes from a small
hand-made table of characters that are confused when reading or OCR-ing (习/刁, 祥/样, 毫/亳),
limited to characters of leader names and formulations.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_TONES = str.maketrans({
    **dict.fromkeys("āáǎà", "a"), **dict.fromkeys("ēéěèê", "e"), **dict.fromkeys("īíǐì", "i"),
    **dict.fromkeys("ōóǒò", "o"), **dict.fromkeys("ūúǔù", "u"), **dict.fromkeys("üǖǘǚǜ", "v"),
    **dict.fromkeys("ńňǹ", "n"), **dict.fromkeys("ḿ", "m"),
})

# Characters that are grammatical words: a "slip" into or out of one is ordinary prose, never
# a misspelt formulation (中国式现代化 → 中国是现代化…).
FUNCTION_CHARS = frozenset(
    "的地得是在和与及有为之了不一也就都而以于对把被让使向从到给其或若且并很又这那个些所着过吗呢吧啊"
)

_SHAPE_GROUPS = (
    "习刁", "近进迈", "平苹乎半", "强弦", "克免兑", "乐东", "际标陈", "赵赶", "沪泸", "宁守宇", "蔡祭察", "奇骑琦",
    "丁于", "薛薜", "祥样详", "希布稀", "韩朝", "正止", "何河荷", "立产", "峰锋蜂", "张账涨", "国图围固", "清请情青",
    "刘列划", "中申", "洪烘", "隆陵降", "吴昊吕", "政致攻", "谌湛堪", "贻怡饴胎", "琴芩", "王玉主壬", "秦泰奏",
    "刚冈钢则", "尚向", "福副幅富", "魏巍", "凤风夙", "和禾", "孙逊", "才材寸", "薄簿溥", "熙煦熹", "来未米", "周同局",
    "永水泳", "康庚唐", "令今冷", "计汁针", "傅付博", "唐糖", "仁任", "健建键", "杜社柱", "家冢", "毫亳豪", "温湿",
    "宝玉室", "锦绵棉", "涛祷", "泽择译", "民氏名", "栗粟票", "战站", "汪注狂", "洋祥样", "岐歧枝", "胡朝", "春眷",
    "华毕", "鹤鸽", "兰栏", "李季杏", "小少", "人入八大", "共供", "党常觉赏", "产严", "治冶", "项顶", "自白",
    "观现", "维推", "特持", "社杜", "体休", "代伐", "兴光", "义叉", "己已巳", "未末", "戍戌戊",
)


@lru_cache(maxsize=1)
def _shape_pairs() -> frozenset[tuple[str, str]]:
    pairs = set()
    for group in _SHAPE_GROUPS:
        for a in group:
            for b in group:
                if a != b:
                    pairs.add((a, b))
    return frozenset(pairs)


SOUND_TABLE = Path(__file__).resolve().parent.parent / "data" / "leaders" / "sounds.tsv"


def _pypinyin_table() -> dict[int, str]:
    # Only needed to (re)build SOUND_TABLE; importing pypinyin loads ~3 MB of dictionaries.
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


def _gb2312(level: int) -> list[str]:
    rows = range(0xB0, 0xD8) if level == 1 else range(0xD8, 0xF8)
    out = []
    for hi in rows:
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


def build_sound_table(extra: str = "") -> str:
    """The text of SOUND_TABLE.

    One line per toneless reading: the GB 2312 level-1 characters whose first (usual) reading
    it is, the other characters whose usual reading it is, and the characters that have it as a
    rarer reading (大 dài/tài). Covers GB 2312 plus ``extra`` (leader names outside it, 镕).
    """
    table = _pypinyin_table()
    level1 = set(_gb2312(1))
    chars = dict.fromkeys([*_gb2312(1), *_gb2312(2), *(c for c in extra if "\u3400" <= c <= "\u9fff")])
    groups: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for ch in chars:
        raw = table.get(ord(ch))
        if not raw:
            continue
        readings = list(dict.fromkeys(p.translate(_TONES) for p in raw.split(",")))
        for k, reading in enumerate(readings):
            common, other, rare = groups.setdefault(reading, ([], [], []))
            (rare if k else common if ch in level1 else other).append(ch)
    lines = [
        "# Same-sound table for the expression family (misspelt leader names, formulation slips).",
        "# toneless pinyin <TAB> level-1 chars (usual reading) <TAB> other chars (usual) <TAB> chars (rare reading)",
        "# Generated from pypinyin's character table (MIT) by phonetics.write_sound_table(); do not edit.",
    ]
    for reading in sorted(groups):
        common, other, rare = groups[reading]
        lines.append(f"{reading}\t{''.join(common)}\t{''.join(other)}\t{''.join(rare)}")
    return "\n".join(lines) + "\n"


def write_sound_table() -> None:
    """Rebuild SOUND_TABLE (after a pypinyin upgrade or new leader names outside GB 2312)."""
    import yaml

    names = []
    for path in sorted(SOUND_TABLE.parent.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names.extend(str(p.get("name", "")) for p in raw.get("persons") or ())
    SOUND_TABLE.write_text(build_sound_table("".join(names) + "朱镕基"), encoding="utf-8")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, frozenset[str]], dict[str, str], dict[str, tuple[str, ...]]]:
    """(character → all readings, character → usual reading, reading → common characters)."""
    readings: dict[str, set[str]] = {}
    usual: dict[str, str] = {}
    common: dict[str, tuple[str, ...]] = {}
    for line in SOUND_TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        reading, level1, other, rare = [*line.split("\t"), "", "", ""][:4]
        common[reading] = tuple(level1)
        for ch in level1 + other:
            usual[ch] = reading
        for ch in level1 + other + rare:
            readings.setdefault(ch, set()).add(reading)
    return {ch: frozenset(r) for ch, r in readings.items()}, usual, common


def sounds(ch: str) -> frozenset[str]:
    """The toneless readings of a character (empty for characters outside the table)."""
    return _tables()[0].get(ch, frozenset())


def same_sound(a: str, b: str) -> bool:
    """Whether two characters share a reading (any, also a rare one: names are checked in place)."""
    return bool(sounds(a) & sounds(b))


def same_shape(a: str, b: str) -> bool:
    return (a, b) in _shape_pairs()


def homophones(ch: str) -> list[str]:
    """Common characters (GB 2312 level 1) whose usual reading is that of ``ch``, ``ch`` excluded.

    Only usual readings: rare ones (大 tài) would turn 粤港澳大湾区 into the ordinary 粤港澳台湾区.
    """
    _, usual, common = _tables()
    reading = usual.get(ch)
    return [other for other in common.get(reading, ()) if other != ch] if reading else []
