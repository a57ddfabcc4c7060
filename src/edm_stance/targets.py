"""Stance targets (Russia, the West, NGOs, and any a user defines) and mention detection.

Targets are data: a YAML file maps each target name to its aliases, regular expressions and
exclusions (see ``data/targets.yaml``, shipped with the package). Users add targets in a file
of the same shape; their definitions extend the defaults and replace any of the same name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from .errors import TargetsFileError, UnknownTargetError

__all__ = ["DEFAULT_TARGETS_FILE", "RESERVED_NAMES", "Mention", "Target", "Targets", "load_targets"]

DEFAULT_TARGETS_FILE = "targets.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KEYS = {"label", "description", "aliases", "patterns", "exclude"}
RESERVED_NAMES = frozenset({"all"})


@dataclass(frozen=True)
class Mention:
    """A reference to a target: ``text`` spans ``start:end`` of the searched text (plus offset)."""

    target: str
    start: int
    end: int
    text: str


def _literal(alias: str) -> str:
    """Regex for a whole-word alias; a lowercase first letter also matches capitalised."""
    body = re.escape(alias)
    if alias[:1].islower():
        body = f"[{alias[0]}{alias[0].upper()}]" + re.escape(alias[1:])
    left = r"(?<![\w.])" if alias[:1].isalnum() else ""
    right = r"(?![\w])" if alias[-1:].isalnum() or alias.endswith(".") else ""
    if alias.endswith("."):
        right = r"(?![\w]|\.\w)"
    return left + body + right


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``text[start:end]`` to leave out leading and trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True)
class Target:
    """One stance target and the words that refer to it."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    description: str = ""

    @functools.cached_property
    def _regex(self) -> re.Pattern:
        literals = [_literal(a) for a in sorted(self.aliases, key=len, reverse=True)]
        return re.compile("|".join(literals + [f"(?:{p})" for p in self.patterns]))

    @functools.cached_property
    def _exclude_regex(self) -> re.Pattern | None:
        parts = [e[3:] if e.startswith("re:") else _literal(e) for e in self.exclude]
        return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

    def find(self, text: str, offset: int = 0) -> list[Mention]:
        """Return the target's mentions in ``text``, offsets shifted by ``offset``."""
        excluded = [m.span() for m in self._exclude_regex.finditer(text)] if self._exclude_regex else []
        mentions = []
        for match in self._regex.finditer(text):
            start, end = _trimmed(text, *match.span())  # an alias or pattern may take in spaces around the name
            if start == end or any(lo <= start and end <= hi for lo, hi in excluded):
                continue
            mentions.append(Mention(self.name, offset + start, offset + end, text[start:end]))
        return mentions


class Targets(Mapping[str, Target]):
    """An ordered, read-only collection of targets, looked up by name."""

    def __init__(self, targets: Iterable[Target]):
        self._targets = {t.name: t for t in targets}

    def __getitem__(self, name: str) -> Target:
        try:
            return self._targets[name]
        except KeyError:
            raise UnknownTargetError(
                f"No target named {name!r}. Available targets: {', '.join(self._targets)}."
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def __repr__(self) -> str:
        return f"Targets({list(self._targets)})"

    def select(self, names: Iterable[str]) -> "Targets":
        """Return the named targets only, in the order given."""
        return Targets(self[name] for name in names)

    def find_mentions(self, text: str, offset: int = 0) -> list[Mention]:
        """Return every target's mentions in ``text``, sorted by position."""
        mentions = [m for target in self._targets.values() for m in target.find(text, offset)]
        return sorted(mentions, key=lambda m: (m.start, m.end, m.target))


def _string_list(value: object, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TargetsFileError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(value)


def _parse_target(name: object, spec: object, source: str) -> Target:
    if not isinstance(name, str) or not _NAME.match(name):
        raise TargetsFileError(f"{source}: target name {name!r} must be lowercase letters, digits and '_'")
    if name in RESERVED_NAMES:
        raise TargetsFileError(f"{source}: target name {name!r} is reserved (the pooled row of 'edm-stance evaluate'); "
                               "choose another name")
    where = f"{source}: target {name!r}"
    if not isinstance(spec, dict):
        raise TargetsFileError(f"{where} must be a mapping with 'aliases' (and optionally 'label', 'patterns', 'exclude')")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise TargetsFileError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(_KEYS))}")
    target = Target(
        name=name,
        label=str(spec.get("label") or name),
        aliases=_string_list(spec.get("aliases"), where, "aliases"),
        patterns=_string_list(spec.get("patterns"), where, "patterns"),
        exclude=_string_list(spec.get("exclude"), where, "exclude"),
        description=str(spec.get("description") or ""),
    )
    if not target.aliases and not target.patterns:
        raise TargetsFileError(f"{where} has neither 'aliases' nor 'patterns'")
    for expression in [*target.patterns, *(e[3:] for e in target.exclude if e.startswith("re:"))]:
        try:
            re.compile(expression)
        except re.error as exc:
            raise TargetsFileError(f"{where}: bad regular expression {expression!r} ({exc})") from exc
    return target


def _read_yaml(text: str, source: str) -> list[Target]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TargetsFileError(f"{source}: not valid YAML ({' '.join(str(exc).split())})") from exc
    if not isinstance(data, dict) or not data:
        raise TargetsFileError(f"{source}: must map target names to definitions, e.g. 'china: {{aliases: [China, Beijing]}}'")
    return [_parse_target(name, spec, source) for name, spec in data.items()]


def load_targets(path: str | Path | None = None, *, include_defaults: bool = True) -> Targets:
    """Load the default targets, extended (or overridden by name) by those in ``path``.

    Parameters
    ----------
    path : str or Path, optional
        A user's targets YAML file.
    include_defaults : bool
        Start from the shipped russia/west/ngos definitions.

    Examples
    --------
    >>> targets = load_targets()
    >>> list(targets)
    ['russia', 'west', 'ngos']
    """
    targets: list[Target] = []
    if include_defaults:
        default = resources.files("edm_stance") / "data" / DEFAULT_TARGETS_FILE
        targets = _read_yaml(default.read_text(encoding="utf-8"), DEFAULT_TARGETS_FILE)
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TargetsFileError(f"{path}: no such targets file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TargetsFileError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
        user = _read_yaml(text, str(path))
        names = {t.name for t in user}
        targets = [t for t in targets if t.name not in names] + user
    return Targets(targets)
