"""Target presence in a whole article: each paragraph's mentions of each target.

A paragraph's mentions come from three layers:

1. the target's own rules (:meth:`Target.find`: aliases, patterns, roles, titles, guards);
2. names that the rules learned anywhere in the article: a person introduced as "U.S.
   Ambassador Jane Harlow" in one paragraph is the West when "Harlow" speaks in another, an
   organisation introduced as "NANSMIT, the journalists' association" is an NGO wherever
   "NANSMIT" appears; a body named by a role noun ("the Levada Center", "rights groups") is
   referred to later by that noun alone ("the centre's researchers", "the group") for a target
   with ``roles``; and a nationality word inside another target's organisation name
   ("the Russian LGBT Network") is not a mention of a target that has ``guards``;
3. optionally, spaCy's entities and dependency parse (:mod:`edm_stance.entities`), for targets
   that have ``roles``, ``titles`` or ``guards``.

Targets without those keys (a user's ``china: {aliases: [China]}``) get layer 1 alone, which
for them is exactly the alias/pattern/exclude matching of earlier versions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .article import Article, Paragraph
from .targets import Mention, Target, Targets

__all__ = ["explain_presence", "find_article_mentions", "presence_identity"]

# Rules (Mention.rule prefixes) that name an organisation: a guarded target's word inside one is no mention.
_NAME_RULES = ("role name", "apposition", "role:", "intro:", "name: role", "name: apposition", "name: intro", "entity",
               "name: entity")
# An alias or pattern match that is a capitalised name of two or more words ("the Moscow Helsinki Group", "the
# Uzbek-German Forum for Human Rights") also names an organisation.
_NAME_WORD = r"[A-Z][\w’']*(?:-[A-Z][\w’']*)*"  # "Uzbek-German", not "Western-funded"
_CAPITALISED_NAME = re.compile(rf"(?:{_NAME_WORD}\s+)+(?:(?:for|of|and|the)\s+)*(?:{_NAME_WORD}\s*)+")


def presence_identity(*, entities: bool = False) -> dict:
    """Describe the presence machinery (for cache keys): the rule version and, with entities, the spaCy model."""
    identity = {"presence": 3, "entities": entities}
    if entities:
        from .entities import model_identity

        identity["spacy"] = model_identity()
    return identity


def find_article_mentions(
    article: Article | Sequence[Paragraph], targets: Targets, *, entities: bool = False
) -> list[dict[str, list[Mention]]]:
    """Return, for each paragraph in order, each target's mentions (offsets into the article's text).

    Parameters
    ----------
    article : Article or sequence of Paragraph
    targets : Targets
    entities : bool
        Add spaCy's entity step (loads the model once per process).

    Returns
    -------
    list of dict, one per paragraph: target name -> list of Mention in reading order.

    Examples
    --------
    >>> from edm_stance import load_targets, parse_article
    >>> article = parse_article("U.S. Ambassador Jane Harlow arrived.\\n\\nHarlow said little.")
    >>> [[m.text for m in p["west"]] for p in find_article_mentions(article, load_targets())]
    [['U.S. Ambassador Jane Harlow'], ['Harlow']]
    """
    paragraphs = list(article.paragraphs if isinstance(article, Article) else article)
    learned: dict[str, dict[str, str]] = {}
    for target in targets.values():
        names: dict[str, str] = {}
        for paragraph in paragraphs:
            for name, rule in target.names(paragraph.text).items():
                names.setdefault(name, rule)
        learned[target.name] = names
    if entities:
        from .entities import add_entity_mentions, entity_names, parse_paragraphs

        docs = parse_paragraphs(paragraphs)
        by_entity = [{t.name: entity_names(doc, t, p.text) for t in targets.values()} for p, doc in zip(paragraphs, docs)]
        for per_target in by_entity:
            for name, found_names in per_target.items():
                for entity, (_, _, rule) in found_names.items():
                    learned[name].setdefault(entity, rule)
    found = [
        {target.name: target.find(p.text, p.start, names=learned[target.name]) for target in targets.values()}
        for p in paragraphs
    ]
    if entities:
        add_entity_mentions(paragraphs, docs, targets, found, by_entity)
    for target in targets.values():
        if target.anaphors is not None:
            _add_anaphors(paragraphs, target, found)
    for by_target in found:
        named = [m for mentions in by_target.values() for m in mentions if _names_an_organisation(m)]
        for target in targets.values():
            if target.guards and named:
                by_target[target.name] = [
                    m for m in by_target[target.name]
                    if not any(n.target != m.target and n.start <= m.start and m.end <= n.end for n in named)
                ]
    return found


def _names_an_organisation(mention: Mention) -> bool:
    """Whether a mention is an organisation's name (a word of another target inside it is no mention)."""
    if mention.rule.startswith(_NAME_RULES):
        return True
    return mention.rule in ("alias", "pattern") and bool(_CAPITALISED_NAME.fullmatch(mention.text))


def _add_anaphors(paragraphs: Sequence[Paragraph], target: Target, found: list[dict[str, list[Mention]]]) -> None:
    """Add, in place, definite references by role noun to bodies of the target named in earlier paragraphs.

    "The Levada Center polled ..." in one paragraph makes "the centre's researchers" in a later
    one a mention; the role noun alone never introduces a body.
    """
    rule = target.anaphors
    heads: set[str] = set()
    for paragraph, by_target in zip(paragraphs, found):
        mentions = by_target[target.name]
        if heads:
            for span in rule.find(paragraph.text, heads):
                start, end = paragraph.start + span.start, paragraph.start + span.end
                if not any(m.start < end and start < m.end for m in mentions) and not target.rejects(
                        paragraph.text, span.start, span.end):
                    mentions.append(Mention(target.name, start, end, span.name, span.rule))
            mentions.sort(key=lambda m: (m.start, m.end))
        for mention in mentions:
            heads |= rule.heads_in(mention.text)


def explain_presence(article: Article, targets: Targets) -> list[str]:
    """Return lines that say, per paragraph and target, which rules or entities made the target present.

    Each present target lists its mentions as ``"text" [rule]``; an absent target says so.
    """
    found = find_article_mentions(article, targets, entities=targets.entities)
    width = max(len(name) for name in targets) if len(targets) else 0
    lines = [f"{article.article_id}: {len(article.paragraphs)} paragraph(s), targets {', '.join(targets)}"
             f"{' (rules + spaCy entities)' if targets.entities else ' (rules)'}"]
    for paragraph, by_target in zip(article.paragraphs, found, strict=True):
        opening = " ".join(paragraph.text.split())
        lines.append(f"¶{paragraph.number} {opening[:70]}{'…' if len(opening) > 70 else ''}")
        for name in targets:
            mentions = by_target[name]
            if not mentions:
                lines.append(f"  {name:<{width}}  absent")
                continue
            shown = "; ".join(f'"{m.text}" [{m.rule}]' for m in mentions)
            lines.append(f"  {name:<{width}}  present: {shown}")
    return lines
