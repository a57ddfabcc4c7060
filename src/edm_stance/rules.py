"""Regular-expression rules behind a target's ``roles``, ``blockers``, ``titles`` and ``guards``.

These are the rule layer of target presence (see ``data/targets.yaml`` for the keys):

- *role names*: an organisation named by what it is: a capitalised name built on a role noun
  ("the Independent Centre for Social Research", "Razumkov Centre"), a name in apposition to a
  role ("Little Earth, a Dushanbe-based environmental organisation") or right after one ("the
  think tank WatchDog.md");
- *blockers*: words that, inside such a name or right before a mention, show that it is not
  the target ("state-run", "pro-government", "Party", "Ministry");
- *titles*: an official's title; the personal name after it ("U.S. Ambassador Jane Harlow")
  names the target, and so does its surname later on ("Harlow also said");
- *guards*: nouns for private people and non-state bodies; a mention that only describes one
  of them ("American tourists", "signatories from Germany", "NGOs, most of them American",
  "two Americans") is not a mention.

Every function takes plain text and returns character spans into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["GuardRule", "NameRule", "Span", "plural_forms"]

_UPPER_WORD = r"(?:[A-Z][\w’'.&/-]*[\w’']|[A-Z])"
# Short words that may join the capitalised words of an organisation's name.
_JOINERS = r"(?:of|for|on|and|in|to|the|&)"
_NAME_PARTICLES = r"(?:de|van|von|der|den|du|da|di|al|el|bin|ibn|la|le)"
# A personal name: up to four capitalised words, with particles such as "de" or "von der".
_PERSON = rf"[A-Z][\w’'-]+(?:\s+(?:{_NAME_PARTICLES}\s+)*[A-Z][\w’'-]+){{0,3}}"
# What may stand between a blocker and the word it modifies: nothing, or one word.
_BETWEEN = re.compile(r"[\s\"“‘'-]*(?:([A-Za-z][\w’'-]*)[\s\"“‘'-]+)?")
# From the end of a name to the words of an apposition: ", a", ", both", " and the X, both".
_APPOSITION_AFTER = re.compile(r"(?:\s+and\s+[^,.;]{1,60})?,\s+(?:(?:both|each|all|an?|the|two|three)\s+)*")
# A preposition right before a capitalised word: the word is a place ("in Almaty, a pollster ...").
_PLACE_BEFORE = re.compile(r"\b(?:[Ii]n|at|from|to|near|across|outside|inside|around|throughout|within|into)\s+$")
_LINKS = {"and", "or", "of", "to", "by", "with", "against", "from", "for", "on", "in", "at", "than", "as", "but", "nor"}
_NOT_NAMES = {
    "The", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "In", "On", "At", "But",
    "However", "And", "Yet", "As", "For", "A", "An", "There", "If", "When", "While", "According", "Its",
    "His", "Her", "Their", "Our", "Mr", "Mrs", "Ms", "Dr", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December", "Last", "Next", "Earlier", "Later",
}


def plural_forms(noun: str) -> list[str]:
    """Return ``noun`` and its plural(s): ``centre`` -> centre, centres; ``charity`` -> charities."""
    words = noun.split()
    last = words[-1]
    if re.search(r"[^aeiou]y$", last):
        plurals = [last[:-1] + "ies"]
    elif re.search(r"(?:s|x|z|ch|sh)$", last):
        plurals = [last + "es"]
    else:
        plurals = [last + "s"]
    return [noun] + [" ".join(words[:-1] + [p]) for p in plurals]


def _either_case(word: str) -> str:
    """Regex for ``word`` with its first letter in either case."""
    head = word[0]
    return (f"[{head.lower()}{head.upper()}]" if head.isalpha() else re.escape(head)) + re.escape(word[1:])


def _alias_regex(word: str) -> str:
    """Regex for a word written as an alias: a lowercase first letter also matches capitalised."""
    return (_either_case(word) if word[:1].islower() else re.escape(word)).replace(r"\ ", r"\s+")


def _alternation(words: Iterable[str]) -> str:
    """Regex for any of ``words`` or their plurals, exactly as written; a space also matches a hyphen."""
    forms = {form for word in words for form in plural_forms(word)}
    parts = [re.escape(f).replace(r"\ ", r"[\s-]+") for f in forms]
    return "(?:" + "|".join(sorted(parts, key=len, reverse=True)) + ")"


@dataclass(frozen=True)
class Span:
    """A span of text found by a rule, with the rule's name and what it was found with."""

    start: int
    end: int
    rule: str
    name: str = ""


class NameRule:
    """Find organisations named by their role, and persons named by their title.

    Parameters
    ----------
    roles : iterable of str
        Role nouns (singular, lowercase), e.g. ``institute``, ``human rights group``.
    blockers : iterable of str
        Words that make a named body not the target (``State``, ``Party``, ``pro-government``).
    titles : iterable of str
        Regular expressions for titles (``U\\.S\\. [Aa]mbassador``).
    """

    def __init__(self, roles: Iterable[str] = (), blockers: Iterable[str] = (), titles: Iterable[str] = ()):
        roles, blockers, titles = list(roles), list(blockers), list(titles)
        blocker = "(?:" + "|".join(_alias_regex(b) for b in sorted(blockers, key=len, reverse=True)) + ")"
        self.blocker_regex = re.compile(rf"(?<![\w-]){blocker}(?![\w-])") if blockers else None
        self.name_regex = self.apposition_regex = self.before_name_regex = self.title_regex = None
        if roles:
            heads = [r for r in roles if " " not in r and r.islower()]
            if heads:
                cap_heads = _alternation([h[:1].upper() + h[1:] for h in heads])
                # Capitalised words (joined by of/for/and...) around a capitalised role noun.
                self.name_regex = re.compile(
                    rf"(?<![\w’'-])(?:{_UPPER_WORD}\s+(?:{_JOINERS}\s+)?){{0,5}}{cap_heads}(?![\w’'-])"
                    rf"(?:\s+(?:of|for|on|to|in|against)\s+(?:the\s+)?(?:{_UPPER_WORD}(?:,?\s+(?:(?:and|of|for|the)\s+)?)?){{1,6}})?"
                )
            role = _alternation(roles)
            # "NAME, a Dushanbe-based environmental organisation" (up to six words before the role).
            self.apposition_regex = re.compile(
                rf"(?<![\w’'-])(?P<name>[\"“‘']?{_UPPER_WORD}(?:\s+(?:{_JOINERS}\s+)?{_UPPER_WORD}){{0,5}}[\"”’']?)"
                rf"(?:\s+\([^()]{{2,40}}\))?,\s+(?P<role>(?:an?|the|one of the)\s+(?:(?!(?:and|or)\s)[\w’'-]+\s+){{0,6}}?{role})(?![\w’'-])"
            )
            # "the think tank WatchDog.md", "the civic initiative No to Plunder", "the 'Honest Count' campaign".
            self.before_name_regex = re.compile(
                rf"(?P<role>\b(?:the|a|an)\s+(?:[\w’'-]+\s+){{0,3}}?{role})\s+"
                rf"(?P<name>[\"“‘]?{_UPPER_WORD}(?:\s+(?:{_JOINERS}\s+)?{_UPPER_WORD}){{0,4}}[\"”’]?)"
                rf"|(?P<role2>\b[Tt]he\s+)(?P<name2>[\"“‘'][^\"“”‘’]{{2,40}}[\"”’'])\s+(?P<role3>{role})(?![\w-])"
            )
        if titles:
            title = "(?:" + "|".join(f"(?:{t})" for t in titles) + ")"
            self.title_regex = re.compile(
                rf"(?P<title>{title})(?:\s+to\s+(?:the\s+)?[A-Z][\w-]+)?,?\s+(?P<name>{_PERSON})"
                rf"|(?P<name2>{_PERSON}),\s+(?:the|a|an)\s+(?P<title2>{title})(?![\w])"
            )

    def blocked(self, text: str) -> bool:
        """Return whether ``text`` holds a blocker word."""
        return bool(self.blocker_regex and self.blocker_regex.search(text))

    def blocked_before(self, text: str, start: int) -> bool:
        """Return whether a blocker modifies what starts at ``start`` ("state-run pollster", "pro-government 'NGOs'")."""
        if not self.blocker_regex:
            return False
        before = text[max(0, start - 60) : start]
        for match in self.blocker_regex.finditer(before):
            between = _BETWEEN.fullmatch(before[match.end() :])
            if between and (between.group(1) or "").lower() not in _LINKS:
                return True
        return False

    def blocked_after(self, text: str, end: int) -> bool:
        """Return whether a name is followed by a blocker in apposition ("..., both state-run bodies")."""
        after = _APPOSITION_AFTER.match(text, end)
        return bool(after and self.blocker_regex and self.blocker_regex.match(text, after.end()))

    def find(self, text: str) -> Iterator[Span]:
        """Yield role names, appositions and titled names in ``text``; ``name`` is what later text may repeat."""
        if self.name_regex:
            for match in self.name_regex.finditer(text):
                start, end, name = match.start(), match.end(), match.group()
                words = name.split()
                while words and words[0] in _NOT_NAMES:  # a sentence-initial "The", "In", ...
                    start += text[start:end].index(words[0]) + len(words[0])
                    start += len(text[start:end]) - len(text[start:end].lstrip())
                    words = words[1:]
                end = start + len(text[start:end].rstrip(" ,\n"))
                name = text[start:end]
                if len(words) < 2 or self.blocked(name) or self.blocked_before(text, start) or self.blocked_after(text, end):
                    continue
                yield Span(start, end, "role name", name)
                tail = re.match(r"\s+([A-Z][\w’'-]{2,})(?=[\s,.;:’']|$)", text[end:])
                if tail and tail.group(1) not in _NOT_NAMES:  # "Human Rights Center Viasna"
                    yield Span(end + tail.start(1), end + tail.end(1), "role name", tail.group(1))
        if self.apposition_regex:
            for match in self.apposition_regex.finditer(text):
                name = match.group("name").strip("\"“”‘’'")
                if name.startswith("The ") and len(name.split()) > 2:
                    name = name[4:]  # "The Way Home, a movement of ..."
                if name.split()[0] in _NOT_NAMES or self.blocked(match.group()):
                    continue
                if _PLACE_BEFORE.search(text, max(0, match.start() - 12), match.start()):
                    continue  # "in Almaty, an independent pollster": a place, not the body's name
                yield Span(match.start("name"), match.end("role"), f"apposition: {match.group('role')}", name)
        if self.before_name_regex:
            for match in self.before_name_regex.finditer(text):
                group = "name" if match.group("name") else "name2"
                role = match.group("role") or match.group("role3")
                name = match.group(group).strip("\"“”‘’'")
                if not name or name.split()[0] in _NOT_NAMES or self.blocked(match.group()):
                    continue
                yield Span(match.start(), match.end(), f"role: {role}", name)
        if self.title_regex:
            for match in self.title_regex.finditer(text):
                group, title = ("name", "title") if match.group("name") else ("name2", "title2")
                name = match.group(group)
                if name.split()[0] in _NOT_NAMES:
                    continue
                yield Span(match.start(), match.end(), f"title: {match.group(title)}", name)


# Words between a nationality and a noun that make the state the agent ("Western-funded NGOs").
_LINK = "(?:" + "|".join(sorted(_LINKS)) + ")"
_AGENCY = r"(?:funded|backed|supported|sponsored|financed|trained|run|led|friendly|allied|oriented|leaning|linked|aligned|minded)"


class GuardRule:
    """Tell mentions that only describe private people or non-state bodies.

    Parameters
    ----------
    nouns : iterable of str
        Singular nouns for private people and non-state bodies (``citizen``, ``tourist``, ``NGO``).
    """

    _QUANTITY = (r"(?i:\b(?:two|three|four|five|six|seven|eight|nine|ten|dozens of|hundreds of|thousands of|"
                 r"millions of|many|most|few|some|several|ordinary|young|fellow|\d[\d,]*)\s+)$")
    _DEMONYM = re.compile(r"[A-Z][a-z]+(?:ans|ons)")

    def __init__(self, nouns: Iterable[str]):
        noun = _alternation(list(nouns))
        # "American tourists", "U.S. and EU citizens", "Russian-born activists", "a Dutch citizen".
        self.after = re.compile(rf"^(?:[\s-]+(?:and|or)[\s-]+[A-Z][\w.’'-]*)?[\s-]+(?:(?!{_AGENCY}\b|{_LINK}\b)[\w’'-]+\s+){{0,2}}{noun}\b")
        # "signatories from Germany and the ...", "NGOs, most of them ...".
        self.before = re.compile(
            rf"\b{noun}\s+(?:from|of)\s+(?:the\s+)?(?:[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*,?\s+(?:and|or)\s+(?:the\s+)?)?$"
            rf"|\b{noun},\s+(?:most|many|some|all|several|half|none|one|two|three|a few|a third|the rest)\s+of\s+"
            rf"(?:them|whom)\s+(?:(?:are|were|being)\s+)?$"
        )
        self.quantity = re.compile(self._QUANTITY)

    def guarded(self, text: str, start: int, end: int) -> bool:
        """Return whether the mention ``text[start:end]`` only describes private people or non-state bodies."""
        before = text[max(0, start - 120) : start]
        if self.after.match(text[end : end + 80]) or self.before.search(before):
            return True
        return bool(self._DEMONYM.fullmatch(text[start:end]) and self.quantity.search(before))
