"""Loading the models in a notebook: each once per process, and nothing on stderr (no boxes under a cell)."""

from __future__ import annotations

import warnings

import pytest

from edm_stance import FrameScorer, get_scorer, model
from edm_stance.frame_model import FrameModel, load_frame_model
from edm_stance.frames import load_sentence_encoder
from edm_stance.scoring.tsc import load_stance_model


@pytest.mark.slow
def test_each_model_loads_once_and_quietly(seed_article, default_targets, monkeypatch, capfd, shipped_or_tiny_frame_model):
    calls = []
    load_base = model._load_base
    monkeypatch.setattr(model, "_load_base", lambda: calls.append("base") or load_base())
    load_frames_model = FrameModel.from_pretrained.__func__
    monkeypatch.setattr(FrameModel, "from_pretrained",
                        classmethod(lambda cls, *a, **k: calls.append("frame model") or load_frames_model(cls, *a, **k)))
    load_stance_model.cache_clear()
    load_sentence_encoder.cache_clear()
    load_frame_model.cache_clear()
    capfd.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):  # a notebook's cells run twice
            get_scorer("tsc").score([seed_article], default_targets)
            FrameScorer().score([seed_article])
            FrameScorer(method="similarity").score([seed_article])
    assert calls == ["base", "frame model", "base"]  # the stance model, the frame model, the frame encoder: once each
    assert [str(w.message) for w in caught if issubclass(w.category, (FutureWarning, UserWarning))] == []
    assert capfd.readouterr().err == ""  # no "Loading weights" bar
