"""Build benchmark corpora by repeating and shuffling the seed article's real paragraphs.

The articles are stand-ins for cost measurements only (not EDM articles, no evaluation
evidence): each holds a random number (3-8) of the seed's paragraphs in random order, with
its own header, so every article has its own text and cache key.
"""

from __future__ import annotations

import random
from pathlib import Path

from edm_stance import Article, parse_article, read_article

SEED = Path(__file__).resolve().parents[1] / "data" / "raw" / "edm-v3-i138.txt"


def shuffled_articles(n: int, seed: int = 13) -> list[Article]:
    """Return ``n`` articles made of the seed's paragraphs, repeated and shuffled (fixed ``seed``)."""
    paragraphs = [p.text for p in read_article(SEED).paragraphs]
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        body = rng.sample(paragraphs, k=rng.randint(3, len(paragraphs)))
        header = f"Publication: Eurasia Daily Monitor Volume: {3 + i // 250} Issue: {1 + i % 250}\nDate: 2006-07-19\n"
        articles.append(parse_article(header + "\n" + "\n\n".join(body), f"bench-{i:05d}"))
    return articles


def count_pairs(articles, targets) -> int:
    """Count the (sentence, target) pairs a mention scorer classifies: sentences that mention the target."""
    return sum(
        1
        for article in articles
        for paragraph in article.paragraphs
        for sentence in paragraph.sentences
        for target in targets.values()
        if target.find(sentence.text)
    )
