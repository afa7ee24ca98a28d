"""`madoguchi retrain` (train a candidate, gate it, swap it in on every running server) and `madoguchi rollback`.

Exit codes: 0 the candidate (or the previous model) is live; 3 the gate kept the live model; 2 an error
(training failed, a server refused the model, another retrain is running) — the live model is kept."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from assistant.settings import PROJECT_ROOT, Settings

KEPT, FAILED = 3, 2


def train_command(config: Path, data: List[Path], out: Path) -> List[str]:
    """The Makefile's `train` command (same domain, rules and options), into another folder and name."""
    return [str(Path(sys.executable).parent / "rasa"), "train", "--config", str(config),
            "--domain", str(PROJECT_ROOT / "assistant" / "rasa" / "domain.yml"),
            "--data", *map(str, data), str(PROJECT_ROOT / "assistant" / "rasa" / "rules.yml"),
            "--out", str(out), "--fixed-model-name", "candidate", "--force"]


def train_candidate(shelf, config: Path, data: Path) -> Optional[Path]:
    """Trains models/candidate/candidate.tar.gz (never over the live model); None after printing why it failed."""
    import shutil

    from assistant.launcher import rasa_env

    shutil.rmtree(shelf.candidate_dir, ignore_errors=True)
    shelf.candidate_dir.mkdir(parents=True)
    log = shelf.candidate_dir / "training.log"
    print(f"retrain: training a candidate from {data} with {config} (about 70 s on 2 cores) ...", flush=True)
    with log.open("wb") as out:
        proc = subprocess.run(train_command(config, [data], shelf.candidate_dir), cwd=PROJECT_ROOT, env=rasa_env(),
                              stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0 or not shelf.candidate.exists():
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        print(f"retrain: training failed (exit {proc.returncode}); the live model is kept. Last lines of {log}:",
              *tail, sep="\n  ", file=sys.stderr)
        return None
    return shelf.candidate


def go_live(shelf, model: Path, data_dir: Path, fingerprint: Optional[str] = None) -> int:
    """model goes to every running server, then becomes current.tar.gz with its training fingerprint (the live one
    becomes previous.tar.gz)."""
    from assistant.server.model_swap import SwapError, api_token, model_id, server_urls, swap_servers

    urls = server_urls()
    dated = shelf.dated_copy(model, model_id(model))
    fallback = shelf.dated_copy(shelf.current, model_id(shelf.current)) if shelf.current.exists() else None
    try:
        result = swap_servers(dated, urls, api_token(data_dir), fallback)
    except SwapError as err:
        print(f"retrain: {err}; every server keeps the live model", file=sys.stderr)
        return FAILED
    shelf.promote(dated, fingerprint)
    if fallback is not None:
        fallback.unlink(missing_ok=True)  # previous.tar.gz holds it
    for url in result.swapped:
        print(f"  {url}: now serving {dated.name}")
    for url in result.not_running:
        print(f"  {url}: not running (it loads {shelf.current} when it starts)")
    return 0


def live_model_id(model: Path) -> str:
    """The live model's Rasa fingerprint; for an archive without Rasa's metadata, a hash of its bytes."""
    import hashlib
    import tarfile

    from assistant.server.model_swap import model_id

    try:
        return model_id(model)
    except (tarfile.TarError, StopIteration, KeyError, ValueError):
        return "sha256:" + hashlib.sha256(model.read_bytes()).hexdigest()


def cmd_retrain(args: argparse.Namespace) -> int:
    from assistant.retrain.fingerprint import fingerprint
    from assistant.retrain.gate import evaluate, repeats_evaluation
    from assistant.retrain.shelf import Busy, Shelf
    from assistant.server.model_swap import model_id, put_model

    settings = Settings.from_env()
    shelf = Shelf(Path(args.models))
    if not shelf.current.exists():
        print(f"retrain: no live model at {shelf.current}: train one first (make train)", file=sys.stderr)
        return FAILED
    try:
        trained_from = fingerprint(Path(args.config), Path(args.data))
    except OSError as err:
        print(f"retrain: cannot read the training inputs ({err}); the live model is kept", file=sys.stderr)
        return FAILED
    if not args.force and shelf.recorded(shelf.current_fingerprint) == trained_from:
        print(f"retrain: nothing to do: the live model was trained from this training data ({args.data}) and "
              f"config ({args.config}) — fingerprint {trained_from[:12]}; --force trains anyway")
        return 0
    live_id = live_model_id(shelf.current)
    if not args.force and shelf.refused(live_id) == trained_from:
        print(f"retrain: not trained: a candidate from this training data ({args.data}) and config ({args.config}) "
              f"— fingerprint {trained_from[:12]} — was already refused against the live model; correct the reviewed "
              f"examples (or the config) first, or --force trains anyway. The live model is kept", file=sys.stderr)
        return KEPT
    repeated = repeats_evaluation(Path(args.data))
    if repeated:
        print(f"retrain: {len(repeated)} training examples repeat messages of the frozen evaluation set "
              f"(tests/data/independent/), e.g. {repeated[0]!r}: remove them from {args.data}; the live model is kept",
              file=sys.stderr)
        return FAILED
    try:
        with shelf.locked():
            candidate = train_candidate(shelf, Path(args.config), Path(args.data))
            if candidate is None:
                return FAILED
            try:
                verdict = evaluate(shelf.current, candidate, settings.retrain_max_drop,
                                   swap=lambda url, token, path: put_model(url, token, path, model_id(path)),
                                   sample=args.sample, understanding=args.understanding)
            except (OSError, RuntimeError) as err:  # the private stack did not start, or a model did not load
                print(f"retrain: the gate could not run ({err}); the live model is kept", file=sys.stderr)
                return FAILED
            print(verdict.table())
            if not verdict.passed:
                print("retrain: kept the live model, because", *verdict.reasons, sep="\n  - ")
                shelf.refuse(trained_from, live_id)  # the next run does not train the same candidate again
                return KEPT
            print("retrain: the candidate passed the gate; putting it live ...", flush=True)
            return go_live(shelf, candidate, settings.data_dir, trained_from)
    except Busy as busy:
        print(f"retrain: {busy}", file=sys.stderr)
        return FAILED


def cmd_rollback(args: argparse.Namespace) -> int:
    from assistant.retrain.shelf import Busy, Shelf

    shelf = Shelf(Path(args.models))
    if not shelf.previous.exists():
        print(f"rollback: no previous model at {shelf.previous}", file=sys.stderr)
        return FAILED
    try:
        with shelf.locked():
            print(f"rollback: putting {shelf.previous} live again ...", flush=True)
            was_trained_from = shelf.recorded(shelf.previous_fingerprint)
            return go_live(shelf, shelf.previous, Settings.from_env().data_dir, was_trained_from)
    except Busy as busy:
        print(f"rollback: {busy}", file=sys.stderr)
        return FAILED


def add_parser(sub) -> None:
    models = str(PROJECT_ROOT / "models")
    retrain = sub.add_parser("retrain", help="train a candidate model from nlu_data/ and put it live on every running "
                                             "server only if it passes the frozen evaluation and the understanding tests")
    retrain.add_argument("--data", default=str(PROJECT_ROOT / "nlu_data"), help="training data (default nlu_data/)")
    retrain.add_argument("--config", default=str(PROJECT_ROOT / "config.yml"), help="pipeline (default config.yml)")
    retrain.add_argument("--models", default=models, help="models folder (default models/)")
    retrain.add_argument("--force", action="store_true",
                         help="train even when the data and config are those the live model was trained from, "
                              "or those of the candidate the gate last refused")
    retrain.add_argument("--sample", type=int, default=1, help=argparse.SUPPRESS)  # tests: every Nth message
    retrain.add_argument("--understanding", default="tests/nlu/test_understanding.py", help=argparse.SUPPRESS)
    retrain.set_defaults(func=cmd_retrain)
    rollback = sub.add_parser("rollback", help="put the model that was live before the last retrain live again")
    rollback.add_argument("--models", default=models, help="models folder (default models/)")
    rollback.set_defaults(func=cmd_rollback)
