"""Recompute the corpus's inter-annotator agreement from the files in annotation/.

Stance (paragraphs written for the second release): the writer against the blind second
annotator, on the writer's present pairs (macro-F1 over critical/neutral/favorable, Cohen's
kappa) and presence F1. Frames: writer against second annotator (second release), and the two
blind annotators A and B (the original 1,070 paragraphs). usage: python3 agreement.py
"""
import json
from pathlib import Path

from sklearn.metrics import cohen_kappa_score, f1_score

HERE = Path(__file__).resolve().parent / "annotation"
TARGETS = ("russia", "west", "ngos")
STANCES = ["critical", "neutral", "favorable"]


def load(name):
    rows = [json.loads(line) for line in (HERE / name).open(encoding="utf-8") if line.strip()]
    return {(r["article_id"], int(r["paragraph"])): r for r in rows}


def frames(a, b, what):
    keys = sorted(set(a) & set(b))
    x = [a[k]["frames"]["dominant"] for k in keys]
    y = [b[k]["frames"]["dominant"] for k in keys]
    print(f"{what}: {len(keys)} paragraphs, dominant frame agreement {sum(p == q for p, q in zip(x, y)) / len(keys):.3f}, "
          f"kappa {cohen_kappa_score(x, y):.3f}")


writer, second = load("writer_labels.jsonl"), load("second_annotator_labels.jsonl")
keys = sorted(set(writer) & set(second))
pooled_a, pooled_b = [], []
for t in TARGETS:
    a = [writer[k]["labels"][t] for k in keys]
    b = [second[k]["labels"][t] for k in keys]
    present = [i for i, label in enumerate(a) if label != "absent"]
    pa, pb = [a[i] for i in present], [b[i] for i in present]
    pooled_a += pa
    pooled_b += pb
    print(f"{t}: presence F1 {f1_score([v != 'absent' for v in a], [v != 'absent' for v in b]):.3f}, "
          f"stance macro-F1 {f1_score(pa, pb, labels=STANCES, average='macro'):.3f}, kappa {cohen_kappa_score(pa, pb):.3f}")
print(f"stance, pooled: {len(keys)} paragraphs, {len(pooled_a)} writer-present pairs, macro-F1 "
      f"{f1_score(pooled_a, pooled_b, labels=STANCES, average='macro'):.3f}, kappa {cohen_kappa_score(pooled_a, pooled_b):.3f}")
frames(writer, second, "frames, writer vs second annotator")
frames(load("original_frames_A.jsonl"), load("original_frames_B.jsonl"), "frames, original paragraphs, annotator A vs B")
