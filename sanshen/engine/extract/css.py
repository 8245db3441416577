"""A small CSS reader: enough declarations, simple selectors and cascade to see how a page hides text.

Only properties that can hide text are kept. Selectors with attribute tests, pseudo-classes or
sibling combinators are skipped (they never match), and rules inside @-blocks (@media print…)
are ignored, so the reader errs on the side of "visible".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RELEVANT = frozenset({
    "display", "visibility", "opacity", "font-size", "font", "color", "background", "background-color",
    "position", "left", "top", "right", "text-indent", "margin-left", "margin-top", "transform",
    "width", "height", "max-width", "max-height", "overflow", "overflow-x", "overflow-y", "clip", "clip-path",
    "filter",
})

MAX_STYLE_CHARS = 64 * 1024
MAX_SHEET_CHARS = 2 * 1024 * 1024
MAX_RULES = 20000
MAX_COMPOUNDS = 6
# How far up a descendant selector may look; keeps 10,000-deep pages linear.
MAX_ANCESTOR_SCAN = 32

Decls = dict[str, str]


def parse_declarations(style: str) -> tuple[Decls, Decls]:
    """``(normal, important)`` relevant declarations of a style attribute or rule body."""
    normal: Decls = {}
    important: Decls = {}
    for part in style[:MAX_STYLE_CHARS].split(";"):
        name, sep, value = part.partition(":")
        if not sep:
            continue
        name = name.strip().lower()
        if name not in RELEVANT:
            continue
        value = value.strip().lower()
        target = normal
        if "!" in value:
            head, _, flag = value.rpartition("!")
            if flag.strip() == "important":
                value, target = head.strip(), important
        if value:
            target[name] = value
    return normal, important


@dataclass(slots=True)
class Compound:
    tag: str | None
    ids: tuple[str, ...]
    classes: frozenset[str]

    def matches(self, info: ElementInfo) -> bool:
        if self.tag is not None and self.tag != info.tag:
            return False
        if self.ids and any(i != info.id for i in self.ids):
            return False
        return self.classes <= info.classes


@dataclass(slots=True)
class ElementInfo:
    tag: str
    id: str | None
    classes: frozenset[str]


@dataclass(slots=True)
class Rule:
    compounds: list[Compound]
    child_of: list[bool]  # child_of[i]: compounds[i] and compounds[i+1] are joined by ">"
    specificity: tuple[int, int, int]
    order: int
    normal: Decls
    important: Decls

    def matches(self, info: ElementInfo, ancestors: list[ElementInfo]) -> bool:
        if not self.compounds[-1].matches(info):
            return False
        if len(self.compounds) == 1:
            return True
        failed: set[tuple[int, int]] = set()
        low = max(0, len(ancestors) - MAX_ANCESTOR_SCAN)
        return self._match_up(len(self.compounds) - 2, len(ancestors) - 1, ancestors, low, failed)

    def _match_up(self, ci: int, ai: int, ancestors: list[ElementInfo], low: int, failed: set) -> bool:
        # compounds[ci] must match ancestors[ai] (if child_of) or some ancestor at or above ai.
        if ci < 0:
            return True
        if (ci, ai) in failed:
            return False
        compound = self.compounds[ci]
        candidates = [ai] if self.child_of[ci] else range(ai, low - 1, -1)
        for k in candidates:
            if k < low:
                break
            if compound.matches(ancestors[k]) and self._match_up(ci - 1, k - 1, ancestors, low, failed):
                return True
        failed.add((ci, ai))
        return False


_COMPOUND = re.compile(r"(\*|[a-zA-Z][a-zA-Z0-9-]*)?((?:[#.][^\s#.>+~:\[\]()*,{}]+)*)")
_COMBINATOR_SPLIT = re.compile(r"\s*(>)\s*|\s+")
_UNSUPPORTED = frozenset("+~[:()\\|")


def _parse_selector(text: str) -> tuple[list[Compound], list[bool], tuple[int, int, int]] | None:
    text = text.strip()
    if not text or any(c in _UNSUPPORTED for c in text):
        return None
    tokens = _COMBINATOR_SPLIT.split(text)
    pieces, combinators = tokens[0::2], tokens[1::2]
    if len(pieces) > MAX_COMPOUNDS:
        return None
    compounds: list[Compound] = []
    ids = classes = tags = 0
    for piece in pieces:
        m = _COMPOUND.fullmatch(piece or "")
        if not m or not piece:
            return None
        tag = m.group(1).lower() if m.group(1) and m.group(1) != "*" else None
        simple = re.findall(r"([#.])([^#.]+)", m.group(2) or "")
        id_list = tuple(v for k, v in simple if k == "#")
        class_set = frozenset(v for k, v in simple if k == ".")
        compounds.append(Compound(tag, id_list, class_set))
        ids += len(id_list)
        classes += len(class_set)
        tags += tag is not None
    child_of = [c == ">" for c in combinators]
    return compounds, child_of, (ids, classes, tags)


def _strip_comments(css: str) -> str:
    out: list[str] = []
    pos = 0
    while True:
        start = css.find("/*", pos)
        if start < 0:
            out.append(css[pos:])
            break
        out.append(css[pos:start])
        end = css.find("*/", start + 2)
        if end < 0:
            break
        pos = end + 2
    return " ".join(out)


_BRACES = re.compile(r"[{}]")


def parse_stylesheet(css: str, first_order: int = 0) -> list[Rule]:
    """Rules of a stylesheet that set at least one relevant property; @-blocks are skipped."""
    css = _strip_comments(css[:MAX_SHEET_CHARS])
    rules: list[Rule] = []
    depth = 0
    prelude_start = 0
    block_start = 0
    prelude = ""
    order = first_order
    for m in _BRACES.finditer(css):
        if m.group() == "{":
            if depth == 0:
                # "@import url(x); .a" : the selector is what follows the last statement.
                prelude = css[prelude_start:m.start()].rsplit(";", 1)[-1].strip()
                block_start = m.end()
            depth += 1
            continue
        if depth == 0:
            prelude_start = m.end()
            continue
        depth -= 1
        if depth:
            continue
        prelude_start = m.end()
        if prelude.startswith("@") or not prelude:
            continue
        normal, important = parse_declarations(css[block_start:m.start()])
        if not normal and not important:
            continue
        for selector in prelude.split(","):
            parsed = _parse_selector(selector)
            if parsed is None:
                continue
            compounds, child_of, specificity = parsed
            rules.append(Rule(compounds, child_of, specificity, order, normal, important))
            order += 1
            if len(rules) >= MAX_RULES:
                return rules
    return rules


@dataclass
class StyleSheet:
    """Rules indexed by the rightmost compound, so most elements look at no rule at all."""

    by_id: dict[str, list[Rule]] = field(default_factory=dict)
    by_class: dict[str, list[Rule]] = field(default_factory=dict)
    by_tag: dict[str, list[Rule]] = field(default_factory=dict)
    universal: list[Rule] = field(default_factory=list)

    def add(self, rules: list[Rule]) -> None:
        for rule in rules:
            last = rule.compounds[-1]
            if last.ids:
                self.by_id.setdefault(last.ids[0], []).append(rule)
            elif last.classes:
                self.by_class.setdefault(min(last.classes), []).append(rule)
            elif last.tag:
                self.by_tag.setdefault(last.tag, []).append(rule)
            else:
                self.universal.append(rule)

    def __bool__(self) -> bool:
        return bool(self.by_id or self.by_class or self.by_tag or self.universal)

    def matching(self, info: ElementInfo, ancestors: list[ElementInfo]) -> list[Rule]:
        found: list[Rule] = []
        candidates: list[Rule] = []
        if info.id and info.id in self.by_id:
            candidates += self.by_id[info.id]
        if self.by_class:
            for cls in info.classes:
                candidates += self.by_class.get(cls, ())
        candidates += self.by_tag.get(info.tag, ())
        candidates += self.universal
        for rule in candidates:
            if rule.matches(info, ancestors):
                found.append(rule)
        found.sort(key=lambda r: (r.specificity, r.order))
        return found


# ---- values ---------------------------------------------------------------------------------

_LENGTH = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(px|pt|pc|em|rem|ex|ch|%|in|cm|mm|q|vw|vh|vmin|vmax)?")
_ABSOLUTE_UNITS = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6}


def parse_length(value: str, em: float = 16.0, percent_of: float | None = None) -> float | None:
    """A length in CSS pixels; unitless numbers count as pixels (quirks mode pages)."""
    m = _LENGTH.fullmatch(value.strip())
    if not m:
        return None
    number = float(m.group(1))
    unit = m.group(2)
    if unit is None or unit in _ABSOLUTE_UNITS:
        return number * _ABSOLUTE_UNITS.get(unit or "px", 1.0)
    if unit == "em":
        return number * em
    if unit == "rem":
        return number * 16.0
    if unit in ("ex", "ch"):
        return number * em / 2
    if unit == "%":
        return None if percent_of is None else number * percent_of / 100
    return None  # viewport units: unknown size


def percent(value: str) -> float | None:
    value = value.strip()
    if value.endswith("%"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    return None


_NAMED_COLOURS = {
    "black": (0, 0, 0), "white": (255, 255, 255), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "yellow": (255, 255, 0), "gray": (128, 128, 128), "grey": (128, 128, 128),
    "silver": (192, 192, 192), "maroon": (128, 0, 0), "navy": (0, 0, 128), "purple": (128, 0, 128),
    "teal": (0, 128, 128), "olive": (128, 128, 0), "lime": (0, 255, 0), "aqua": (0, 255, 255),
    "cyan": (0, 255, 255), "fuchsia": (255, 0, 255), "magenta": (255, 0, 255), "orange": (255, 165, 0),
    "pink": (255, 192, 203), "brown": (165, 42, 42), "gold": (255, 215, 0), "whitesmoke": (245, 245, 245),
    "snow": (255, 250, 250), "ivory": (255, 255, 240), "ghostwhite": (248, 248, 255),
    "floralwhite": (255, 250, 240), "linen": (250, 240, 230), "seashell": (255, 245, 238),
    "azure": (240, 255, 255), "aliceblue": (240, 248, 255), "honeydew": (240, 255, 240),
    "mintcream": (245, 255, 250), "lavenderblush": (255, 240, 245), "beige": (245, 245, 220),
    "oldlace": (253, 245, 230), "lightgray": (211, 211, 211), "lightgrey": (211, 211, 211),
    "gainsboro": (220, 220, 220), "darkgray": (169, 169, 169), "darkgrey": (169, 169, 169),
    "dimgray": (105, 105, 105), "dimgrey": (105, 105, 105), "darkred": (139, 0, 0),
    "darkblue": (0, 0, 139), "darkgreen": (0, 100, 0),
}
Colour = tuple[int, int, int, float]
TRANSPARENT: Colour = (0, 0, 0, 0.0)
_HEX = re.compile(r"#?([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})")
_RGB = re.compile(r"rgba?\(([^)]*)\)")


def _channel(text: str) -> float | None:
    text = text.strip()
    try:
        if text.endswith("%"):
            return max(0.0, min(255.0, float(text[:-1]) * 2.55))
        return max(0.0, min(255.0, float(text)))
    except ValueError:
        return None


def _alpha(text: str) -> float | None:
    text = text.strip()
    try:
        if text.endswith("%"):
            return max(0.0, min(1.0, float(text[:-1]) / 100))
        return max(0.0, min(1.0, float(text)))
    except ValueError:
        return None


def parse_color(value: str) -> Colour | None:
    """An RGBA colour, or None when the value is not a colour this reader understands."""
    value = value.strip().lower()
    if not value:
        return None
    if value == "transparent":
        return TRANSPARENT
    named = _NAMED_COLOURS.get(value)
    if named:
        return (*named, 1.0)
    m = _HEX.fullmatch(value)
    if m and (value.startswith("#") or len(m.group(1)) == 6):
        digits = m.group(1)
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        r, g, b = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
        a = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
        return (r, g, b, a)
    m = _RGB.fullmatch(value)
    if m:
        body = m.group(1).replace("/", ",")
        parts = [p for p in re.split(r"[,\s]+", body.strip()) if p]
        if len(parts) not in (3, 4):
            return None
        channels = [_channel(p) for p in parts[:3]]
        a = _alpha(parts[3]) if len(parts) == 4 else 1.0
        if any(c is None for c in channels) or a is None:
            return None
        r, g, b = (round(c) for c in channels)
        return (r, g, b, a)
    return None


IMAGE = "image"
_BG_TOKEN = re.compile(r"[a-z-]+\([^)]*\)|[^\s()]+")


def background_color(decls: Decls) -> Colour | str | None:
    """The background colour set by these declarations, ``IMAGE`` for an image only, None if unset."""
    value = decls.get("background-color")
    if value is not None:
        colour = parse_color(value)
        if colour is not None:
            return colour
    value = decls.get("background")
    if value is None:
        return None
    if value == "none":
        return TRANSPARENT
    value = value[:512]
    for token in _BG_TOKEN.findall(value):
        colour = parse_color(token)
        if colour is not None:
            return colour
    if "url(" in value or "gradient(" in value:
        return IMAGE
    return None


def same_colour(a: Colour, b: Colour) -> bool:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2])) <= 8
