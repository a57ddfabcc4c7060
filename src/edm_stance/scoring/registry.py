"""A registry of scorers by name, so the CLI and notebooks pick a model with one string."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from ..errors import ScorerOptionError, UnknownScorerError
from .base import Scorer

__all__ = ["DEFAULT_SCORER", "available_scorers", "get_scorer", "register_scorer", "scorer_for"]

DEFAULT_SCORER = "paragraph"  # the paragraph stance model shipped in the package (data/stance/MODEL.md)

_SCORERS: dict[str, Callable[..., Scorer]] = {}


def register_scorer(name: str) -> Callable[[type], type]:
    """Register a scorer class under ``name`` (use as a class decorator)."""

    def decorator(cls: type) -> type:
        cls.name = name
        _SCORERS[name] = cls
        return cls

    return decorator


def available_scorers() -> list[str]:
    """Return the registered scorer names, sorted."""
    return sorted(_SCORERS)


def get_scorer(name: str, **kwargs: Any) -> Scorer:
    """Build the scorer registered as ``name`` with keyword arguments ``kwargs``."""
    try:
        factory = _SCORERS[name]
    except KeyError:
        raise UnknownScorerError(f"No scorer named {name!r}. Available scorers: {', '.join(available_scorers())}.") from None
    accepted = inspect.signature(factory).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ScorerOptionError(
            f"The {name!r} scorer takes no option {', '.join(map(repr, unknown))}. "
            f"Its options: {', '.join(accepted) or 'none'}."
        )
    return factory(**kwargs)


def scorer_for(name: str, model: str | None = None, **kwargs: Any) -> Scorer:
    """Build the scorer ``name`` on ``model`` (a model folder or hub id), or on its default model when ``model`` is empty.

    What ``--model`` means on the command line and ``model`` in the notebooks: for example
    a folder written by ``edm-stance train --corrections``.
    """
    return get_scorer(name, **({"model_name_or_path": model} if model else {}), **kwargs)
