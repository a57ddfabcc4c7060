"""The ``edm-stance train`` command: train the paragraph model, refit it on corrections, or train ``tsc``.

Kept apart from :mod:`edm_stance.cli`, which registers it with :func:`add_train_command`
and runs it with :func:`run_train`.
"""

from __future__ import annotations

import argparse
import logging
import os

from .batch import positive_int
from .errors import EdmStanceError

__all__ = ["add_train_command", "run_train"]


def add_train_command(commands) -> None:
    """Add the ``train`` subcommand and its options to an argparse subparsers object."""
    train = commands.add_parser(
        "train",
        help="train the paragraph stance model (cross-validated, calibrated ensemble)",
        description="Train the default paragraph model: NewsMTSC sentences first, then the synthetic EDM-style "
        "corpus; grouped cross-validation (folds by article) fits the calibration and reports the codebook "
        "metrics; then the ensemble's members are trained on all of it. On 2 CPU cores the full default run "
        "takes hours (see MODEL.md); --cv 0 --members 1 is the quickest real model. --recipe tsc trains "
        "the older sentence-level tsc adapter instead. With --corrections: refit a trained paragraph model (--model) "
        "on analysts' corrections, replaying a sample of the corpus (and of NewsMTSC, when given) so that it does "
        "not forget, and hold out a share of the corrected paragraphs to check it.",
    )
    train.add_argument("--output", required=True, metavar="DIR", help="where to write the model folder")
    train.add_argument("--corrections", metavar="FILE_OR_FOLDER",
                       help="refit on these corrections (a corrections file or a folder of them, e.g. data/corrections)")
    train.add_argument("--model", metavar="DIR", help="with --corrections: the model to refit (default: the shipped one)")
    train.add_argument("--holdout", type=float, metavar="SHARE",
                       help="with --corrections: share of corrected paragraphs held out to check the refit (default 0.2)")
    train.add_argument("--top-layers", type=positive_int, metavar="N",
                       help="with --corrections: train only the top N layers' LoRA weights (quicker; default: all)")
    train.add_argument("--replay", type=int, metavar="N",
                       help="with --corrections: earlier training examples replayed per epoch (default: as many as "
                       "the corrections, at least 64)")
    train.add_argument("--recipe", choices=["paragraph", "tsc"], default="paragraph")
    train.add_argument("--base-model", metavar="NAME_OR_PATH",
                       help="any Hugging Face encoder (hub id or folder); default: the packaged all-MiniLM-L6-v2")
    train.add_argument("--corpus", action="append", metavar="FILE",
                       help="corpus JSONL file (repeatable); default: data/training/synthetic-edm/paragraphs.jsonl")
    train.add_argument("--newsmtsc", metavar="DIR",
                       help="NewsMTSC folder with train.jsonl (default: $EDM_STANCE_NEWSMTSC; see README)")
    train.add_argument("--no-newsmtsc", action="store_true", help="train on the corpus alone (no stage 1)")
    train.add_argument("--members", type=positive_int, default=None, help="ensemble size (default: as shipped)")
    train.add_argument("--cv", type=int, default=5, metavar="K", help="cross-validation folds, 0 to skip; default 5")
    train.add_argument("--epochs", type=positive_int, help="corpus epochs (tsc: NewsMTSC epochs)")
    train.add_argument("--learning-rate", type=float, help="corpus-stage learning rate (tsc: its learning rate)")
    train.add_argument("--batch-size", type=positive_int)
    train.add_argument("--lora-r", type=positive_int, help="LoRA rank (alpha is twice it)")
    train.add_argument("--max-length", type=positive_int, help="tokens per paragraph and target (paragraph recipe)")
    train.add_argument("--no-bf16", action="store_true", help="train in float32 (bf16 autocast is the default)")
    train.add_argument("--entity-swap", type=float, default=0.3, help="tsc recipe: share of mentions swapped")
    train.add_argument("--seed", type=int, default=13)
    train.add_argument("--limit", type=positive_int, help="use only the first N examples (smoke test)")


def run_train(args: argparse.Namespace) -> None:
    """Train from the corpus, refit on corrections (``--corrections``), or train tsc (``--recipe tsc``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    refit_only = {"--model": args.model, "--holdout": args.holdout, "--replay": args.replay,
                  "--top-layers": args.top_layers}
    if args.corrections:
        _refit(args)
        return
    given = [name for name, value in refit_only.items() if value is not None]
    if given:
        raise EdmStanceError(f"{', '.join(given)}: only for a refit (with --corrections); drop it to train from "
                             "the corpus")
    if args.recipe == "tsc":
        _train_tsc(args)
        return
    from dataclasses import replace

    from .newsmtsc import newsmtsc_dir
    from .stance_data import default_corpus_path
    from .stance_pipeline import SHIPPED_MEMBERS, train_stance_model
    from .stance_training import TrainSettings

    settings = TrainSettings(base_model=args.base_model, seed=args.seed, bf16=not args.no_bf16)
    stage2 = {k: v for k, v in {"epochs": args.epochs, "learning_rate": args.learning_rate}.items() if v is not None}
    settings = replace(settings, stage2=replace(settings.stage2, **stage2))
    if args.lora_r:
        settings = replace(settings, lora_r=args.lora_r, lora_alpha=2 * args.lora_r)
    if args.batch_size:
        settings = replace(settings, batch_size=args.batch_size)
    if args.max_length:
        settings = replace(settings, max_length=args.max_length)
    newsmtsc = None if args.no_newsmtsc else newsmtsc_dir(args.newsmtsc)
    corpus = args.corpus or [str(default_corpus_path())]
    report = train_stance_model(args.output, settings=settings, corpus_paths=corpus, newsmtsc_dir=newsmtsc,
                                members=args.members or SHIPPED_MEMBERS, cv_folds=args.cv, limit=args.limit)
    cv = report.get("cv")
    if cv:
        print(f"cross-validation ({cv['folds']} folds): stance macro-F1 {cv['metrics']['all']['stance_macro_f1']:.3f}, "
              f"temperature {cv['temperature']:.2f}, ECE {cv['ece_before']:.3f} -> {cv['ece_after']:.3f}")
    print(f"trained {report['training']['members']} member(s) in {report['training_seconds'] / 60:.1f} min; "
          f"saved to {args.output}")


def _refit(args: argparse.Namespace) -> None:
    from .newsmtsc import NEWSMTSC_ENV, newsmtsc_dir
    from .refit import RefitSettings, refit_stance_model
    from .stance_data import default_corpus_path

    fixed = {"--recipe tsc": args.recipe == "tsc", "--base-model": args.base_model, "--members": args.members,
             "--lora-r": args.lora_r, "--max-length": args.max_length, "--limit": args.limit,
             "--batch-size": args.batch_size}
    given = [name for name, value in fixed.items() if value]
    if given:
        raise EdmStanceError(f"{', '.join(given)} cannot change in a refit (the model keeps its architecture and "
                             "ensemble); drop it, or train a new model without --corrections")
    defaults = RefitSettings()
    settings = RefitSettings(
        epochs=args.epochs or defaults.epochs, learning_rate=args.learning_rate or defaults.learning_rate,
        replay=args.replay, holdout=defaults.holdout if args.holdout is None else args.holdout,
        top_layers=args.top_layers, seed=args.seed)
    if not 0.0 <= settings.holdout < 1.0:
        raise EdmStanceError(f"--holdout must be a share from 0 up to (not including) 1; got {args.holdout}")
    if settings.replay is not None and settings.replay < 0:
        raise EdmStanceError(f"--replay must be 0 or more; got {args.replay}")
    use_newsmtsc = not args.no_newsmtsc and (args.newsmtsc or os.environ.get(NEWSMTSC_ENV))
    report = refit_stance_model(args.output, args.corrections, model_dir=args.model,
                                corpus_paths=args.corpus or [str(default_corpus_path())],
                                newsmtsc_dir=newsmtsc_dir(args.newsmtsc) if use_newsmtsc else None, settings=settings)
    print(f"refitted {report['members']} member(s) on {report['n_corrections']} correction(s) "
          f"({report['n_held_out']} held out) in {report['seconds'] / 60:.1f} min; saved to {args.output}")
    agreement = report.get("held_out_agreement")
    if agreement:
        before, after = agreement["before"]["all"], agreement["after"]["all"]
        print(f"held-out corrections: stance accuracy {before['stance_accuracy']:.3f} -> {after['stance_accuracy']:.3f}, "
              f"macro-F1 {before['stance_macro_f1']:.3f} -> {after['stance_macro_f1']:.3f}")


def _train_tsc(args: argparse.Namespace) -> None:
    from .newsmtsc import newsmtsc_dir
    from .training import TrainConfig, train

    defaults = TrainConfig()
    config = TrainConfig(
        epochs=args.epochs or defaults.epochs,
        batch_size=args.batch_size or defaults.batch_size,
        learning_rate=args.learning_rate or defaults.learning_rate,
        lora_r=args.lora_r or defaults.lora_r,
        lora_alpha=2 * (args.lora_r or defaults.lora_r),
        entity_swap=args.entity_swap,
        seed=args.seed,
        limit=args.limit,
    )
    report = train(newsmtsc_dir(args.newsmtsc), args.output, config)
    print(f"best epoch {report['best_epoch']}, train-dev F1m {report['history'][report['best_epoch'] - 1]['f1m']:.3f}; "
          f"saved to {args.output}")
