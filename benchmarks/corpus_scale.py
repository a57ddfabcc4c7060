"""Throughput (cold and cached) and peak memory of the default scorer as the corpus grows.

For each N, two fresh processes score N articles built from the seed's real paragraphs
(benchmarks/synthetic.py): the first with an empty cache (model load included, and reported
apart), the second with everything cached. Each reports its wall time, pairs/s, articles/s,
peak resident memory (ru_maxrss) and whether the model was loaded. Run on purpose:

    .venv/bin/python benchmarks/corpus_scale.py --sizes 10 100 1000 [--scorer tsc] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_once(n: int, scorer_name: str, model: str | None, cache_dir: str) -> dict:
    """Score n articles in this process with the cache in ``cache_dir``; return the measurements."""
    sys.path.insert(0, str(HERE))
    from synthetic import count_pairs, shuffled_articles

    from edm_stance import get_scorer, load_targets, score_corpus
    from edm_stance.cache import ResultCache
    from edm_stance.scoring import tsc

    targets = load_targets()
    articles = shuffled_articles(n)
    scorer = get_scorer(scorer_name, **({"model_name_or_path": model} if model else {}))
    cache = ResultCache(cache_dir, scorer_identity=scorer.identity(), targets=targets)
    load_seconds = 0.0
    if scorer_name == "tsc" and all(cache.get(a) is None for a in articles[:1]):
        started = time.perf_counter()
        scorer.model  # load now, to report it apart
        load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = score_corpus(articles, scorer, targets, cache=cache, show_progress_bar=False)
    seconds = time.perf_counter() - started
    pairs = count_pairs(articles, targets)
    return {
        "n_articles": n,
        "pairs": pairs,
        "rows": len(result.table),
        "scored": result.n_scored,
        "cached": result.n_cached,
        "model_load_s": round(load_seconds, 2),
        "score_s": round(seconds, 3),
        "pairs_per_s": round(pairs / seconds, 1),
        "articles_per_s": round(n / seconds, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "model_loaded": tsc.load_stance_model.cache_info().currsize > 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--scorer", default="tsc")
    parser.add_argument("--model", help="adapter folder (default: the shipped one)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(args.child, args.scorer, args.model, args.cache_dir)))
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, CPU only; python {platform.python_version()}")
    header = "run     N  pairs  model load s  score s  pairs/s  articles/s  peak MiB  model loaded"
    print(header)
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as cache_dir:
            for run in ("cold", "cached"):
                command = [sys.executable, __file__, "--child", str(n), "--scorer", args.scorer, "--cache-dir", cache_dir]
                if args.model:
                    command += ["--model", args.model]
                out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
                m = json.loads(out.strip().splitlines()[-1])
                print(f"{run:6} {n:5} {m['pairs']:6} {m['model_load_s']:13.2f} {m['score_s']:8.2f} {m['pairs_per_s']:8.0f} "
                      f"{m['articles_per_s']:11.1f} {m['peak_rss_mib']:9.0f}  {m['model_loaded']}", flush=True)


if __name__ == "__main__":
    main()
