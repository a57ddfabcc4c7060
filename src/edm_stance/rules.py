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

__all__ = ["NOT_NAMES", "AnaphorRule", "GuardRule", "NameRule", "PlaceRule", "Span", "plural_forms"]

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
# Capitalised words that start sentences, not names.
NOT_NAMES = {
    "The", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "In", "On", "At", "But",
    "However", "And", "Yet", "As", "For", "A", "An", "There", "If", "When", "While", "According", "Its",
    "His", "Her", "Their", "Our", "Mr", "Mrs", "Ms", "Dr", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December", "Last", "Next", "Earlier", "Later",
    # sentence adverbs before a comma ("Upstream, the giant dam project ...")
    "Meanwhile", "Instead", "Elsewhere", "Upstream", "Downstream", "Nearby", "Today", "Yesterday", "Now",
    "Still", "Here", "Together", "Overall", "Finally", "Similarly", "Likewise", "Abroad", "Domestically",
    "Internationally", "Locally", "Regionally", "Nationally", "Again", "Also", "Then", "Since", "Such",
}
# A role phrase that makes the body the state's: "Sputnik Azerbaijan, the Russian state news agency's bureau".
_STATE_ROLE = re.compile(r"\b(?:state|government|governmental|official|presidential)\b", re.IGNORECASE)
# A blocker-modified plural noun followed by a list: "state-sponsored bodies such as the Youth Union and ...".
_SUCH_AS = (r"(?:[\w’'-]+\s+){0,2}?(?:bodies|organi[sz]ations|groups|associations|NGOs|structures|entities|unions|movements)"
            r"(?:\s+and\s+[\w-]+)?,?\s+(?:such\s+as|including|like)\s+")
# A name followed by who founded it: ", created in 2005 by presidential decree", ", set up by the government".
_FOUNDED_BY = re.compile(
    r"(?:,\s+(?:an?\s+[\w-]+\s+)?|\s+)(?:(?:which|that)\s+was\s+)?"
    r"(?:created|set\s+up|founded|established|formed|launched|organi[sz]ed)"
    r"\s+(?:(?:in|on)\s+[\w ,]{1,20}?\s+)?by\s+(?:the\s+)?(?:[\w’'-]+\s+)?"
    r"(?:presidential|president|government|state|ministry|ministries|authorities|ruling\s+party|administration)\b",
    re.IGNORECASE,
)


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
    regex = _either_case(word) if word[:1].islower() else re.escape(word)
    return re.sub("['’]", "['’]", regex.replace(r"\ ", r"\s+"))


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
    intros : iterable of str
        Regular expressions for phrases right before a name that make it the target's
        (``a survey ... by`` introduces a pollster: "a survey of 900 adults by Vox Populi").
    """

    def __init__(self, roles: Iterable[str] = (), blockers: Iterable[str] = (), titles: Iterable[str] = (),
                 intros: Iterable[str] = ()):
        roles, blockers, titles, intros = list(roles), list(blockers), list(titles), list(intros)
        blocker = "(?:" + "|".join(_alias_regex(b) for b in sorted(blockers, key=len, reverse=True)) + ")"
        self.blocker_regex = re.compile(rf"(?<![\w-]){blocker}(?![\w-])") if blockers else None
        # The same, overlapping matches too ("the state's own version of": "state's own", "own version of").
        self.blockers_at = re.compile(rf"(?<![\w-])(?=({blocker})(?![\w-]))") if blockers else None
        self.name_regex = self.apposition_regex = self.before_name_regex = self.title_regex = self.intro_regex = None
        self.such_as_regex = re.compile(rf"(?<![\w-]){blocker}\s+{_SUCH_AS}") if blockers else None
        if roles:
            heads = [r for r in roles if " " not in r and r.islower()]
            if heads:
                cap_heads = _alternation([h[:1].upper() + h[1:] for h in heads])
                # Capitalised words (joined by of/for/and...) around a capitalised role noun.
                self.name_regex = re.compile(
                    rf"(?<![\w’'-])(?:{_UPPER_WORD}\s+(?:{_JOINERS}\s+)?){{0,5}}{cap_heads}(?![\w’'-])"
                    rf"(?:\s+(?:of|for|on|to|in|against)\s+(?:the\s+)?{_UPPER_WORD}"
                    rf"(?:,?\s+(?:(?:and|of|for|on)\s+)?(?:the\s+)?{_UPPER_WORD}){{0,5}})?"
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
        if intros:
            intro = "(?:" + "|".join(f"(?:{t})" for t in intros) + ")"
            # "a survey of 1,200 adults by Puls in July", "polling by the Yerevan office of the Opinion Group".
            self.intro_regex = re.compile(
                rf"(?P<role>{intro})\s+(?:the\s+)?(?:(?:{_UPPER_WORD}\s+)?office\s+of\s+(?:the\s+)?)?"
                rf"(?P<name>{_UPPER_WORD}(?:\s+(?:(?:of|for|and|&)\s+)?{_UPPER_WORD}){{0,5}})"  # not "Puls in May"
                rf"(?=[,.;:)]|\s+(?:in|on|at|during|last|this|earlier|between|among|from|found|finds|showed|shows|"
                rf"suggested|suggests|put|puts|recorded|records|indicated|indicates|and|with|for|which|that)\b)"
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
        for match in self.blockers_at.finditer(before):
            between = _BETWEEN.fullmatch(before[match.end(1) :])
            word = (between.group(1) or "") if between else ""
            verb = word.islower() and word.endswith("ed") and "-" not in word  # not "so-called"
            if between and word.lower() not in _LINKS and not verb:
                return True  # a verb between: "the Justice Ministry added The Way Home" is no modifier
        return self._in_blocked_list(text, start)

    def _in_blocked_list(self, text: str, start: int) -> bool:
        """Return whether ``start`` lies in a list after a blocked noun ("state-run bodies such as X and Y")."""
        before = text[max(0, start - 200) : start]
        for match in self.such_as_regex.finditer(before):
            if not re.search(r"[.;:!?(]\s|,\s+(?:which|who|whose)\b", before[match.end() :]):
                return True
        return False

    def blocked_after(self, text: str, end: int) -> bool:
        """Return whether a name is followed by a blocker in apposition ("..., both state-run bodies")."""
        if _FOUNDED_BY.match(text, end):  # "..., created by presidential decree in 2005"
            return True
        after = _APPOSITION_AFTER.match(text, end)
        return bool(after and self.blocker_regex and self.blocker_regex.match(text, after.end()))

    def find(self, text: str) -> Iterator[Span]:
        """Yield role names, appositions and titled names in ``text``; ``name`` is what later text may repeat."""
        if self.name_regex:
            for match in self.name_regex.finditer(text):
                start, end, name = match.start(), match.end(), match.group()
                words = name.split()
                while words and words[0] in NOT_NAMES:  # a sentence-initial "The", "In", ...
                    start += text[start:end].index(words[0]) + len(words[0])
                    start += len(text[start:end]) - len(text[start:end].lstrip())
                    words = words[1:]
                end = start + len(text[start:end].rstrip(" ,\n"))
                name = text[start:end]
                if len(words) < 2 or self.blocked(name) or self.blocked_before(text, start) or self.blocked_after(text, end):
                    continue
                yield Span(start, end, "role name", name)
                tail = re.match(r"\s+([A-Z][\w’'-]{2,})(?=[\s,.;:’']|$)", text[end:])
                if tail and tail.group(1) not in NOT_NAMES:  # "Human Rights Center Viasna"
                    yield Span(end + tail.start(1), end + tail.end(1), "role name", tail.group(1))
        if self.apposition_regex:
            for match in self.apposition_regex.finditer(text):
                name = match.group("name").strip("\"“”‘’'")
                if name.startswith("The ") and len(name.split()) > 2:
                    name = name[4:]  # "The Way Home, a movement of ..."
                if name.split()[0] in NOT_NAMES or self.blocked(match.group()):
                    continue
                if _STATE_ROLE.search(match.group("role")):
                    continue  # "X, the Russian state news agency's local bureau"
                if _PLACE_BEFORE.search(text, max(0, match.start() - 12), match.start()):
                    continue  # "in Almaty, an independent pollster": a place, not the body's name
                yield Span(match.start("name"), match.end("role"), f"apposition: {match.group('role')}", name)
        if self.before_name_regex:
            for match in self.before_name_regex.finditer(text):
                group = "name" if match.group("name") else "name2"
                role = match.group("role") or match.group("role3")
                name = match.group(group).strip("\"“”‘’'")
                if not name or name.split()[0] in NOT_NAMES or self.blocked(match.group()):
                    continue
                if _STATE_ROLE.search(role):
                    continue
                yield Span(match.start(), match.end(), f"role: {role}", name)
        if self.intro_regex:
            for match in self.intro_regex.finditer(text):
                name = match.group("name")
                if name.split()[0] in NOT_NAMES or self.blocked(name):
                    continue
                if self.blocked_after(text, match.end("name")):  # "a poll by VTsIOM, the state-run pollster"
                    continue
                role = " ".join(match.group("role").split())
                yield Span(match.start("name"), match.end("name"), f"intro: {role}", name)
        if self.title_regex:
            for match in self.title_regex.finditer(text):
                group, title = ("name", "title") if match.group("name") else ("name2", "title2")
                name = match.group(group)
                if name.split()[0] in NOT_NAMES:
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
        nouns = list(nouns)  # a noun also matches with a capital first letter ("Visitors from the European Union")
        noun = _alternation(nouns + [n[:1].upper() + n[1:] for n in nouns if n[:1].islower()])
        # "American tourists", "U.S. and EU citizens", "Russian-born activists", "a Dutch citizen".
        self.after = re.compile(rf"^(?:[\s-]+(?:and|or)[\s-]+[A-Z][\w.’'-]*)?[\s-]+(?:(?!{_AGENCY}\b|{_LINK}\b)[\w’'-]+\s+){{0,2}}{noun}\b")
        # "signatories from Germany and the ...", "NGOs, most of them ...".
        self.before = re.compile(
            rf"\b{noun}\s+(?:from|of)\s+(?:the\s+)?(?:[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*(?:,\s+|,?\s+(?:and|or)\s+)(?:the\s+)?)*$"
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


class PlaceRule:
    """Tell a country or capital that is one place in a list of places, not the state ("in Rome, Paris and Vienna").

    Parameters
    ----------
    prepositions : iterable of str
        Words that open a list of places (``in``, ``across``, ``throughout``).
    """

    _WORD = r"(?:(?:[A-Z]\.){2,}|(?:St|Mt)\.|[A-Z][\w’'-]*)"  # "U.S.", "St. Petersburg", not "Frankfurt. The"
    _ITEM = rf"(?:the\s+)?{_WORD}(?:\s+{_WORD}){{0,3}}"
    # Nouns for the state's people right before the preposition: "officials in Berlin and Warsaw" are governments.
    _OFFICIALS = re.compile(
        r"\b(?:officials?|diplomats?|leaders?|governments?|policymakers?|politicians?|critics|capitals|authorities|"
        r"lawmakers|ministers?|embassy|embassies|envoys?|negotiators?|talks|meetings?|summit|sanctions)\s+$",
        re.IGNORECASE,
    )
    # What may follow the last place: punctuation, a function word or a verb in -ed ("in Italy and Germany organised").
    _END = re.compile(
        r"[,.;:)]|\s+(?:to|in|on|at|for|and|with|by|during|since|from|where|which|who|that|when|before|after|until|"
        r"over|have|has|had|is|are|was|were|will|would|[a-z]+ed)\b|$"
    )

    def __init__(self, prepositions: Iterable[str]):
        preposition = "(?:" + "|".join(_alias_regex(p) for p in prepositions) + ")"
        item = self._ITEM
        self.before = re.compile(
            rf"\b{preposition}\s+(?P<items>(?:(?:{item})\s*,\s*)*(?:(?:{item})\s*,?\s+(?:and|or)\s+)?)(?:the\s+)?$"
        )
        self.after = re.compile(rf"(?:\s*,\s*(?:{item}))*(?:\s*,?\s+(?:and|or)\s+(?:{item}))?")
        self.item = re.compile(item)

    def guarded(self, text: str, start: int, end: int, target_regex: re.Pattern) -> bool:
        """Return whether ``text[start:end]`` is one place in a list whose other places are not the target."""
        before = self.before.search(text, max(0, start - 150), start)
        if not before or self._OFFICIALS.search(text, max(0, before.start() - 40), before.start()):
            return False
        after = self.after.match(text, end)
        if not self._END.match(text, after.end()):
            return False
        items = self.item.findall(before.group("items")) + self.item.findall(text[end : after.end()])
        return any(not target_regex.fullmatch(re.sub(r"^the\s+", "", i)) for i in items)


class AnaphorRule:
    """Find definite references by role noun ("the centre's researchers") to a body named earlier by that noun.

    Parameters
    ----------
    roles : iterable of str
        Role nouns; the last word of each is a head ("human rights group" -> group).
    """

    _SPELLINGS = {"center": "centre", "organization": "organisation"}
    # Role nouns that alone often mean something else: an election campaign, a dam project, a TV network,
    # a parliamentary committee, a state agency, a business firm, a news bureau, a tank, a policy initiative.
    _AMBIGUOUS = frozenset({"campaign", "project", "network", "initiative", "society", "agency", "firm", "bureau",
                            "committee", "tank", "watch"})

    def __init__(self, roles: Iterable[str]):
        heads = {role.split()[-1].lower() for role in roles}
        heads = {h for h in heads if h.isalpha() and len(h) > 3 and h not in self._AMBIGUOUS}
        self.heads = frozenset(self._SPELLINGS.get(h, h) for h in heads)
        forms = sorted({f for h in heads | {k for k, v in self._SPELLINGS.items() if v in heads} for f in plural_forms(h)},
                       key=len, reverse=True)
        words = "|".join(forms)
        self.head_regex = re.compile(rf"(?i:\b({words})\b)")
        # "the centre's", "the same institute", not "the group of deputies".
        self.anaphor_regex = re.compile(rf"\b[Tt]he\s+(?:same\s+)?({words})(?:[’']s)?(?![\w-])(?!\s+(?:of|for|on)\b)")

    def head(self, word: str) -> str:
        """Return the head noun a word stands for (singular, one spelling)."""
        word = word.lower()
        for plural, single in (("ies", "y"), ("es", ""), ("s", "")):
            singular = word[: -len(plural)] + single
            if word.endswith(plural) and self._SPELLINGS.get(singular, singular) in self.heads:
                word = singular
                break
        return self._SPELLINGS.get(word, word)

    def heads_in(self, text: str) -> set[str]:
        """Return the heads that name a body in ``text`` (a mention of the target)."""
        return {self.head(m.group(1)) for m in self.head_regex.finditer(text)} & self.heads

    def find(self, text: str, heads: set[str]) -> Iterator[Span]:
        """Yield definite references in ``text`` whose head is one of ``heads``."""
        for match in self.anaphor_regex.finditer(text):
            head = self.head(match.group(1))
            if head in heads:
                yield Span(match.start(), match.end(), f"anaphor: the {head}", match.group())
