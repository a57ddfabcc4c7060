"""Target presence: precision, recall and F1 per target on labelled corpora and on the seed.

Reads paragraph corpora in the synthetic-edm JSON Lines format (one paragraph a line with
``article_id``, ``paragraph``, ``text``, ``labels`` {target: absent|critical|neutral|favorable}),
rebuilds each article, finds each paragraph's mentions with the package's presence machinery
and compares present (any mention) with the labels. Corpora are also split by article into two
fixed halves by a hash of ``article_id`` (``held-out`` and ``dev``), so that rules developed
while looking at the dev half can be checked on articles nobody looked at; articles added later
fall into a half by the same hash. The seed article is scored against its gold CSV.

Usage (from the project root)::

    .venv/bin/python experiments/presence_eval.py                      # corpus + seed, rules and rules+spaCy
    .venv/bin/python experiments/presence_eval.py more.jsonl --no-entities
    .venv/bin/python experiments/presence_eval.py --errors 40          # also list dev-half misses and false hits

Run against an older checkout of ``src/`` (``PYTHONPATH=/old/src``) it falls back to
``Target.find`` per paragraph, which is how the "before" numbers in the README were measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

from edm_stance import parse_article, read_article
from edm_stance.targets import load_targets

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "training" / "synthetic-edm" / "paragraphs.jsonl"
SEED = ROOT / "data" / "raw" / "edm-v3-i138.txt"
GOLD = ROOT / "data" / "gold" / "edm-v3-i138.csv"

try:
    from edm_stance.presence import find_article_mentions
except ImportError:  # an older checkout: paragraph by paragraph, aliases and patterns only
    def find_article_mentions(article, targets, *, entities=False):
        if entities:
            raise SystemExit("this checkout of edm_stance has no entity step; pass --no-entities")
        return [{t.name: t.find(p.text, p.start) for t in targets.values()} for p in article.paragraphs]


def held_out(article_id: str) -> bool:
    """Return whether an article is in the held-out half (a fixed hash of its id)."""
    return int(hashlib.sha256(article_id.encode("utf-8")).hexdigest(), 16) % 2 == 1


def read_corpus(paths: list[Path]) -> list[tuple[object, list[dict]]]:
    """Rebuild each corpus article; return (Article, its paragraph records in order) pairs."""
    by_article: dict[str, list[dict]] = defaultdict(list)
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    record = json.loads(line)
                    by_article[record["article_id"]].append(record)
                except (json.JSONDecodeError, KeyError) as exc:
                    raise SystemExit(f"{path}:{number}: not a corpus record ({exc})") from None
    articles = []
    for article_id, records in by_article.items():
        records.sort(key=lambda r: r["paragraph"])
        text = f"Title: {records[0].get('title', article_id)}\n\n" + "\n\n".join(r["text"] for r in records)
        article = parse_article(text, article_id)
        if [p.text for p in article.paragraphs] != [r["text"] for r in records]:
            raise SystemExit(f"{article_id}: its paragraphs do not survive rebuilding the article")
        articles.append((article, records))
    return articles


def score_pairs(pairs: list[tuple[str, bool, bool]]) -> pd.DataFrame:
    """Precision/recall/F1 of (target, gold present, predicted present) triples, per target and pooled."""
    frame = pd.DataFrame(pairs, columns=["target", "gold", "pred"])
    rows = {}
    for name, part in [*frame.groupby("target", sort=False), ("all", frame)]:
        tp = int((part.gold & part.pred).sum())
        fp = int((~part.gold & part.pred).sum())
        fn = int((part.gold & ~part.pred).sum())
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows[name] = {"pairs": len(part), "tp": tp, "fp": fp, "fn": fn,
                      "precision": precision, "recall": recall, "f1": f1}
    return pd.DataFrame.from_dict(rows, orient="index")


def evaluate(corpus, seed, targets, *, entities: bool, errors: int) -> dict[str, pd.DataFrame]:
    """Return the tables (whole corpus, held-out half, dev half, seed); print dev-half errors if asked."""
    halves: dict[str, list] = {"corpus": [], "held-out half": [], "dev half": []}
    misses = []
    start = time.perf_counter()
    for article, records in corpus:
        found = find_article_mentions(article, targets, entities=entities)
        half = "held-out half" if held_out(article.article_id) else "dev half"
        for record, paragraph, by_target in zip(records, article.paragraphs, found):
            for name in targets:
                gold = record["labels"][name] != "absent"
                pred = bool(by_target[name])
                halves["corpus"].append((name, gold, pred))
                halves[half].append((name, gold, pred))
                if gold != pred and half == "dev half":
                    misses.append((name, "false hit" if pred else "miss", article.article_id, record["paragraph"],
                                   [f"{m.text} [{getattr(m, 'rule', '')}]" for m in by_target[name]], paragraph.text))
    seconds = (time.perf_counter() - start) / max(1, len(corpus))
    gold = pd.read_csv(GOLD)
    found = find_article_mentions(seed, targets, entities=entities)
    seed_pairs = [(row.target, row.label != "absent", bool(found[row.paragraph - 1][row.target]))
                  for row in gold.itertuples()]
    tables = {name: score_pairs(pairs) for name, pairs in halves.items() if pairs}
    tables["seed"] = score_pairs(seed_pairs)
    tables["seed"].attrs["seconds_per_article"] = seconds
    for name, kind, article_id, number, mentions, text in misses[:errors]:
        print(f"{kind:9} {name:6} {article_id} ¶{number} {mentions}\n          {text[:400]}\n")
    return tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=[CORPUS], help=f"JSONL corpora (default: {CORPUS.relative_to(ROOT)})")
    parser.add_argument("--no-entities", action="store_true", help="rules only (skip the spaCy entity step)")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="print the first N dev-half errors")
    args = parser.parse_args(argv)
    targets = load_targets().select(["russia", "west", "ngos"])
    corpus = read_corpus(args.corpora)
    seed = read_article(SEED)
    n_paragraphs = sum(len(records) for _, records in corpus)
    print(f"{len(corpus)} articles, {n_paragraphs} paragraphs, {n_paragraphs * len(targets)} pairs "
          f"({sum(held_out(a.article_id) for a, _ in corpus)} articles held out); seed: {SEED.name}")
    settings = [False] if args.no_entities else [False, True]
    for entities in settings:
        if entities:  # load the model before timing
            find_article_mentions(seed, targets, entities=True)
        tables = evaluate(corpus, seed, targets, entities=entities, errors=args.errors if entities == settings[-1] else 0)
        title = "rules + spaCy entities" if entities else "rules"
        print(f"\n== {title}: {1000 * tables['seed'].attrs['seconds_per_article']:.0f} ms per corpus article ==")
        for name, table in tables.items():
            shown = table.assign(**{c: table[c].map("{:.3f}".format) for c in ["precision", "recall", "f1"]})
            print(f"-- {name}\n{shown.to_string()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
