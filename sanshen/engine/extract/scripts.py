"""Inline scripts that hacked pages use to write links or redirect, with their payload decoded.

Ordinary scripts (analytics, menus) are not reported: a script counts only when it writes markup
with a link or an iframe, decodes a hidden payload (``atob``, ``String.fromCharCode``,
``unescape``) that holds markup, a URL or Chinese text, or sends the visitor to an absolute URL.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

MAX_SCRIPT_CHARS = 256 * 1024
MAX_PAYLOAD_CHARS = 20000
MAX_DECODE_ROUNDS = 3
MAX_URLS = 200

# The closing quote is optional so that every attempt succeeds and the scan never restarts inside
# an unterminated literal (which would make hostile scripts quadratic); unterminated ones are dropped.
_STRING = re.compile(
    r'"((?:[^"\\\n]|\\.)*)("?)'
    r"|'((?:[^'\\\n]|\\.)*)('?)"
    r"|`((?:[^`\\]|\\.)*)(`?)",
    re.S,
)
_JS_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}

_ATOB = re.compile(r"atob\s*\(\s*([\"'])([A-Za-z0-9+/=_\-\s\\]{8,})\1\s*\)")
_CHAR_CODES = re.compile(
    r"fromCharCode\s*\(\s*((?:0x[0-9a-fA-F]+|\d+)(?:\s*,\s*(?:0x[0-9a-fA-F]+|\d+)){3,})\s*\)"
)
_UNESCAPE = re.compile(r"(?:unescape|decodeURIComponent|decodeURI)\s*\(\s*([\"'])([^\"'\n]{3,})\1\s*\)")
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")

_WRITE = re.compile(r"document\s*\.\s*write(?:ln)?\s*\(")
_MARKUP_LINK = re.compile(
    r"<a\b[^<>]{0,500}?href|<iframe\b|<frame\b|<meta\b[^<>]{0,500}?refresh", re.I
)
_IFRAME = re.compile(r"<iframe\b|createElement\s*\(\s*[\"']iframe", re.I)
_LOCATION = re.compile(
    r"\blocation(?:\s*\.\s*href)?\s*=(?!=)|\blocation\s*\.\s*(?:replace|assign)\s*\(|\bnavigate\s*\(", re.I
)
_HREF_ATTR = re.compile(r"""(?:href|src)\s*=\s*\\?["']?([^"'\s>\\]{1,2000})""", re.I)
_ABSOLUTE_URL = re.compile(r"(?:https?:)?//[A-Za-z0-9\-._~]+(?:[/?#][^\s\"'<>()\\]{0,2000})?", re.I)
_ENCODED_MARKUP = re.compile(r"%3[cCeE]|%22|%u[0-9a-fA-F]{4}")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACES = re.compile(r"\s+")


@dataclass
class ScriptFinding:
    reason: str
    text: str
    hrefs: list[str] = field(default_factory=list)


def _unescape_js(literal: str) -> str:
    if "\\" not in literal:
        return literal

    def repl(m: re.Match) -> str:
        esc = m.group(1)
        if esc[0] == "x" and len(esc) == 3:
            return chr(int(esc[1:], 16))
        if esc[0] == "u" and len(esc) > 1:
            code = int(esc.strip("u{}"), 16)
            return chr(code) if code < 0x110000 else ""
        if esc == "\n":
            return ""
        return _SIMPLE_ESCAPES.get(esc, esc)

    return _JS_ESCAPE.sub(repl, literal)


def string_literals(code: str) -> list[str]:
    found = []
    for m in _STRING.finditer(code):
        for body, close in ((1, 2), (3, 4), (5, 6)):
            if m.group(close):
                found.append(_unescape_js(m.group(body)))
    return found


def _bytes_to_text(raw: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _b64(text: str) -> str | None:
    data = re.sub(r"[\s\\]", "", text).replace("-", "+").replace("_", "/")
    data += "=" * (-len(data) % 4)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    decoded = _bytes_to_text(raw)
    # atob returns bytes as chars; pages then often run it through escape/decodeURIComponent.
    if "%" in decoded:
        decoded = _percent_decode(decoded)
    return decoded


def _percent_decode(text: str) -> str:
    text = _PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), text)
    return unquote(text, errors="replace")


def _char_codes(numbers: str) -> str:
    out = []
    for token in numbers.split(","):
        token = token.strip()
        try:
            code = int(token, 16) if token.lower().startswith("0x") else int(token)
        except ValueError:
            continue
        if 0 <= code < 0x110000:
            out.append(chr(code))
    return "".join(out)


def _meaningful(decoded: str) -> bool:
    """Decoded text worth reporting: markup, a URL, a redirect or Chinese words."""
    low = decoded.lower()
    return "<" in decoded or "http" in low or "location" in low or "document." in low or bool(_CJK.search(decoded))


def _decode_layers(code: str) -> tuple[list[str], set[str]]:
    """Payloads hidden by atob/fromCharCode/unescape, peeled up to a few layers deep.

    Every decoded layer is peeled further, but only layers that say something are reported.
    """
    decoded: list[str] = []
    methods: set[str] = set()
    layer = [code]
    total = 0
    for _ in range(MAX_DECODE_ROUNDS):
        found: list[tuple[str, str]] = []
        for text in layer:
            found += [("eval-atob", _b64(m.group(2)) or "") for m in _ATOB.finditer(text)]
            found += [("fromCharCode", _char_codes(m.group(1))) for m in _CHAR_CODES.finditer(text)]
            found += [
                ("unescape", _percent_decode(_unescape_js(m.group(2))))
                for m in _UNESCAPE.finditer(text)
                if "%" in m.group(2)
            ]
        layer = [plain for _, plain in found if plain]
        for method, plain in found:
            if plain and _meaningful(plain):
                decoded.append(plain)
                methods.add(method)
        total += sum(len(t) for t in layer)
        if not layer or total > MAX_PAYLOAD_CHARS * 4:
            break
    return decoded, methods


def find_urls(text: str) -> list[str]:
    """URLs in markup attributes and absolute URLs, in order of appearance, without repeats."""
    seen: dict[str, None] = {}
    hits = [(m.start(), m.group(1)) for m in _HREF_ATTR.finditer(text)]
    hits += [(m.start(), m.group(0)) for m in _ABSOLUTE_URL.finditer(text)]
    for _, url in sorted(hits):
        url = url.strip().rstrip(";,")
        if url and not url.lower().startswith(("javascript:", "#")):
            seen.setdefault(url, None)
            if len(seen) >= MAX_URLS:
                break
    return list(seen)


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()[:MAX_PAYLOAD_CHARS]


def analyse_script(code: str) -> ScriptFinding | None:
    """The suspicious part of one inline script, or None for an ordinary script."""
    code = code[:MAX_SCRIPT_CHARS]
    if not code.strip():
        return None
    decoded, methods = _decode_layers(code)
    literals = string_literals(code)
    for text in decoded:
        literals += string_literals(text)
    joined_literals = "".join(literals)
    everything = "\n".join([code, joined_literals, *decoded])

    writes = bool(_WRITE.search(everything)) and bool(_MARKUP_LINK.search(everything))
    iframe = bool(_IFRAME.search(everything))
    # Percent-encoded literals are searched decoded, or their URLs come out with %22%3E tails.
    url_text = [_percent_decode(lit) if _ENCODED_MARKUP.search(lit) else lit for lit in literals]
    urls = find_urls("\n".join([*decoded, *url_text]))
    absolute = [u for u in urls if u.lower().startswith(("http:", "https:", "//"))]
    redirects = bool(_LOCATION.search(everything)) and bool(absolute)

    if "eval-atob" in methods:
        reason = "eval-atob"
    elif "fromCharCode" in methods:
        reason = "fromCharCode"
    elif writes:
        reason = "document.write"
    elif iframe:
        reason = "iframe"
    elif redirects:
        reason = "location"
    elif "unescape" in methods and _MARKUP_LINK.search("\n".join(decoded)):
        reason = "document.write"
    else:
        return None

    if decoded:
        text = " ".join(decoded)
    elif reason == "location":
        text = " ".join(absolute)
    else:
        text = joined_literals or code
    return ScriptFinding(reason, _collapse(text), urls)
