"""The default scorer against a zero-shot NLI pipeline of bart-large-mnli's size, on the same pairs.

Both score the same (sentence, target) pairs taken from N articles built from the seed's
real paragraphs (benchmarks/synthetic.py), in one run:

- tsc, the default scorer (MiniLM + LoRA), through ``scorer.score``;
- the transformers ``zero-shot-classification`` pipeline on a BartForSequenceClassification
  with bart-large-mnli's configuration (d_model 1024, 12 + 12 layers, 16 heads, ffn 4096,
  vocab 50265, 3 labels) and random weights built from that configuration, nothing
  downloaded, asked 3 stance hypotheses per (sentence, target) pair. The tokenizer is the
  local MiniLM one: cost depends on sequence length, not on what the weights say.

Reports seconds per pair for each and their ratio. Run on purpose:

    .venv/bin/python benchmarks/zero_shot_cost.py [--articles 5] [--zero-shot-pairs 30] [--model DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import count_pairs, shuffled_articles  # noqa: E402

HYPOTHESES = ["favorable", "neutral", "critical"]
TEMPLATE = "The author's stance toward {target} is {{}}."


def bart_large_mnli_shaped(tokenizer):
    """Return a randomly initialised BartForSequenceClassification with bart-large-mnli's configuration.

    The special-token ids are the tokenizer's (BART pools the hidden state at the last
    end-of-sequence token, here MiniLM's [SEP]).
    """
    import torch
    from transformers import BartConfig, BartForSequenceClassification

    torch.manual_seed(13)
    config = BartConfig(
        vocab_size=50265, d_model=1024, encoder_layers=12, decoder_layers=12, encoder_attention_heads=16,
        decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096, max_position_embeddings=1024,
        num_labels=3, id2label={0: "contradiction", 1: "neutral", 2: "entailment"},
        label2id={"contradiction": 0, "neutral": 1, "entailment": 2},
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
    )
    return BartForSequenceClassification(config).eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5, help="articles whose pairs tsc scores")
    parser.add_argument("--zero-shot-pairs", type=int, default=30, help="of those pairs, how many the pipeline scores")
    parser.add_argument("--model", help="tsc adapter folder (default: the shipped one)")
    args = parser.parse_args()

    import torch
    from transformers import AutoTokenizer, pipeline

    from edm_stance import get_scorer, load_targets
    from edm_stance.model import base_model_path

    torch.manual_seed(13)
    targets = load_targets()
    articles = shuffled_articles(args.articles)
    pairs = [(sentence.text, target.label) for article in articles for paragraph in article.paragraphs
             for sentence in paragraph.sentences for target in targets.values() if target.find(sentence.text)]
    assert len(pairs) == count_pairs(articles, targets)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, CPU only, torch threads {torch.get_num_threads()}")

    scorer = get_scorer("tsc", **({"model_name_or_path": args.model} if args.model else {}))
    scorer.score(articles[:1], targets)  # load the model and warm up
    started = time.perf_counter()
    scorer.score(articles, targets)
    tsc_seconds = (time.perf_counter() - started) / len(pairs)
    print(f"tsc: {len(pairs)} pairs, {tsc_seconds * 1000:.1f} ms/pair ({1 / tsc_seconds:.0f} pairs/s)")

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(base_model_path())
    classifier = pipeline("zero-shot-classification", model=bart_large_mnli_shaped(tokenizer), tokenizer=tokenizer,
                          device="cpu")
    n_params = sum(p.numel() for p in classifier.model.parameters())
    print(f"zero-shot model: {n_params / 1e6:.0f}M parameters, built in {time.perf_counter() - started:.1f} s")
    subset = pairs[: args.zero_shot_pairs]
    classifier(subset[0][0], HYPOTHESES, hypothesis_template=TEMPLATE.format(target=subset[0][1]))  # warm up
    started = time.perf_counter()
    for sentence, target in subset:
        classifier(sentence, HYPOTHESES, hypothesis_template=TEMPLATE.format(target=target))
    zero_shot_seconds = (time.perf_counter() - started) / len(subset)
    print(f"zero-shot pipeline: {len(subset)} pairs x {len(HYPOTHESES)} hypotheses, "
          f"{zero_shot_seconds * 1000:.0f} ms/pair ({1 / zero_shot_seconds:.2f} pairs/s)")
    print(f"ratio: the zero-shot pipeline costs {zero_shot_seconds / tsc_seconds:.0f}x the default scorer per pair")


if __name__ == "__main__":
    main()
