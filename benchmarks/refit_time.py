"""How long a refit on N corrections takes: ``edm-stance train --corrections`` timed end to end.

The corrections are simulated from the synthetic corpus (its gold labels stand for an
analyst's), taken from one region's articles (``--region``, by default ``ngo``) in a fixed
order, and written in the corrections format into a temporary folder; the refit then
replays the rest of the corpus as usual. Prints the wall time of the refit (reading the
corrections and the corpus, training every member, checking the held-out share, writing
the folder) and the seconds per member, and appends a JSON line to ``--log`` if given.

usage: python benchmarks/refit_time.py [--model DIR] [--n 300] [--epochs 3] [--replay N] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from edm_stance.corrections import CorrectionLog, check_correction
from edm_stance.errors import DataFileError
from edm_stance.refit import RefitSettings, refit_stance_model
from edm_stance.stance_data import LABELS, corpus_examples, default_corpus_path, read_corpus_file
from edm_stance.targets import load_targets


def write_corrections(folder: Path, n: int, region: str, corpus: Path) -> int:
    """Write ``n`` corrections from the corpus pairs of ``region`` (gold labels as the analyst's); return how many."""
    paragraphs = [p for p in read_corpus_file(corpus) if p.region == region]
    log = CorrectionLog(folder=folder, analyst="benchmark")
    written = 0
    for example in corpus_examples(paragraphs, load_targets())[:n]:
        label = LABELS[example.label]
        try:
            strength = check_correction(label, example.strength)
        except DataFileError:  # a corpus strength that does not fit its label: leave it out
            strength = None
        article_id, paragraph, target = example.key
        log.append({"article_id": article_id, "paragraph": paragraph, "target": target, "label": label,
                    "strength": strength, "note": "", "target_label": example.input.target_name,
                    "mentions": [list(span) for span in example.input.spans], "text": example.input.text,
                    "model": "benchmark"})
        written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="the model to refit (default: the shipped one)")
    parser.add_argument("--n", type=int, default=300, help="corrections (default 300)")
    parser.add_argument("--region", default="ngo", help="corpus region the corrections come from (default ngo)")
    parser.add_argument("--epochs", type=int, default=RefitSettings().epochs)
    parser.add_argument("--replay", type=int, help="replayed examples per epoch (default: as the refit's)")
    parser.add_argument("--holdout", type=float, default=RefitSettings().holdout)
    parser.add_argument("--top-layers", type=int, help="train only the top N layers' LoRA weights")
    parser.add_argument("--corpus", default=str(default_corpus_path()))
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--log", help="append the result as a JSON line to this file")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="refit-time-") as work:
        work = Path(work)
        n = write_corrections(work / "corrections", args.n, args.region, Path(args.corpus))
        settings = RefitSettings(epochs=args.epochs, replay=args.replay, holdout=args.holdout,
                                 top_layers=args.top_layers)
        started = time.perf_counter()
        report = refit_stance_model(work / "model", work / "corrections", model_dir=args.model,
                                    corpus_paths=[args.corpus], settings=settings)
        seconds = time.perf_counter() - started
    result = {"model": args.model or "shipped", "corrections": n, "trained_on": report["n_corrections"],
              "held_out": report["n_held_out"], "members": report["members"], "epochs": args.epochs,
              "replay_per_epoch": report["replay"]["per_epoch"], "top_layers": args.top_layers, "threads": torch.get_num_threads(),
              "cpus": os.cpu_count(), "load_average": os.getloadavg()[0], "seconds": round(seconds, 1)}
    print(f"refit on {n} corrections ({report['n_corrections']} trained on, {report['n_held_out']} held out), "
          f"{report['members']} member(s) x {args.epochs} epoch(s), replaying {report['replay']['per_epoch']} per epoch: "
          f"{seconds / 60:.1f} min ({seconds / report['members']:.0f} s per member), {torch.get_num_threads()} threads, "
          f"load average {result['load_average']:.1f}")
    agreement = report.get("held_out_agreement")
    if agreement:
        print("held-out stance accuracy before/after: "
              f"{agreement['before']['all']['stance_accuracy']:.3f} / {agreement['after']['all']['stance_accuracy']:.3f}")
    if args.log:
        with open(args.log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    sys.exit(main())
