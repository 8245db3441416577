"""Rule packs: lexicon data files (YAML or TSV) shipped in ``data/packs`` or given by the user.

A YAML pack::

    name: sensitive-cult              # unique; rule ids are "<name>:<entry id>"
    description: 邪教组织名称
    defaults:                         # applied to every entry that does not say otherwise
      category: sensitive             # one of findings.CATEGORIES
      severity: veto                  # veto | high | medium | low
      tag: 邪教
      message: 邪教组织名称
      window: 12                      # characters of context looked at by *_near lists
    entries:
      - 全能神                         # a bare string is one word with the defaults
      - words: [法轮功, 法轮大法]        # forms that are matched (after normalisation)
        id: falungong                  # optional; defaults to the first word
        suggestion: null               # the fix to offer; for wrong→right pairs the right form
        unless_near: [打击, 取缔]        # not reported when one of these is in the window
        only_near: []                  # reported only when one of these is in the window
        confidence: 0.95
    whitelist:                        # a longer allowed word beats a blocked word inside it
      - 路口交通

A TSV pack (``*.tsv``, UTF-8) has a header line naming its columns, of which ``word`` is
required and ``category severity message suggestion tag id`` are optional; a file name like
``spam-extra.tsv`` gives the pack name. Lines starting with ``#`` are comments; a row with
category ``whitelist`` adds a whitelist word.

Users add packs with a directory (``--rules DIR``): every ``*.yaml``/``*.yml``/``*.tsv`` in
it is loaded after the built-in ones; a user pack with the same ``name`` replaces the
built-in pack. Families with data files of their own (leaders, link blocklists) look for
them in the same directories, in a sub-directory named after the data (``leaders/``…).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path

import yaml

from .findings import CATEGORIES, SEVERITY_RANK
from .normalize import HARD_PUNCT, fold

BUILTIN_DATA = Path(__file__).with_name("data")
BUILTIN_PACKS = BUILTIN_DATA / "packs"

_ENTRY_KEYS = {
    "words", "word", "id", "category", "severity", "message", "suggestion", "tag",
    "unless_near", "only_near", "window", "confidence",
}


class PackError(ValueError):
    """A rule pack or data file that cannot be used; the message names the file and entry."""


@dataclass(slots=True)
class Entry:
    pack: str
    id: str
    words: tuple[str, ...]
    category: str
    severity: str
    message: str
    suggestion: str | None = None
    tag: str | None = None
    unless_near: tuple[str, ...] = ()
    only_near: tuple[str, ...] = ()
    window: int = 12
    confidence: float = 0.9

    @property
    def rule(self) -> str:
        return self.rule_for(self.words[0])

    def rule_for(self, word: str) -> str:
        """The rule id of a hit: the entry's id, or for an entry without one, the word."""
        return f"{self.pack}:{self.id or word}"


@dataclass(slots=True)
class Pack:
    name: str
    path: Path
    description: str = ""
    entries: list[Entry] = field(default_factory=list)
    whitelist: list[str] = field(default_factory=list)


def _as_words(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise PackError(f"{where}: 'words' must be a word or a non-empty list of words")
    words = tuple(str(w).strip() for w in value if str(w).strip())
    if not words:
        raise PackError(f"{where}: 'words' holds only empty strings")
    for word in words:
        # Matching skips punctuation, so 中国、台湾 would also match the correct 中国台湾.
        if any(ch in HARD_PUNCT for ch in word):
            raise PackError(f"{where}: word {word!r} contains sentence punctuation, which matching ignores")
    return words


def _as_context(value, key: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise PackError(f"{where}: '{key}' must be a list of words")
    # YAML reads 110 or 12345 as numbers; context words are always text. They are compared
    # with the folded view of the text, so they are folded too (陸續 → 六续, BET → bet).
    return tuple(fold(str(w)) for w in value if str(w).strip())


def _make_entry(pack: str, raw, defaults: dict, where: str) -> Entry:
    if isinstance(raw, str):
        raw = {"words": [raw]}
    if not isinstance(raw, dict):
        raise PackError(f"{where}: an entry must be a word or a mapping")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise PackError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    merged = {**defaults, **raw}
    words = _as_words(merged.get("words", merged.get("word")), where)
    category = merged.get("category")
    if category not in CATEGORIES:
        raise PackError(f"{where}: category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    severity = merged.get("severity", "medium")
    if severity not in SEVERITY_RANK:
        raise PackError(f"{where}: severity must be veto, high, medium or low, not {severity!r}")
    message = merged.get("message") or f"命中词表“{pack}”"
    try:
        window = int(merged.get("window", 12))
        confidence = float(merged.get("confidence", 0.9))
    except (TypeError, ValueError) as exc:
        raise PackError(f"{where}: window/confidence must be numbers") from exc
    if not 0.0 <= confidence <= 1.0:
        raise PackError(f"{where}: confidence must be between 0 and 1")
    return Entry(
        pack=pack,
        id=str(merged.get("id") or words[0]),
        words=words,
        category=category,
        severity=severity,
        message=str(message),
        suggestion=merged.get("suggestion"),
        tag=merged.get("tag"),
        unless_near=_as_context(merged.get("unless_near"), "unless_near", where),
        only_near=_as_context(merged.get("only_near"), "only_near", where),
        window=window,
        confidence=confidence,
    )


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_mapping(path: Path, what: str) -> dict:
    """A YAML data file that must hold a mapping (an empty file is an empty mapping)."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PackError(f"{path}: cannot read {what}: {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise PackError(f"{path}: {what} must be a mapping")
    return raw


def load_yaml_pack(path: Path) -> Pack:
    raw = read_yaml_mapping(path, "rule pack")
    if not raw:
        raise PackError(f"{path}: a rule pack must be a mapping with 'name' and 'entries'")
    name = str(raw.get("name") or path.stem)
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise PackError(f"{path}: 'defaults' must be a mapping")
    pack = Pack(name, path, str(raw.get("description") or ""))
    for i, item in enumerate(raw.get("entries") or [], 1):
        pack.entries.append(_make_entry(name, item, defaults, f"{path}: entry {i}"))
    whitelist = raw.get("whitelist") or []
    if not isinstance(whitelist, list):
        raise PackError(f"{path}: 'whitelist' must be a list of words")
    pack.whitelist = [str(w).strip() for w in whitelist if str(w).strip()]
    return pack


def load_tsv_pack(path: Path) -> Pack:
    pack = Pack(path.stem, path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t")
            header: list[str] = []
            for row in reader:  # the first row that is neither blank nor a comment
                if row and row[0].strip() and not row[0].startswith("#"):
                    header = [h.strip() for h in row]
                    break
            if "word" not in header:
                raise PackError(f"{path}: the first line must name the columns and include 'word'")
            word_col = header.index("word")
            id_col = header.index("id") if "id" in header else None
            width = len(header)
            # Large lexicons repeat the same category/severity/message on every row: rows are
            # grouped by their other cells, and each group is validated once.
            other = [i for i in range(width) if i not in (word_col, id_col)]
            group_of = itemgetter(*other) if other else (lambda row: None)
            templates: dict[object, Entry | None] = {}
            group_words: dict[object, list[str]] = {}
            for row in reader:
                if not row or row[0].startswith("#"):
                    continue
                if len(row) < width:
                    row += [""] * (width - len(row))
                word = row[word_col].strip()
                if not word:
                    continue
                key = group_of(row)
                if key not in templates:
                    raw = {header[i]: row[i].strip() for i in other if header[i] in _ENTRY_KEYS and row[i].strip()}
                    if raw.get("category") == "whitelist":
                        templates[key] = None
                    else:
                        raw["words"] = [word]
                        where = f"{path}: line {reader.line_num}"
                        templates[key] = _make_entry(pack.name, raw, {"category": "sensitive"}, where)
                template = templates[key]
                if template is None:
                    pack.whitelist.append(word)
                    continue
                entry_id = row[id_col].strip() if id_col is not None else ""
                if entry_id:
                    pack.entries.append(replace(template, id=entry_id, words=(word,)))
                else:
                    group_words.setdefault(key, []).append(word)
            # One entry per group; each word is still its own rule (``Entry.rule_for``).
            for key, words in group_words.items():
                pack.entries.append(replace(templates[key], id="", words=tuple(words)))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PackError(f"{path}: cannot read rule pack: {exc}") from exc
    return pack


def load_pack(path: Path) -> Pack:
    if path.suffix.lower() == ".tsv":
        return load_tsv_pack(path)
    return load_yaml_pack(path)


def _pack_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml", ".tsv"))


@dataclass(slots=True)
class RuleSet:
    """All packs in force plus the directories families search for their own data files."""

    packs: list[Pack]
    data_dirs: list[Path]
    _by_category: dict[str, list[Entry]] = field(default_factory=dict, repr=False)

    @property
    def entries(self) -> list[Entry]:
        return [entry for pack in self.packs for entry in pack.entries]

    def entries_of(self, category: str) -> list[Entry]:
        """Entries of one category (indexed once: large lexicons have tens of thousands)."""
        if not self._by_category:
            for entry in self.entries:
                self._by_category.setdefault(entry.category, []).append(entry)
        return self._by_category.get(category, [])

    @property
    def whitelist(self) -> list[str]:
        return [word for pack in self.packs for word in pack.whitelist]

    def data_files(self, subdir: str, *suffixes: str) -> list[Path]:
        """Files in ``<dir>/<subdir>/`` across built-in and user directories, built-in first."""
        found: list[Path] = []
        for base in self.data_dirs:
            folder = base / subdir
            if folder.is_dir():
                found.extend(sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes))
        return found


def load_rules(extra_dirs: list[str | Path] | tuple = ()) -> RuleSet:
    by_name: dict[str, Pack] = {}
    for path in _pack_files(BUILTIN_PACKS):
        pack = load_pack(path)
        by_name[pack.name] = pack
    data_dirs = [BUILTIN_DATA]
    for extra in extra_dirs:
        directory = Path(extra)
        if not directory.is_dir():
            raise PackError(f"{directory}: rules directory not found")
        for path in _pack_files(directory):
            pack = load_pack(path)
            by_name[pack.name] = pack  # a user pack of the same name replaces the built-in one
        data_dirs.append(directory)
    return RuleSet(list(by_name.values()), data_dirs)
