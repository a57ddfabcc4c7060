"""Stance targets (Russia, the West, NGOs, and any a user defines) and mention detection.

Targets are data: a YAML file maps each target name to its aliases, regular expressions and
exclusions (see ``data/targets.yaml``, shipped with the package). Users add targets in a file
of the same shape; their definitions extend the defaults and replace any of the same name.

Six optional keys add rules (:mod:`edm_stance.rules`) to a target that has them: ``roles``
(organisations named by what they are, and later by the role noun alone: "the centre"),
``blockers`` (words that make such a body, or any mention, not the target), ``titles``
(officials named by title, then by name), ``intros`` (phrases that introduce a name: "a survey
by"), ``guards`` (nationality words that only describe private people or non-state bodies) and
``places`` (prepositions before a list of places: "in Rome, Paris and Vienna" names a city, not
the state). A target without them is matched exactly as before.
:func:`edm_stance.presence.find_article_mentions` adds what needs the whole article: names
introduced in one paragraph and repeated in another, role nouns referring back to a named body,
and the spaCy entity step.
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
from .rules import NOT_NAMES, AnaphorRule, GuardRule, NameRule, PlaceRule

__all__ = ["DEFAULT_TARGETS_FILE", "RESERVED_NAMES", "Mention", "Target", "Targets", "load_targets"]

DEFAULT_TARGETS_FILE = "targets.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KEYS = {"label", "description", "aliases", "patterns", "exclude",
         "roles", "blockers", "titles", "intros", "guards", "places"}
RESERVED_NAMES = frozenset({"all"})


@dataclass(frozen=True)
class Mention:
    """A reference to a target: ``text`` spans ``start:end`` of the searched text (plus offset).

    ``rule`` says what made it a mention: ``alias``, ``pattern``, ``role name``, ``apposition: ...``,
    ``role: ...``, ``title: ...``, ``intro: ...``, ``name: ...`` (a name introduced by one of those),
    ``anaphor: ...`` (the role noun of a body named earlier), ``entity: ...`` (spaCy).
    """

    target: str
    start: int
    end: int
    text: str
    rule: str = ""


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
    roles: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    intros: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    @functools.cached_property
    def _regex(self) -> re.Pattern:
        literals = [_literal(a) for a in sorted(self.aliases, key=len, reverse=True)]
        parts = []
        if literals:
            parts.append("(?P<_alias>" + "|".join(literals) + ")")
        if self.patterns:
            parts.append("(?P<_pattern>" + "|".join(f"(?:{p})" for p in self.patterns) + ")")
        return re.compile("|".join(parts))

    @functools.cached_property
    def _exclude_regex(self) -> re.Pattern | None:
        parts = [e[3:] if e.startswith("re:") else _literal(e) for e in self.exclude]
        return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

    @functools.cached_property
    def _names(self) -> NameRule | None:
        if self.roles or self.blockers or self.titles or self.intros:
            return NameRule(self.roles, self.blockers, self.titles, self.intros)
        return None

    @functools.cached_property
    def _guard(self) -> GuardRule | None:
        return GuardRule(self.guards) if self.guards else None

    @functools.cached_property
    def _places(self) -> PlaceRule | None:
        return PlaceRule(self.places) if self.places else None

    @functools.cached_property
    def anaphors(self) -> AnaphorRule | None:
        """The rule for definite references by role noun ("the centre"), for a target with ``roles``."""
        return AnaphorRule(self.roles) if self.roles else None

    def names(self, text: str) -> dict[str, str]:
        """Return the names that ``text`` introduces for the target (by role or title), each with its rule.

        A titled person gives the full name and the surname; a named organisation also gives
        the acronym that follows it ("... Media of Tajikistan (NANSMIT)").
        """
        if self._names is None:
            return {}
        names: dict[str, str] = {}
        excluded = [m.span() for m in self._exclude_regex.finditer(text)] if self._exclude_regex else []
        for span in self._names.find(text):
            name = span.name.strip()
            if len(name) < 3 or any(lo < span.end and span.start < hi for lo, hi in excluded):
                continue
            if self._rejected(text, span.start, span.end, excluded):
                continue
            if span.rule == "role name" and " " not in name and sum(c.isupper() for c in name) < 2:
                continue  # one word after a name ("... Initiative Moldova") counts here, but may be a place elsewhere
            names.setdefault(name, span.rule)
            words = name.split()
            if span.rule.startswith("title") and len(words) > 1:
                surname = words[-1]
                if len(surname) > 2 and not re.search(rf"\b{re.escape(surname.lower())}\b", text):
                    names.setdefault(surname, span.rule)
            # "..., known as NANSMIT", "(NANSMIT)"; not the first word of "(The Migrant's Friend)".
            acronym = re.match(
                rf"{re.escape(name)}(?:,?\s+(?:known as|or)\s+([A-Z][\w.-]{{1,15}})|\s*\(([A-Z][\w.-]{{1,15}})\))", text[span.start:]
            )
            short = acronym and (acronym.group(1) or acronym.group(2))
            if short and short not in NOT_NAMES and not span.rule.startswith("title"):
                names.setdefault(short, span.rule)
        return names

    def blocks(self, text: str) -> bool:
        """Return whether ``text`` holds one of the target's ``blockers``."""
        return self._names is not None and self._names.blocked(text)

    def rejects(self, text: str, start: int, end: int) -> bool:
        """Return whether a span found by another means (an entity) overlaps an exclusion or is guarded or blocked."""
        excluded = [m.span() for m in self._exclude_regex.finditer(text)] if self._exclude_regex else []
        if any(lo < end and start < hi for lo, hi in excluded):
            return True
        return self._rejected(text, start, end, [])

    def _rejected(self, text: str, start: int, end: int, excluded: list[tuple[int, int]] | None = None) -> bool:
        """Return whether a candidate mention is excluded, guarded or blocked."""
        if excluded is None:
            excluded = [m.span() for m in self._exclude_regex.finditer(text)] if self._exclude_regex else []
        if any(lo <= start and end <= hi for lo, hi in excluded):
            return True
        if self._guard is not None and self._guard.guarded(text, start, end):
            return True
        if self._places is not None and self._places.guarded(text, start, end, self._regex):
            return True
        return self._names is not None and self._names.blocked_before(text, start)

    def find(self, text: str, offset: int = 0, *, names: Mapping[str, str] | None = None) -> list[Mention]:
        """Return the target's mentions in ``text``, offsets shifted by ``offset``.

        Parameters
        ----------
        text : str
        offset : int
            Added to every start and end (a paragraph's offset in its article).
        names : mapping of str to str, optional
            Names introduced elsewhere in the article (see :meth:`names`), with their rules;
            they count here too. Names introduced in ``text`` itself always count.

        Returns
        -------
        list of Mention, in order, without overlaps (the longer one is kept).
        """
        excluded = [m.span() for m in self._exclude_regex.finditer(text)] if self._exclude_regex else []
        found = []
        for match in self._regex.finditer(text):
            start, end = _trimmed(text, *match.span())  # an alias or pattern may take in spaces around the name
            if start == end or self._rejected(text, start, end, excluded):
                continue
            if match.lastgroup != "_alias" and self._names is not None and self._names.blocked(text[start:end]):
                continue  # a blocker inside a pattern's match: "an Islamist group that ..."
            found.append((start, end, "alias" if match.lastgroup == "_alias" else "pattern"))
        if self._names is not None:
            for span in self._names.find(text):
                overlaps = any(lo < span.end and span.start < hi for lo, hi in excluded)  # "Manas Transit Center"
                if not overlaps and not self._rejected(text, span.start, span.end, excluded):
                    found.append((span.start, span.end, span.rule))
        learned = {**(names or {}), **self.names(text)}
        if learned:
            regex = re.compile("|".join(_literal(n) for n in sorted(learned, key=len, reverse=True)))
            for match in regex.finditer(text):
                start, end = match.span()
                if not self._rejected(text, start, end, excluded):
                    found.append((start, end, f"name: {learned[match.group()]}"))
        mentions: list[Mention] = []
        for start, end, rule in sorted(found, key=lambda f: (f[0], -f[1])):
            if mentions and start < mentions[-1].end - offset:
                continue  # inside (or overlapping) a longer mention found first
            mentions.append(Mention(self.name, offset + start, offset + end, text[start:end], rule))
        return mentions


class Targets(Mapping[str, Target]):
    """An ordered, read-only collection of targets, looked up by name.

    ``entities`` turns on the spaCy entity step of presence for the whole article
    (:func:`edm_stance.presence.find_article_mentions`), for the targets that have roles or guards.
    """

    def __init__(self, targets: Iterable[Target], *, entities: bool = False):
        self._targets = {t.name: t for t in targets}
        self.entities = entities

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
        return Targets((self[name] for name in names), entities=self.entities)

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
        roles=_string_list(spec.get("roles"), where, "roles"),
        blockers=_string_list(spec.get("blockers"), where, "blockers"),
        titles=_string_list(spec.get("titles"), where, "titles"),
        guards=_string_list(spec.get("guards"), where, "guards"),
        intros=_string_list(spec.get("intros"), where, "intros"),
        places=_string_list(spec.get("places"), where, "places"),
    )
    if not target.aliases and not target.patterns:
        raise TargetsFileError(f"{where} has neither 'aliases' nor 'patterns'")
    expressions = [*target.patterns, *target.titles, *target.intros, *(e[3:] for e in target.exclude if e.startswith("re:"))]
    for expression in expressions:
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


def load_targets(path: str | Path | None = None, *, include_defaults: bool = True, entities: bool = False) -> Targets:
    """Load the default targets, extended (or overridden by name) by those in ``path``.

    Parameters
    ----------
    path : str or Path, optional
        A user's targets YAML file.
    include_defaults : bool
        Start from the shipped russia/west/ngos definitions.
    entities : bool
        Add spaCy's entity step to presence (see :mod:`edm_stance.entities`).

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
    return Targets(targets, entities=entities)
