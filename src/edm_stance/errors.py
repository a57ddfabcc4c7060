"""Errors raised by edm_stance.

Every error a user can cause derives from :class:`EdmStanceError`, so the CLI can catch
exactly these, print one line and exit with code 2::

    EdmStanceError
    ├── ArticleReadError(OSError)      file missing, empty, binary, undecodable, no body
    ├── TargetsFileError(ValueError)   a targets YAML that cannot be read or is malformed
    ├── UnknownTargetError(KeyError)   a target name that is not defined
    ├── UnknownScorerError(KeyError)   a scorer name that is not registered
    ├── ScorerOptionError(TypeError)   an option that the chosen scorer does not take
    ├── ModelLoadError(RuntimeError)   a model, adapter or model package that is missing
    ├── DataFileError(ValueError)      a gold, prediction, NewsMTSC or frames file that is malformed
    ├── ReportError(RuntimeError)      a report notebook that is missing or fails
    ├── OutputError(OSError)           an output file or folder that cannot be written
    └── EngineError(RuntimeError)      an unknown engine, a missing Dask, an unreachable scheduler,
                                       a worker process that died

and one warning, for trouble that loses nothing (the run goes on and says so once)::

    EdmStanceWarning(UserWarning)      a cache that cannot be written, a broken cache entry
"""

from __future__ import annotations

__all__ = [
    "ArticleReadError",
    "DataFileError",
    "EdmStanceError",
    "EdmStanceWarning",
    "EngineError",
    "ModelLoadError",
    "OutputError",
    "ReportError",
    "ScorerOptionError",
    "TargetsFileError",
    "UnknownScorerError",
    "UnknownTargetError",
]


class EdmStanceError(Exception):
    """Base class of every error that edm_stance raises on bad input."""

    def __str__(self) -> str:
        # KeyError subclasses would otherwise print their message in quotes.
        return str(self.args[0]) if self.args else ""


class ArticleReadError(EdmStanceError, OSError):
    """An article file could not be read as EDM text."""


class TargetsFileError(EdmStanceError, ValueError):
    """A targets YAML file is unreadable or does not follow the schema."""


class UnknownTargetError(EdmStanceError, KeyError):
    """A target name was asked for that no definition provides."""


class UnknownScorerError(EdmStanceError, KeyError):
    """A scorer name was asked for that is not registered."""


class ScorerOptionError(EdmStanceError, TypeError):
    """A scorer was given an option it does not take."""


class ModelLoadError(EdmStanceError, RuntimeError):
    """A model, adapter or the package that carries it is missing or broken."""


class DataFileError(EdmStanceError, ValueError):
    """A gold, prediction or dataset file is missing columns or malformed."""


class ReportError(EdmStanceError, RuntimeError):
    """A report could not be produced: a notebook is missing or one of its cells failed."""


class OutputError(EdmStanceError, OSError):
    """An output file, or the folder it goes into, cannot be written."""


class EngineError(EdmStanceError, RuntimeError):
    """A run engine is unknown, not installed or cannot be reached, or one of its workers died."""


class EdmStanceWarning(UserWarning):
    """Something went wrong that costs no result (e.g. the cache cannot be written); the run goes on."""
