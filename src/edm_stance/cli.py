"""The ``edm-stance`` command: score articles, their issue frames, evaluate against gold, train the model.

Only parses options and calls the package. :func:`main` is the one place that decides how
trouble reaches the user: every expected failure is an :class:`EdmStanceError` (and a bad
option an argparse error), printed as one line ``edm-stance: error: ...`` with exit code 2;
an :class:`EdmStanceWarning` is one line ``edm-stance: warning: ...`` and the run goes on;
Ctrl-C exits with 130 and SIGTERM with 143, after the same clean-up (no partial file, no
worker process left). Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Iterator, NoReturn, Sequence

import pandas as pd

from .batch import add_input_options, add_run_options, positive_int
from .cli_train import add_train_command, run_train
from .errors import EdmStanceError, EdmStanceWarning
from .scoring.registry import DEFAULT_SCORER

__all__ = ["main"]

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
  edm-stance frames data/raw/ -o frames.csv                 each paragraph's issue frames (trained model)
  edm-stance frames article.txt --frames my_frames.yaml     your own frames (zero-shot similarity)
  edm-stance evaluate --gold gold.csv --pred out.csv        codebook metrics
  edm-stance train --corrections data/corrections/ --output models/refit-1   refit on analysts' corrections
  edm-stance evaluate --gold data/corrections/ --model models/refit-1        agreement before/after the refit
  edm-stance targets                                        list targets and their aliases
  edm-stance targets --explain article.txt                  why each target is present in each paragraph
"""


_ENTITIES_HELP = ("add spaCy's entity step to target presence (organisations by role, pollsters, appositions, "
                  "dependency guards; about 0.1-0.2 s more per article); default: rules only")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="edm-stance", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    score = commands.add_parser(
        "score",
        help="score paragraphs × targets of one or more articles",
        description="Score every paragraph of the given articles toward every target. Writes one row per "
        "paragraph and target: article_id, paragraph, target, label, score, confidence, n_mentions, evidence.",
    )
    add_input_options(score)
    score.add_argument("--scorer", default=DEFAULT_SCORER, metavar="NAME",
                       help="paragraph (the paragraph stance model, default), tsc (the sentence-level model it "
                       "replaced), nli (zero-shot NLI model, needs --model) or lexicon (VADER baseline); default: "
                       f"{DEFAULT_SCORER}")
    score.add_argument("--model", metavar="PATH", help="model folder or hub id for scorers that take one")
    score.add_argument("--targets", metavar="FILE", help="YAML file with more targets (see data/targets.yaml)")
    score.add_argument("--target", action="append", metavar="NAME", help="score only this target (repeatable)")
    score.add_argument("--entities", action="store_true", help=_ENTITIES_HELP)
    score.add_argument("--batch-size", type=positive_int, default=None, metavar="N", help="mentions per model batch")
    add_run_options(score)

    frames = commands.add_parser(
        "frames",
        help="each paragraph's issue frames: dominant, runner-up and every frame's share",
        description="Give every paragraph of the given articles a share of each issue frame (the shares of a "
        "paragraph sum to 1). Writes one row per paragraph: article_id, paragraph, frame (the dominant one), share, "
        "runner_up, runner_up_share, share_<frame> for every frame, and the article's metadata. The shipped nine "
        "frames are scored by the trained frame model (calibrated probabilities of the dominant frame); a frame set "
        "of your own (--frames) by zero-shot similarity to its descriptions and examples.",
    )
    add_input_options(frames)
    frames.add_argument("--frames", metavar="FILE", dest="frames_file",
                        help="YAML file with your own frame set (see data/frames.yaml); scored by similarity")
    frames.add_argument("--model", metavar="DIR",
                        help="frame model folder (experiments/frames_cv.py --train-final); default: "
                        "$EDM_STANCE_FRAME_MODEL, else the shipped model")
    frames.add_argument("--method", choices=["auto", "model", "similarity"], default="auto",
                        help="auto (default): the model for the shipped frames or with --model, similarity for "
                        "--frames; or force one")
    frames.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                        help="paragraphs (model) or sentences (similarity) per batch")
    add_run_options(frames)

    evaluate = commands.add_parser(
        "evaluate",
        help="compare predictions with gold annotations (codebook metrics) or a model with NewsMTSC",
        description="With --gold and --pred: presence P/R/F1 per target, stance macro-F1 and accuracy on "
        "gold-present pairs, Spearman of score vs gold strength. With --gold CORRECTIONS (a folder or file of "
        "analysts' corrections) and no --pred: the same metrics for the paragraph model (--model) and the model it "
        "was refitted from, on the corrections neither was trained on. With --newsmtsc: macro-F1 (F1m) and accuracy "
        "of a scorer's mention classifier on a NewsMTSC split.",
    )
    evaluate.add_argument("--gold", metavar="GOLD",
                          help="gold file in the codebook's format, or a corrections folder or file (review notebook)")
    evaluate.add_argument("--pred", metavar="PRED.csv", help="predictions written by 'edm-stance score'")
    evaluate.add_argument("--newsmtsc", metavar="FILE", help="a NewsMTSC .jsonl split, e.g. devtest_rw.jsonl")
    evaluate.add_argument("--scorer", default=DEFAULT_SCORER, metavar="NAME", help="scorer for --newsmtsc")
    evaluate.add_argument("--model", metavar="PATH",
                          help="model folder (or hub id, for nli) for --newsmtsc; the paragraph model to check against "
                          "corrections (default: the shipped one)")
    evaluate.add_argument("--baseline", metavar="DIR",
                          help="with corrections: a paragraph model to compare with (default: the model --model was "
                          "refitted from)")

    add_train_command(commands)

    report = commands.add_parser(
        "report",
        help="run the analysis notebooks on an article: executed notebooks, HTML and figures",
        description="Execute notebooks/01-03 with papermill on the article and write reports/<article_id>/: "
        "the executed notebooks, their HTML, figures/ (PNG and SVG) and the tables. Run from the project's root.",
    )
    report.add_argument("path", metavar="ARTICLE", help="an EDM article .txt file")
    report.add_argument("-o", "--output", metavar="DIR", help="report folder; default: reports/<article_id>")
    report.add_argument("--scorer", default=DEFAULT_SCORER, metavar="NAME", help=f"stance scorer; default: {DEFAULT_SCORER}")
    report.add_argument("--model", metavar="PATH", help="the scorer's model folder (e.g. a refitted one); default: shipped")
    report.add_argument("--notebooks", default="notebooks", metavar="DIR", help="folder of the notebooks; default: notebooks")

    targets = commands.add_parser(
        "targets", help="list the targets and what counts as a mention, or explain presence in an article",
        description="Without --explain, list each target's aliases and rules. With --explain FILE, print per "
        "paragraph and target which rule (alias, pattern, role name, title, name, entity) made the target present.",
    )
    targets.add_argument("--targets", metavar="FILE", help="YAML file with more targets")
    targets.add_argument("--explain", metavar="FILE", help="an article: show why each target is present or absent")
    targets.add_argument("--target", action="append", metavar="NAME", help="only this target (repeatable)")
    targets.add_argument("--entities", action="store_true", help=_ENTITIES_HELP)
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
    from .batch import check_outputs, choose_engine, open_cache, print_table, read_inputs, write_outputs
    from .cache import ResultCache
    from .runner import score_corpus
    from .scoring import COLUMNS, get_scorer
    from .targets import load_targets

    # Everything that can be checked is checked before any article is read or scored.
    engine = choose_engine(args)
    targets = load_targets(args.targets, entities=args.entities)
    if args.target:
        targets = targets.select(args.target)
    kwargs = {}
    if args.model:
        kwargs["model_name_or_path"] = args.model
    if args.batch_size:
        kwargs["batch_size"] = args.batch_size
    scorer = get_scorer(args.scorer, **kwargs)
    identity = scorer.identity() if hasattr(scorer, "identity") else {"scorer": args.scorer}  # checks --model
    manifest = check_outputs(args)
    cache = open_cache(args, lambda folder: ResultCache(folder, scorer_identity=identity, targets=targets))
    corpus = read_inputs(args)
    result = score_corpus(corpus.articles, scorer, targets, cache=cache, chunk_size=args.chunk_size,
                          engine=engine, workers=args.workers, scheduler=args.scheduler)
    table = result.table
    if args.output:
        write_outputs(args, result, corpus, manifest, cache, _summary(table))
    else:
        shown = table[[c for c in COLUMNS if c not in {"score_low", "score_high"}]].assign(score=table["score"].round(2), confidence=table["confidence"].round(2),
                                      evidence=table["evidence"].str.slice(0, 60))
        print_table(shown, corpus, _summary(table))


def _frame_summary(table: pd.DataFrame, scorer) -> str:
    labels = {name: frame.label for name, frame in scorer.frame_set.items()}
    counts = ", ".join(f"{labels[name]} {count}" for name, count in table["frame"].value_counts().items())
    how = f"the frame model {scorer.model_dir}" if scorer.method_used == "model" else "zero-shot similarity"
    return (f"{table['article_id'].nunique()} article(s), {len(table)} paragraph(s), frames by {how}\n"
            f"dominant frames (paragraphs): {counts}")


def _frames(args: argparse.Namespace) -> None:
    from .batch import check_outputs, choose_engine, open_cache, print_table, read_inputs, write_outputs
    from .cache import FrameCache
    from .frames import FrameScorer, load_frames
    from .runner import score_frames

    engine = choose_engine(args)
    frame_set = load_frames(args.frames_file) if args.frames_file else None
    scorer = FrameScorer(frames=frame_set, method=args.method, model_name_or_path=args.model,
                         **({"batch_size": args.batch_size} if args.batch_size else {}))
    identity = scorer.identity()  # checks the model folder and its frames before any work
    manifest = check_outputs(args)
    cache = open_cache(args, lambda folder: FrameCache(folder, scorer_identity=identity))
    corpus = read_inputs(args)
    result = score_frames(corpus.articles, scorer, cache=cache, chunk_size=args.chunk_size, engine=engine,
                          workers=args.workers, scheduler=args.scheduler)
    table = result.table
    if args.output:
        write_outputs(args, result, corpus, manifest, cache, _frame_summary(table, scorer))
    else:
        shown = table[["article_id", "paragraph", "frame", "share", "runner_up", "runner_up_share"]]
        print_table(shown.round({"share": 2, "runner_up_share": 2}), corpus, _frame_summary(table, scorer))


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
    from .corrections import is_corrections

    if args.gold and is_corrections(args.gold):
        _evaluate_corrections(args)
    elif args.gold or args.pred:
        if not (args.gold and args.pred):
            raise EdmStanceError("evaluate needs both --gold and --pred (or --gold with a corrections folder or file)")
        report = evaluate_tables(read_table(args.gold, kind="gold"), read_table(args.pred, kind="prediction"))
        with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
            print(report.to_string())
        if report.attrs["unmatched_gold_rows"]:
            print(f"note: {report.attrs['unmatched_gold_rows']} gold row(s) had no prediction and count as 'absent'")
    if not (args.newsmtsc or args.gold or args.pred):
        raise EdmStanceError("evaluate needs --gold and --pred, or --newsmtsc FILE")


def _evaluate_corrections(args: argparse.Namespace) -> None:
    from .corrections import latest_corrections, read_corrections
    from .evaluation import evaluate_tables, read_table
    from .refit import evaluate_corrections

    if args.pred:
        gold = latest_corrections(read_corrections(args.gold))[["article_id", "paragraph", "target", "label", "strength"]]
        report = evaluate_tables(gold, read_table(args.pred, kind="prediction"))
    else:
        report, counts = evaluate_corrections(args.gold, args.model, args.baseline)
        if not counts["n_evaluated"]:
            raise EdmStanceError(f"{args.gold}: every one of its {counts['n_corrections']} correction(s) was used to "
                                 "train the model; nothing is left to check it on (correct more paragraphs, or refit "
                                 "with --holdout)")
        print(f"{args.gold}: {counts['n_corrections']} corrected pair(s); {counts['n_trained_on']} used to train the "
              f"model(s) are left out; agreement on the other {counts['n_evaluated']}:")
        for name, path in counts["models"].items():
            print(f"  {name}: {path}")
        if counts["note"]:
            print(f"note: {counts['note']}")
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(report.to_string(sparsify=False))


def _report(args: argparse.Namespace) -> None:
    from .report import run_report

    folder = run_report(args.path, output_dir=args.output, scorer=args.scorer, model=args.model or "",
                        notebooks_dir=args.notebooks)
    print(f"wrote the report to {folder}")


def _targets(args: argparse.Namespace) -> None:
    from .targets import load_targets

    targets = load_targets(args.targets, entities=args.entities)
    if args.target:
        targets = targets.select(args.target)
    if args.explain:
        from .article import read_article
        from .presence import explain_presence

        print("\n".join(explain_presence(read_article(args.explain), targets)))
        return
    for target in targets.values():
        print(f"{target.name}: {target.label}")
        print(f"  aliases: {', '.join(target.aliases)}")
        if target.patterns:
            print(f"  patterns: {' | '.join(target.patterns)}")
        for key in ("roles", "blockers", "titles", "intros", "guards", "places"):
            if getattr(target, key):
                print(f"  {key}: {' | '.join(getattr(target, key))}")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs (temporary files, worker processes)."""


def _raise_terminated(signum, frame) -> NoReturn:
    raise _Terminated()


def _one_line(message: object) -> str:
    return " ".join(str(message).split("\n"))


def _show_warning(message, category, filename, lineno, file=None, line=None, _default=warnings.showwarning) -> None:
    if issubclass(category, EdmStanceWarning):
        print(f"edm-stance: warning: {_one_line(message)}", file=sys.stderr, flush=True)
    else:
        _default(message, category, filename, lineno, file, line)


@contextlib.contextmanager
def _user_facing() -> Iterator[None]:
    """Show the package's warnings as one line each, and turn SIGTERM into a clean stop (main thread only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", EdmStanceWarning)
        warnings.showwarning = _show_warning
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input, 130 interrupted, 143 terminated)."""
    args = _build_parser().parse_args(argv)
    handlers = {"score": _score, "frames": _frames, "evaluate": _evaluate, "train": run_train, "report": _report,
                "targets": _targets}
    try:
        with _user_facing():
            handlers[args.command](args)
    except EdmStanceError as exc:
        print(f"edm-stance: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head or less that closed early
        sys.stderr.close()
        return 0
    except _Terminated:
        print("edm-stance: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("edm-stance: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
