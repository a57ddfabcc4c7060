"""--fetch against a local http.server on 127.0.0.1 (never the internet): pacing, user agent, retries."""

from __future__ import annotations

import http.server
import threading

import pandas as pd
import pytest

from edm_stance import fetch
from edm_stance.cli import main
from edm_stance.errors import ArticleReadError
from edm_stance.fetch import DEFAULT_USER_AGENT, PageFetcher

from .conftest import fixture_path

PAGE = fixture_path("pages/edm-invented-page.html").read_bytes()


class FakeClock:
    """Stands in for the ``time`` module inside edm_stance.fetch: sleeping advances the clock at once."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def server(monkeypatch):
    """Serve the page at /program/invented-page/ after one 503 answer; 404 elsewhere. Logs every request.

    The fetcher runs on a fake clock, so pacing and back-off are checked exactly and take no real time.
    """
    log = []
    clock = FakeClock()
    monkeypatch.setattr(fetch, "time", clock)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            log.append((self.path, self.headers.get("User-Agent"), clock.now))
            if self.path != "/program/invented-page/":
                self.send_error(404)
            elif sum(1 for path, _, _ in log if path == self.path) == 1:
                self.send_error(503)
            else:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(PAGE)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", log, clock
    httpd.shutdown()
    httpd.server_close()


def test_fetch_retries_paces_and_saves(server, tmp_path):
    base, log, clock = server
    fetcher = PageFetcher(directory=tmp_path / "pages", min_interval=1.0, backoff=0.5, retries=2, timeout=5)
    path = fetcher.fetch(f"{base}/program/invented-page/")
    assert path == tmp_path / "pages" / "invented-page.html"
    assert path.read_bytes() == PAGE
    assert [(p, ua) for p, ua, _ in log] == [("/program/invented-page/", DEFAULT_USER_AGENT)] * 2
    assert clock.sleeps == [0.0, 0.5, 0.5]  # no wait, back-off 0.5 s after the 503, then the rest of the 1 s pacing
    assert log[1][2] - log[0][2] == pytest.approx(1.0)
    assert fetcher.fetch(f"{base}/program/invented-page/") == path
    assert len(log) == 2  # saved pages are not requested again
    with pytest.raises(ArticleReadError, match=f"^{base}/missing/: the server answered HTTP 404$"):
        fetcher.fetch(f"{base}/missing/")


def test_score_fetch_from_the_command_line(server, tmp_path, capsys, isolated_cache):
    base, _, clock = server
    out = tmp_path / "out.csv"
    code = main(["score", "--fetch", f"{base}/program/invented-page/", f"{base}/missing/", "--scorer", "lexicon", "-o", str(out)])
    _, err = capsys.readouterr()
    assert code == 0, err
    table = pd.read_csv(out)
    assert table["article_id"].unique().tolist() == ["invented-page"]
    assert len(table) == 4 * 3 and table["volume"].unique().tolist() == [16]
    manifest = pd.read_csv(tmp_path / "out.csv.manifest.csv", keep_default_na=False)
    assert manifest[["path", "status", "reason"]].values.tolist() == [
        [f"{base}/program/invented-page/", "scored", ""],
        [f"{base}/missing/", "skipped", "the server answered HTTP 404"],
    ]
    assert (isolated_cache / "pages" / "invented-page.html").exists()
    # defaults: back-off 2 s after the 503; the next URL waits out the 1 request/s pacing
    assert clock.sleeps == [0.0, 2.0, 0.0, 1.0]
