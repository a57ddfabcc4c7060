"""Issue frames per paragraph: the trained frame model, or zero-shot similarity for your own frames.

The frame set is data (``data/frames.yaml``, adapted from the Policy Frames Codebook of
Boydstun et al. to EDM): each frame has a description and a few example sentences, its
*prototypes*. :class:`FrameScorer` gives every paragraph a share of each frame (the shares
of a paragraph sum to one) by one of two methods:

- ``model``: the trained frame model (:mod:`edm_stance.frame_model`, shipped in
  ``data/frames_model/``), one pass per paragraph; its shares are calibrated probabilities
  that each frame is the paragraph's dominant one. The default for the shipped nine frames.
- ``similarity``: zero-shot similarity of the paragraph's sentences to the frames'
  prototypes (:mod:`edm_stance.frame_similarity`); the shares say how much of the paragraph
  resembles each frame, not how likely a frame is. The default for a frame set from your own
  YAML file (no model is trained on it), and available for the shipped frames on request.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import yaml

from .article import Article, Paragraph, split_sentences
from .errors import DataFileError, ModelLoadError, ScorerOptionError
from .frame_similarity import SentenceEncoder, load_sentence_encoder, similarity_shares

__all__ = [
    "DEFAULT_FRAMES_FILE",
    "FRAME_COLUMNS",
    "FRAME_METHODS",
    "Frame",
    "FrameScorer",
    "SentenceEncoder",
    "dominant_frames",
    "frame_share_table",
    "frame_stance",
    "load_frames",
    "load_sentence_encoder",
]

DEFAULT_FRAMES_FILE = "frames.yaml"
FRAME_COLUMNS = ["article_id", "paragraph", "frame", "label", "score", "share"]
FRAME_METHODS = ("auto", "model", "similarity")
_KEYS = {"label", "description", "examples"}


@dataclass(frozen=True)
class Frame:
    """An issue frame: its name, display label, description and example sentences."""

    name: str
    label: str
    description: str
    examples: tuple[str, ...] = ()

    @property
    def prototypes(self) -> tuple[str, ...]:
        """The texts a sentence is compared with: the description, then the examples."""
        return (self.description, *self.examples)


def _parse_frame(name: object, spec: object, source: str) -> Frame:
    if not isinstance(name, str) or not name.replace("_", "").isalnum() or not name[:1].isalpha():
        raise DataFileError(f"{source}: frame name {name!r} must be letters, digits and '_'")
    where = f"{source}: frame {name!r}"
    if not isinstance(spec, dict):
        raise DataFileError(f"{where} must be a mapping with 'description' (and optionally 'label', 'examples')")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise DataFileError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(_KEYS))}")
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise DataFileError(f"{where} needs a non-empty 'description'")
    examples = spec.get("examples") or []
    if not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
        raise DataFileError(f"{where}: 'examples' must be a list of non-empty sentences")
    return Frame(name, str(spec.get("label") or name), description.strip(), tuple(e.strip() for e in examples))


def load_frames(path: str | Path | None = None) -> dict[str, Frame]:
    """Load the issue frames from ``path``, or the shipped ``data/frames.yaml``.

    Parameters
    ----------
    path : str or Path, optional
        A YAML file mapping frame names to ``{label, description, examples}``. It replaces
        the shipped frame set (copy ``data/frames.yaml`` and edit it).

    Returns
    -------
    dict of str to Frame, in file order.

    Examples
    --------
    >>> list(load_frames())[:3]
    ['economic', 'security_military', 'political_governance']
    """
    if path is None:
        source, text = DEFAULT_FRAMES_FILE, (resources.files("edm_stance") / "data" / DEFAULT_FRAMES_FILE).read_text(encoding="utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataFileError(f"{path}: no such frames file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DataFileError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataFileError(f"{source}: not valid YAML ({' '.join(str(exc).split())})") from exc
    if not isinstance(data, dict) or len(data) < 2:
        raise DataFileError(f"{source}: must map at least two frame names to definitions, e.g. 'energy: {{description: ...}}'")
    return {str(name): _parse_frame(name, spec, source) for name, spec in data.items()}


class FrameScorer:
    """Score each paragraph's issue frames: the trained model or similarity to the frames' prototypes.

    Which method is used (``method="auto"``): the trained frame model when a model is given
    (``model_name_or_path``) or the frame set is the shipped one (``frames`` None or equal to
    :func:`load_frames`); zero-shot similarity for any other frame set (your own YAML file).
    ``method="model"`` or ``"similarity"`` forces one.

    Parameters
    ----------
    frames : dict of str to Frame, optional
        The frame set; default: :func:`load_frames` (the shipped ``frames.yaml``). A frame
        model scores exactly the frames it was trained on: their names must match.
    method : {"auto", "model", "similarity"}
    model_name_or_path : str, optional
        A frame model folder; default: ``$EDM_STANCE_FRAME_MODEL`` when set, else the shipped
        ``data/frames_model``.
    temperature : float
        Similarity only: softmax temperature that turns a sentence's similarities into frame
        shares; lower makes each sentence commit to fewer frames. (The model's temperature
        was fitted by cross-validation and is part of the model.)
    batch_size : int
        Paragraphs (model) or sentences (similarity) per forward pass.
    device : str, optional
        "cpu", "cuda", ...; default: CUDA when available.

    Examples
    --------
    >>> frame_table = FrameScorer().score([article])  # doctest: +SKIP
    >>> dominant_frames(frame_table)  # doctest: +SKIP
    >>> FrameScorer(frames=load_frames("my_frames.yaml")).method_used  # doctest: +SKIP
    'similarity'
    """

    def __init__(self, *, frames: dict[str, Frame] | None = None, method: str = "auto",
                 model_name_or_path: str | None = None, temperature: float = 0.05, batch_size: int = 32,
                 device: str | None = None):
        if method not in FRAME_METHODS:
            raise ValueError(f"The 'method' parameter of FrameScorer must be one of {', '.join(FRAME_METHODS)}. "
                             f"Got {method!r} instead.")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        if method == "similarity" and model_name_or_path:
            raise ScorerOptionError("method 'similarity' takes no model_name_or_path; a frame model is used by "
                                    "method 'model'")
        self.frames = frames
        self.method = method
        self.model_name_or_path = model_name_or_path
        self.temperature = temperature
        self.batch_size = batch_size
        self.device = device

    @property
    def frame_set(self) -> dict[str, Frame]:
        """The frames scored, in order."""
        return self.frames if self.frames is not None else load_frames()

    @property
    def method_used(self) -> str:
        """``model`` or ``similarity``: what ``method`` resolves to for this frame set."""
        if self.method != "auto":
            return self.method
        shipped = self.frames is None or self.frames == load_frames()
        return "model" if self.model_name_or_path or shipped else "similarity"

    @property
    def model_dir(self) -> Path:
        """The frame model folder (used only by method ``model``)."""
        from .frame_model import frame_model_dir

        return frame_model_dir(self.model_name_or_path)

    def _model_config(self) -> dict:
        """The model's config, its frames checked against the frame set; reads no weights."""
        from .frame_model import read_frame_config

        config = read_frame_config(self.model_dir)
        if sorted(config["frames"]) != sorted(self.frame_set):
            raise ModelLoadError(f"{self.model_dir}: the frame model scores the frames {', '.join(config['frames'])}, "
                                 f"not {', '.join(self.frame_set)}; give the frames file it was trained with, or use "
                                 "method 'similarity' (--method similarity) for your own frames")
        return config

    def identity(self) -> dict:
        """Method, settings, frame definitions and (for the model) its files' digest; loads no model.

        Raises
        ------
        ModelLoadError
            When the model's folder is missing or not a frame model (checked before any work).
        """
        identity = {"scorer": "frames", "method": self.method_used,
                    "frames": [asdict(frame) for frame in self.frame_set.values()]}
        if self.method_used == "similarity":
            return {**identity, "temperature": self.temperature, "encoder": "all-MiniLM-L6-v2"}
        from .stance_model import model_revision

        self._model_config()
        return {**identity, "model_revision": model_revision(self.model_dir)}

    def describe(self) -> str:
        """Say in one line how the shares are made and, for a trained model, how well it did in cross-validation.

        The cross-validation (or hold-out) figures are read from the model's ``frame_config.json``
        (written by ``experiments/frames_cv.py --train-final`` or ``--ship``), so they always
        belong to the model used.
        """
        if self.method_used == "similarity":
            return (f"{len(self.frame_set)} frames scored by zero-shot similarity to their descriptions and examples: "
                    "a share says how much of the paragraph resembles the frame (not a calibrated probability)")
        config = self._model_config()
        line = (f"{len(self.frame_set)} frames scored by the trained frame model {self.model_dir}: a share is the "
                f"calibrated probability that the frame is the paragraph's dominant one (temperature "
                f"{float(config.get('temperature', 1.0)):.2f})")
        cv = config.get("cv")
        if not cv:
            return line + "; this model carries no cross-validation report"
        trained, zero_shot = cv["trained"], cv["zero_shot"]
        folds = cv.get("folds")
        how = (f"On a grouped hold-out (one fold of {cv['k']}, by article) of {trained['n']} synthetic paragraphs it "
               "never saw" if folds and len(folds) == 1 else
               f"Grouped {cv['k']}-fold cross-validation on {trained['n']} synthetic paragraphs")
        return (line + f". {how}: "
                f"dominant-frame accuracy {trained['accuracy']:.2f}, macro-F1 {trained['macro_f1']:.2f}, top-2 "
                f"accuracy {trained['top2_accuracy']:.2f}, calibration error (ECE) {trained['ece_before']:.3f} before, "
                f"{trained['ece_after']:.3f} after calibration; zero-shot similarity on the same paragraphs: accuracy "
                f"{zero_shot['accuracy']:.2f}, macro-F1 {zero_shot['macro_f1']:.2f}")

    def predict_shares(self, paragraphs: Sequence[Paragraph | str]) -> tuple[np.ndarray, np.ndarray]:
        """Frame scores and shares of each paragraph (an article's Paragraph, or a paragraph's text).

        Returns
        -------
        scores, shares : ndarrays of shape (n_paragraphs, n_frames), frames in :attr:`frame_set` order
            ``shares`` rows sum to one. ``scores``: the model's calibrated logits, or the mean
            centred similarity over the paragraph's sentences (NaN without sentences).
        """
        frames = list(self.frame_set.values())
        if not paragraphs:
            return np.zeros((0, len(frames))), np.zeros((0, len(frames)))
        if self.method_used == "similarity":
            sentences = [[s.text for s in p.sentences or ()] if isinstance(p, Paragraph) else
                         [s.text for s in split_sentences(p)] for p in paragraphs]
            return similarity_shares([frame.prototypes for frame in frames], sentences, temperature=self.temperature,
                                     batch_size=self.batch_size, device=self.device)
        from .frame_model import load_frame_model, softmax

        trained = self._model_config()["frames"]
        model = load_frame_model(str(self.model_dir), self.device)
        texts = [p.text if isinstance(p, Paragraph) else p for p in paragraphs]
        logits = model.predict_logits(texts, batch_size=self.batch_size)[:, [trained.index(f.name) for f in frames]]
        scores = logits.astype(np.float64) / float(model.config.get("temperature", 1.0))
        return scores, softmax(scores)

    def score(self, articles: Sequence[Article] | Article) -> pd.DataFrame:
        """Return one row per paragraph and frame (see :data:`FRAME_COLUMNS`).

        ``share`` is the frame's share of the paragraph (the shares of a paragraph sum to 1);
        ``score`` is the method's raw score (see :meth:`predict_shares`).

        Returns
        -------
        pandas.DataFrame of shape (n_paragraphs * n_frames, 6)
        """
        if isinstance(articles, Article):
            articles = [articles]
        frames = list(self.frame_set.values())
        owners = [(article.article_id, paragraph.number) for article in articles for paragraph in article.paragraphs]
        scores, shares = self.predict_shares([paragraph for article in articles for paragraph in article.paragraphs])
        rows = [{"article_id": article_id, "paragraph": number, "frame": frame.name, "label": frame.label,
                 "score": float(scores[i, k]), "share": float(shares[i, k])}
                for i, (article_id, number) in enumerate(owners) for k, frame in enumerate(frames)]
        table = pd.DataFrame(rows, columns=FRAME_COLUMNS)
        return table.astype({"paragraph": "int64", "score": "float64", "share": "float64"})


def dominant_frames(frame_table: pd.DataFrame) -> pd.DataFrame:
    """Return each paragraph's dominant frame: article_id, paragraph, frame, label, share, runner_up.

    Parameters
    ----------
    frame_table : pandas.DataFrame
        :meth:`FrameScorer.score`'s table.
    """
    columns = ["article_id", "paragraph", "frame", "label", "share", "runner_up", "runner_up_share"]
    if frame_table.empty:
        return pd.DataFrame(columns=columns)
    ranked = frame_table.sort_values(["article_id", "paragraph", "share"], ascending=[True, True, False], kind="stable")
    groups = ranked.groupby(["article_id", "paragraph"], sort=False)
    top = groups.nth(0).reset_index(drop=True)
    second = groups.nth(1).reset_index(drop=True)
    top["runner_up"] = second["frame"].to_numpy() if len(second) == len(top) else None
    top["runner_up_share"] = second["share"].to_numpy() if len(second) == len(top) else np.nan
    order = frame_table[["article_id", "paragraph"]].drop_duplicates()
    return order.merge(top, on=["article_id", "paragraph"], how="left")[columns].reset_index(drop=True)


def frame_share_table(frame_table: pd.DataFrame) -> pd.DataFrame:
    """Return one row per paragraph: its dominant frame and runner-up, and the share of every frame.

    Parameters
    ----------
    frame_table : pandas.DataFrame
        :meth:`FrameScorer.score`'s table (one row per paragraph and frame).

    Returns
    -------
    pandas.DataFrame
        ``article_id, paragraph, frame, share, runner_up, runner_up_share``, then
        ``share_<frame>`` for every frame in the table's order; paragraphs in the table's order.
    """
    dominant = dominant_frames(frame_table).drop(columns="label")
    names = list(dict.fromkeys(frame_table["frame"]))
    wide = frame_table.pivot(index=["article_id", "paragraph"], columns="frame", values="share")
    wide = wide.reindex(columns=names).rename(columns=lambda name: f"share_{name}").reset_index()
    wide.columns.name = None
    table = dominant.merge(wide, on=["article_id", "paragraph"], how="left")
    return table.astype({"paragraph": "int64", "share": "float64", "runner_up_share": "float64"})


def frame_stance(frame_table: pd.DataFrame, stance_table: pd.DataFrame) -> pd.DataFrame:
    """Cross frames with stance: each target's mean score, weighted by each frame's share.

    For a frame and a target, the paragraphs where the target is present are averaged with
    the frame's share of each as weight, so the score says how the target is portrayed where
    the text uses that frame.

    Returns
    -------
    pandas.DataFrame
        One row per frame and target: frame, label, target, score (NaN where the target is
        never present), weight (the summed shares: the evidence, in paragraphs), n_paragraphs.
    """
    keys = ["article_id", "paragraph"]
    present = stance_table.loc[stance_table["label"] != "absent", [*keys, "target", "score"]]
    merged = frame_table[[*keys, "frame", "label", "share"]].merge(present, on=keys, how="inner")
    rows = []
    frame_labels = dict(zip(frame_table["frame"], frame_table["label"]))
    for frame in dict.fromkeys(frame_table["frame"]):
        for target in dict.fromkeys(stance_table["target"]):
            part = merged[(merged["frame"] == frame) & (merged["target"] == target)]
            weight = float(part["share"].sum())
            score = float((part["share"] * part["score"]).sum() / weight) if weight > 0 else float("nan")
            rows.append({"frame": frame, "label": frame_labels[frame], "target": target, "score": score,
                         "weight": weight, "n_paragraphs": len(part)})
    return pd.DataFrame(rows, columns=["frame", "label", "target", "score", "weight", "n_paragraphs"])
