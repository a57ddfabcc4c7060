"""The ``edm-stance`` command: score articles, evaluate against gold, train the model.

Only parses options and calls the package; every expected failure is an EdmStanceError,
printed as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

import pandas as pd

from .errors import EdmStanceError

__all__ = ["main"]

DEFAULT_SCORER = "tsc"

_DESCRIPTION = """\
Stance of each paragraph of Eurasia Daily Monitor articles toward Russia, the West and NGOs
(and any target you define). Labels follow the project's CODEBOOK.md: absent, critical,
neutral, favorable.

examples:
  edm-stance score data/raw/edm-v3-i138.txt                 print the table
  edm-stance score data/raw/ -o out.csv                     every .txt in a folder, as CSV
  edm-stance score archive/ -o results.parquet --workers 2  a whole archive, cached and resumable
  edm-stance score archive/ -o r.parquet --engine dask --scheduler tcp://HOST:8786
  edm-stance score --fetch https://jamestown.org/program/... -o r.csv   download, then score
  edm-stance score article.txt --targets my_targets.yaml    add your own targets
  edm-stance evaluate --gold gold.csv --pred out.csv        codebook metrics
  edm-stance targets                                        list targets and their aliases
"""


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edm-stance", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    score = commands.add_parser(
        "score",
        help="score paragraphs × targets of one or more articles",
        description="Score every paragraph of the given articles toward every target. Writes one row per "
        "paragraph and target: article_id, paragraph, target, label, score, confidence, n_mentions, evidence.",
    )
    score.add_argument("paths", nargs="+", metavar="PATH",
                       help="article .txt files or saved jamestown.org .html pages, folders of them (searched "
                       "recursively), or URLs with --fetch")
    score.add_argument("-o", "--output", metavar="OUT",
                       help="write the table here, as CSV (.csv) or Parquet (.parquet), with a manifest of the "
                       "inputs next to it (OUT's name + .manifest.csv); without it, print the table")
    score.add_argument("--scorer", default=DEFAULT_SCORER, metavar="NAME",
                       help=f"tsc (trained model, default), nli (zero-shot NLI model, needs --model) or lexicon "
                       f"(VADER baseline); default: {DEFAULT_SCORER}")
    score.add_argument("--model", metavar="PATH", help="model folder or hub id for scorers that take one")
    score.add_argument("--targets", metavar="FILE", help="YAML file with more targets (see data/targets.yaml)")
    score.add_argument("--target", action="append", metavar="NAME", help="score only this target (repeatable)")
    score.add_argument("--encoding", metavar="ENC", help="read articles with this encoding instead of detecting it")
    score.add_argument("--batch-size", type=_positive_int, default=None, metavar="N", help="mentions per model batch")
    score.add_argument("--fetch", action="store_true",
                       help="download the URLs among PATHs (one request per second, with retries) into the "
                       "cache's pages/ folder, then score them")
    score.add_argument("--cache-dir", metavar="DIR",
                       help="results cache folder (default: $EDM_STANCE_CACHE, else ~/.cache/edm-stance)")
    score.add_argument("--no-cache", action="store_true", help="neither read nor write cached results")
    score.add_argument("--chunk-size", type=_positive_int, default=32, metavar="N",
                       help="articles scored together (one model batch stream, one cache write); default: 32")
    score.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                       help="local worker processes (or Dask workers when --engine dask has no --scheduler)")
    score.add_argument("--engine", choices=["local", "processes", "dask"], default=None,
                       help="where to score: this process (default), --workers local processes, or a Dask cluster")
    score.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")

    evaluate = commands.add_parser(
        "evaluate",
        help="compare predictions with gold annotations (codebook metrics) or a model with NewsMTSC",
        description="With --gold and --pred: presence P/R/F1 per target, stance macro-F1 and accuracy on "
        "gold-present pairs, Spearman of score vs gold strength. With --newsmtsc: macro-F1 (F1m) and accuracy "
        "of a scorer's mention classifier on a NewsMTSC split.",
    )
    evaluate.add_argument("--gold", metavar="GOLD.csv", help="gold file in the codebook's format")
    evaluate.add_argument("--pred", metavar="PRED.csv", help="predictions written by 'edm-stance score'")
    evaluate.add_argument("--newsmtsc", metavar="FILE", help="a NewsMTSC .jsonl split, e.g. devtest_rw.jsonl")
    evaluate.add_argument("--scorer", default=DEFAULT_SCORER, metavar="NAME", help="scorer for --newsmtsc")
    evaluate.add_argument("--model", metavar="PATH", help="model folder (or hub id, for nli) for --newsmtsc")

    train = commands.add_parser(
        "train",
        help="train the LoRA stance adapter on NewsMTSC (about 20-25 minutes on 2 CPU cores)",
        description="Train the tsc model: LoRA on all-MiniLM-L6-v2 with a 3-way head, on NewsMTSC train.jsonl "
        "minus a held-out train-dev slice that picks the best epoch and the neutral band.",
    )
    train.add_argument("--data", metavar="DIR",
                       help="the NewsMTSC folder with train.jsonl; default: $EDM_STANCE_NEWSMTSC")
    train.add_argument("--output", required=True, metavar="DIR", help="where to write the adapter")
    train.add_argument("--epochs", type=_positive_int, default=5)
    train.add_argument("--batch-size", type=_positive_int, default=32)
    train.add_argument("--learning-rate", type=float, default=5e-4)
    train.add_argument("--lora-r", type=_positive_int, default=32, help="LoRA rank (alpha is twice it)")
    train.add_argument("--entity-swap", type=float, default=0.3, help="share of mentions swapped for state/organisation names")
    train.add_argument("--seed", type=int, default=13)
    train.add_argument("--limit", type=_positive_int, help="train on the first N examples only (smoke test)")

    report = commands.add_parser(
        "report",
        help="run the analysis notebooks on an article: executed notebooks, HTML and figures",
        description="Execute notebooks/01-03 with papermill on the article and write reports/<article_id>/: "
        "the executed notebooks, their HTML, figures/ (PNG and SVG) and the tables. Run from the project's root.",
    )
    report.add_argument("path", metavar="ARTICLE", help="an EDM article .txt file")
    report.add_argument("-o", "--output", metavar="DIR", help="report folder; default: reports/<article_id>")
    report.add_argument("--scorer", default=DEFAULT_SCORER, metavar="NAME", help=f"stance scorer; default: {DEFAULT_SCORER}")
    report.add_argument("--notebooks", default="notebooks", metavar="DIR", help="folder of the notebooks; default: notebooks")

    targets = commands.add_parser("targets", help="list the targets and what counts as a mention")
    targets.add_argument("--targets", metavar="FILE", help="YAML file with more targets")
    return parser


def _summary(table: pd.DataFrame) -> str:
    present = table[table["label"] != "absent"]
    counts = table.groupby("target", sort=False)["label"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=["critical", "neutral", "favorable", "absent"], fill_value=0)
    counts["mean score"] = present.groupby("target", sort=False)["score"].mean().round(2)
    n_articles = table["article_id"].nunique()
    n_paragraphs = len(table[["article_id", "paragraph"]].drop_duplicates())
    return f"{n_articles} article(s), {n_paragraphs} paragraph(s), {len(table)} rows\n{counts.to_string()}"


def _score(args: argparse.Namespace) -> None:
    from .cache import ResultCache, default_cache_dir
    from .corpus import read_corpus
    from .fetch import PageFetcher
    from .output import write_table
    from .runner import score_corpus
    from .scoring import COLUMNS, get_scorer
    from .targets import load_targets

    targets = load_targets(args.targets)
    if args.target:
        targets = targets.select(args.target)
    kwargs = {}
    if args.model:
        kwargs["model_name_or_path"] = args.model
    if args.batch_size:
        kwargs["batch_size"] = args.batch_size
    scorer = get_scorer(args.scorer, **kwargs)
    cache_dir = Path(args.cache_dir) if args.cache_dir else default_cache_dir()
    fetcher = PageFetcher(directory=cache_dir / "pages") if args.fetch else None
    corpus = read_corpus(args.paths, encoding=args.encoding, fetcher=fetcher)
    cache = None if args.no_cache else ResultCache(cache_dir, scorer_identity=scorer.identity(), targets=targets)
    engine = args.engine or ("dask" if args.scheduler else "processes" if args.workers > 1 else "local")
    result = score_corpus(corpus.articles, scorer, targets, cache=cache, chunk_size=args.chunk_size,
                          engine=engine, workers=args.workers, scheduler=args.scheduler)
    table = result.table
    if args.output:
        write_table(table, args.output)
        manifest = Path(args.output).with_suffix(".manifest.csv")
        write_table(corpus.manifest_frame(result.status), manifest)
        print(_summary(table))
        print(f"{result.n_scored} article(s) scored, {result.n_cached} read from the cache, "
              f"{len(corpus.skipped)} file(s) skipped (see {manifest})")
        print(f"wrote {len(table)} rows to {args.output}")
    else:
        shown = table[COLUMNS].assign(score=table["score"].round(2), confidence=table["confidence"].round(2),
                                      evidence=table["evidence"].str.slice(0, 60))
        print(shown.to_string(index=False))
        print()
        print(_summary(table))
        for entry in corpus.skipped:
            print(f"skipped {entry.path}: {entry.reason}")


def _evaluate(args: argparse.Namespace) -> None:
    from .evaluation import evaluate_tables, newsmtsc_metrics, read_table

    if args.newsmtsc:
        from .newsmtsc import read_newsmtsc
        from .scoring import get_scorer

        examples = read_newsmtsc(args.newsmtsc)
        scorer = get_scorer(args.scorer, **({"model_name_or_path": args.model} if args.model else {}))
        if not hasattr(scorer, "mention_probabilities"):
            raise EdmStanceError(f"the {args.scorer!r} scorer has no mention classifier to evaluate on NewsMTSC")
        probs = scorer.mention_probabilities([ex.mention for ex in examples])
        labels = [ex.label for ex in examples]
        scores = newsmtsc_metrics(probs, labels)
        print(f"{Path(args.newsmtsc).name}: {scores['n']} mentions, scorer {args.scorer}")
        print(f"F1m {100 * scores['f1m']:.1f}  accuracy {100 * scores['accuracy']:.1f}  (most probable class)")
    if args.gold or args.pred:
        if not (args.gold and args.pred):
            raise EdmStanceError("evaluate needs both --gold and --pred")
        report = evaluate_tables(read_table(args.gold, kind="gold"), read_table(args.pred, kind="prediction"))
        with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
            print(report.to_string())
        if report.attrs["unmatched_gold_rows"]:
            print(f"note: {report.attrs['unmatched_gold_rows']} gold row(s) had no prediction and count as 'absent'")
    if not (args.newsmtsc or args.gold or args.pred):
        raise EdmStanceError("evaluate needs --gold and --pred, or --newsmtsc FILE")


def _train(args: argparse.Namespace) -> None:
    from .newsmtsc import newsmtsc_dir
    from .training import TrainConfig, train

    data = newsmtsc_dir(args.data)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        lora_r=args.lora_r,
        lora_alpha=2 * args.lora_r,
        entity_swap=args.entity_swap,
        seed=args.seed,
        limit=args.limit,
    )
    report = train(data, args.output, config)
    print(f"best epoch {report['best_epoch']}, train-dev F1m {report['history'][report['best_epoch'] - 1]['f1m']:.3f}; "
          f"saved to {args.output}")


def _report(args: argparse.Namespace) -> None:
    from .report import run_report

    folder = run_report(args.path, output_dir=args.output, scorer=args.scorer, notebooks_dir=args.notebooks)
    print(f"wrote the report to {folder}")


def _targets(args: argparse.Namespace) -> None:
    from .targets import load_targets

    for target in load_targets(args.targets).values():
        print(f"{target.name}: {target.label}")
        print(f"  aliases: {', '.join(target.aliases)}")
        if target.patterns:
            print(f"  patterns: {' | '.join(target.patterns)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input, 130 interrupted)."""
    args = _build_parser().parse_args(argv)
    handlers = {"score": _score, "evaluate": _evaluate, "train": _train, "report": _report, "targets": _targets}
    try:
        handlers[args.command](args)
    except EdmStanceError as exc:
        print(f"edm-stance: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head or less that closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("edm-stance: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
