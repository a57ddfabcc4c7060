"""Download article pages politely: one request per second, a proper user agent, retries with back-off.

Pages are saved as ``.html`` files in a folder (by default ``pages/`` in the cache folder,
see :mod:`edm_stance.cache`) and read like saved pages; a page already saved there is not
requested again, so an interrupted download resumes.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from .errors import ArticleReadError
from .output import atomic_write

__all__ = ["DEFAULT_USER_AGENT", "PageFetcher"]

DEFAULT_USER_AGENT = "edm-stance/0.1 (research tool for Eurasia Daily Monitor stance analysis; python-requests)"
_RETRY_STATUS = {429, 500, 502, 503, 504}


class PageFetcher:
    """Fetch pages over HTTP(S) into ``directory``, at most one request per ``min_interval`` seconds.

    Parameters
    ----------
    directory : str or Path
        Where downloaded pages are saved (created if missing).
    min_interval : float
        Seconds between the starts of two requests (1.0: one request per second).
    retries : int
        Further attempts after a connection error, a timeout or a 429/5xx answer.
    backoff : float
        Wait before the first retry, doubled at each further retry (a ``Retry-After``
        header, when longer, wins).
    timeout : float
        Seconds to wait for the server.
    user_agent : str
        The ``User-Agent`` header sent.
    """

    def __init__(
        self,
        *,
        directory: str | Path,
        min_interval: float = 1.0,
        retries: int = 3,
        backoff: float = 2.0,
        timeout: float = 30.0,
        user_agent: str = DEFAULT_USER_AGENT,
    ):
        if min_interval < 0 or retries < 0 or backoff < 0 or timeout <= 0:
            raise ValueError("min_interval, retries and backoff must be >= 0 and timeout > 0.")
        self.directory = Path(directory)
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.user_agent = user_agent
        self._last_request = float("-inf")
        self._lock = threading.Lock()
        self._session = None

    @staticmethod
    def article_id(url: str) -> str:
        """Return the article id for ``url``: the last part of its path, as a safe file name."""
        parts = [part for part in urlparse(url).path.split("/") if part]
        name = re.sub(r"\.html?$", "", parts[-1]) if parts else urlparse(url).netloc
        return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "page"

    def _wait_turn(self) -> None:
        with self._lock:
            delay = self._last_request + self.min_interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._last_request = time.monotonic()

    def _get(self, url: str) -> bytes:
        import requests

        if self._session is None:
            self._session = requests.Session()
            self._session.headers["User-Agent"] = self.user_agent
        problem, wait = "", 0.0
        for attempt in range(self.retries + 1):
            time.sleep(wait)
            self._wait_turn()
            wait = self.backoff * 2**attempt
            try:
                response = self._session.get(url, timeout=self.timeout)
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in _RETRY_STATUS:
                problem = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                wait = max(wait, float(retry_after)) if retry_after.isdigit() else wait
                continue
            if response.status_code >= 400:
                raise ArticleReadError(f"{url}: the server answered HTTP {response.status_code}")
            return response.content
        raise ArticleReadError(f"{url}: could not be downloaded after {self.retries + 1} attempts ({problem})")

    def fetch(self, url: str) -> Path:
        """Download ``url`` (unless already saved) and return the saved page's path.

        Raises
        ------
        ArticleReadError
            When the page cannot be downloaded (after the retries) or the server refuses it.
        """
        path = self.directory / f"{self.article_id(url)}.html"
        if path.exists():
            return path
        content = self._get(url)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with atomic_write(path) as tmp:
                tmp.write_bytes(content)
        except OSError as exc:
            raise ArticleReadError(f"{url}: the page cannot be saved in {self.directory} ({exc.strerror or exc})") from exc
        return path
