"""Fault cases, families "engines" and "signals": worker processes, Ctrl-C, SIGTERM, SIGKILL, pipes.

A ``--workers`` run that was killed or terminated left its worker processes running (about
750 MB each with the real model) and Ctrl-C on it took about 40 s. These tests run the real
command in subprocesses with a scorer that sleeps (the lexicon scorer, slowed down), send
real signals, and check what is left: exit code, processes, files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from .conftest import SEED, write_shuffled_articles
from .faultkit import alive, assert_one_line_error, cli_env, files_in, leftovers, run_cli

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads process states from /proc")

SLOW_SCORER = '''
"""A lexicon scorer that marks each process that scores (a file named by its pid) and then sleeps."""
import multiprocessing
import os
import time
from pathlib import Path

from edm_stance.scoring import register_scorer
from edm_stance.scoring.lexicon import LexiconScorer


@register_scorer("slow")
class SlowScorer(LexiconScorer):
    def score_units(self, units):
        worker = multiprocessing.parent_process() is not None
        Path(os.environ["SLOW_MARKS"], f"{'worker' if worker else 'main'}-{os.getpid()}").touch()
        if worker and os.environ.get("SLOW_DIE"):
            os._exit(1)
        time.sleep(float(os.environ.get("SLOW_SECONDS", "0")))
        return super().score_units(units)
'''
RUN = "import sys, slowscorer; from edm_stance.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def slow_run(tmp_path):
    """Start ``edm-stance score`` on 6 articles with the slow scorer; returns a function (extra args, seconds)."""
    (tmp_path / "slowscorer.py").write_text(SLOW_SCORER, encoding="utf-8")
    (tmp_path / "marks").mkdir()
    write_shuffled_articles(tmp_path / "articles", 6)
    started = []

    def start(*extra: str, seconds: float = 60, die: bool = False, new_session: bool = False) -> subprocess.Popen:
        env = cli_env(tmp_path, SLOW_MARKS=str(tmp_path / "marks"), SLOW_SECONDS=str(seconds))
        if die:
            env["SLOW_DIE"] = "1"
        argv = [sys.executable, "-c", RUN, "score", str(tmp_path / "articles"), "--scorer", "slow",
                "--chunk-size", "1", "-o", str(tmp_path / "out.csv"), *extra]
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=new_session)
        started.append(process)
        return process

    yield start
    for process in started:  # never leave a test's processes behind, whatever happened
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for_marks(folder: Path, prefix: str, count: int, process: subprocess.Popen, timeout: float = 90) -> list[int]:
    """Wait until ``count`` processes have started scoring; return their pids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [int(mark.name.split("-")[1]) for mark in folder.glob(f"{prefix}-*")]
        if len(pids) >= count:
            return pids
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError(f"{count} {prefix} process(es) never started scoring")


def wait_gone(pids: list[int], timeout: float = 15) -> list[int]:
    """Return the pids still running after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


# --- signals --------------------------------------------------------------------------------------

def test_sigkill_of_a_workers_run_leaves_no_worker_processes(tmp_path, slow_run):
    run = slow_run("--workers", "2")
    workers = wait_for_marks(tmp_path / "marks", "worker", 2, run)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    assert wait_gone(workers) == []
    assert files_in(tmp_path / "articles") == {f"shuffled-{i:03d}.txt" for i in range(6)}
    assert not (tmp_path / "out.csv").exists() and not leftovers(tmp_path)


def test_sigterm_of_a_workers_run_stops_cleanly(tmp_path, slow_run):
    run = slow_run("--workers", "2")
    workers = wait_for_marks(tmp_path / "marks", "worker", 2, run)
    stopped = time.monotonic()
    run.send_signal(signal.SIGTERM)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 143 and err.strip().splitlines()[-1] == "edm-stance: terminated", err
    assert time.monotonic() - stopped < 15 and "Traceback" not in err
    assert wait_gone(workers) == []
    assert not (tmp_path / "out.csv").exists() and not leftovers(tmp_path)


def test_ctrl_c_on_a_workers_run_is_quick(tmp_path, slow_run):
    """Ctrl-C reaches the whole process group; the run stops without waiting for the chunks (60 s each here)."""
    run = slow_run("--workers", "2", new_session=True)
    workers = wait_for_marks(tmp_path / "marks", "worker", 2, run)
    stopped = time.monotonic()
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 130 and err.strip().splitlines()[-1] == "edm-stance: interrupted", err
    assert time.monotonic() - stopped < 15
    assert "Traceback" not in err and "KeyboardInterrupt" not in err  # not from the workers either
    assert wait_gone(workers) == []
    assert not (tmp_path / "out.csv").exists()


def test_ctrl_c_on_a_local_run_keeps_finished_chunks(tmp_path, slow_run):
    run = slow_run(seconds=0.3, new_session=True)
    deadline = time.monotonic() + 90
    while len(list((tmp_path / "cache").rglob("*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 130 and err.strip() == "edm-stance: interrupted"
    done = len(list((tmp_path / "cache").rglob("*.parquet")))
    assert 2 <= done < 6 and not (tmp_path / "out.csv").exists() and not leftovers(tmp_path)
    rerun = slow_run(seconds=0)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"{6 - done} article(s) scored, {done} read from the cache" in out
    assert pd.read_csv(tmp_path / "out.csv")["article_id"].nunique() == 6


def test_sigterm_on_a_local_run_leaves_no_temporary_file(tmp_path, slow_run):
    run = slow_run(seconds=60)
    wait_for_marks(tmp_path / "marks", "main", 1, run)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 143 and err.strip() == "edm-stance: terminated"
    assert not (tmp_path / "out.csv").exists() and not leftovers(tmp_path)


def test_ctrl_c_while_reading_an_endless_pipe(tmp_path):
    reader, writer = os.pipe()
    run = subprocess.Popen([sys.executable, "-m", "edm_stance.cli", "score", "/dev/stdin", "--scorer", "lexicon"],
                           stdin=reader, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path))
    os.close(reader)
    try:
        os.write(writer, b"Title: A slow stream\n\nRussia spoke. ")
        time.sleep(3)  # the command is now waiting for more input
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=20)
    finally:
        os.close(writer)
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130 and err.strip() == "edm-stance: interrupted"


def test_output_piped_into_head(tmp_path):
    command = f"{sys.executable} -m edm_stance.cli score {SEED} --scorer lexicon | head -n 1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], env=cli_env(tmp_path), capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.split() == ["article_id", "paragraph", "target", "label", "score", "confidence", "n_mentions",
                                     "evidence"]
    assert result.stderr == "" and result.returncode == 0


# --- engines --------------------------------------------------------------------------------------

def test_a_worker_that_dies(tmp_path, slow_run):
    run = slow_run("--workers", "2", die=True)
    out, err = run.communicate(timeout=120)
    assert_one_line_error(run.returncode, err, "a worker process died", "run again, with fewer --workers")
    assert out == "" and not (tmp_path / "out.csv").exists() and not leftovers(tmp_path)


def test_workers_with_the_local_engine(tmp_path, capsys, isolated_cache):
    code, _, err = run_cli(["score", SEED, "--workers", "2", "--engine", "local", "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, "--workers 2 needs --engine processes or dask, not local")


def test_scheduler_with_the_processes_engine(tmp_path, capsys):
    code, _, err = run_cli(["score", SEED, "--scorer", "lexicon", "--engine", "processes", "--scheduler",
                            "tcp://127.0.0.1:9", "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, "a scheduler address is for the dask engine, not 'processes'")


def test_unreachable_scheduler(tmp_path, capsys, monkeypatch):
    from edm_stance import runner

    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", "1s")
    code, _, err = run_cli(["score", SEED, "--scorer", "lexicon", "--scheduler", "tcp://127.0.0.1:9",
                            "-o", tmp_path / "o.csv"], capsys)
    assert_one_line_error(code, err, "cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(("argv", "problem"), [
    (["--workers", "0"], "argument --workers: must be a positive integer, got '0'"),
    (["--workers", "two"], "argument --workers: must be a positive integer, got 'two'"),
    (["--chunk-size", "-5"], "argument --chunk-size: must be a positive integer, got '-5'"),
    (["--engine", "spark"], "argument --engine: invalid choice: 'spark'"),
])
def test_bad_option_values_are_one_line(tmp_path, capsys, argv, problem):
    with pytest.raises(SystemExit) as stop:
        run_cli(["score", SEED, *argv], capsys)
    _, err = capsys.readouterr()
    assert_one_line_error(stop.value.code, err, "edm-stance score: error:", problem, "(see 'edm-stance score --help')")
