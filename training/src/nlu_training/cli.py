"""python -m nlu_training {prepare,train,evaluate,evaluate-model,export,all,bench,pack-base} (see --help)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .config import ConfigError, load_config, resolve_base
from .data import SOURCES
from .export import ParityError
from .readers import DataError

log = logging.getLogger("nlu_training")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nlu_training", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("prepare", help="source data -> canonical train/dev/test.jsonl + meta.json")
    s.add_argument("--source", choices=SOURCES, required=True)
    s.add_argument("--input", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--seed", type=int, default=13, help="split seed (bitext / single-file transcripts)")
    s.add_argument("--skip-invalid", action="store_true", help="count and skip bad rows instead of failing")
    s.add_argument("--unseen-labels", choices=("error", "keep"), default="error")

    s = sub.add_parser("prepare-oos", help="SNIPS sample + hand-written list -> canonical out_of_scope folder")
    s.add_argument("--snips", type=Path, required=True, help="JointBERT-format SNIPS folder (train/dev/test)")
    s.add_argument("--handwritten", type=Path, default=None, help="one off-topic utterance per line")
    s.add_argument("--in-scope", type=Path, default=None, help="prepared in-scope folder; its texts are excluded")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--train", type=int, default=800, help="SNIPS train rows (dev and test get 1/8 each)")
    s.add_argument("--seed", type=int, default=13)

    s = sub.add_parser("fingerprint", help="print the data hash and config hash a model trained now would record")
    s.add_argument("--config", type=Path, required=True)
    s.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    s.add_argument("--base", type=Path, default=None, help="local HF BERT folder (default: installed MiniLM)")
    s.add_argument("--model", type=Path, default=None, help="model folder to compare; exit 3 when it is stale")

    def common(s: argparse.ArgumentParser, data: bool) -> None:
        s.add_argument("--config", type=Path, required=True)
        s.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
        s.add_argument("--base", type=Path, default=None, help="local HF BERT folder (default: installed MiniLM)")
        if data:
            s.add_argument("--data", type=Path, required=True, help="prepared folder (train/dev/test.jsonl)")

    s = sub.add_parser("train", help="fine-tune; best checkpoint in RUN_DIR")
    common(s, data=True)
    s.add_argument("--out", type=Path, required=True, help="RUN_DIR")

    s = sub.add_parser("evaluate", help="score a run's best checkpoint on a canonical file")
    s.add_argument("--run", type=Path, required=True)
    s.add_argument("--data", type=Path, required=True)

    s = sub.add_parser("evaluate-model", help="score exported model folders (ONNX) on canonical files")
    s.add_argument("--model", dest="models", type=Path, action="append", required=True, help="MODEL_DIR (repeatable)")
    s.add_argument("--data", dest="data_files", type=Path, action="append", required=True, help="JSONL (repeatable)")
    s.add_argument("--variant", choices=("int8", "fp32"), default="int8", help="graph to score (servers run int8)")
    s.add_argument("--out", type=Path, default=None, help="write the full metrics JSON here")

    s = sub.add_parser("export", help="calibrate + ONNX export + parity + report into MODEL_DIR")
    s.add_argument("--run", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)

    s = sub.add_parser("all", help="prepare -> train -> calibrate -> export -> parity -> report")
    common(s, data=False)
    s.add_argument("--out", type=Path, required=True, help="MODEL_DIR (replaced atomically)")
    s.add_argument("--work", type=Path, default=None, help="run folder (default var/training/<out name>)")
    s.add_argument(
        "--progress-jsonl",
        default=None,
        metavar="PATH",
        help='JSON Lines progress events (phase/step/epoch/done) to PATH, or "-" for stdout',
    )

    s = sub.add_parser("pack-base", help="base folder in fp16 (weights, tokenizer, licence) to carry to a GPU machine")
    s.add_argument("--base", type=Path, default=None, help="local HF BERT folder (default: installed MiniLM)")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--dtype", choices=("fp16", "bf16", "fp32"), default="fp16")

    s = sub.add_parser("bench", help="`all` + test metrics into bench/results/training-<dataset>.json")
    common(s, data=False)
    s.add_argument("--out", type=Path, default=None, help="MODEL_DIR (default var/bench/<config name>)")
    s.add_argument("--results", type=Path, default=Path("bench/results"))
    return p


def main(argv: list[str] | None = None) -> int:
    # Root at WARNING: onnxruntime's quantizer logs one INFO line per tensor through the root logger.
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    log.setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except (ConfigError, DataError, ParityError) as e:
        # Expected failures: one clear line naming what to fix, no traceback.
        log.error("%s: %s", type(e).__name__, e)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    from . import pipeline

    if args.command == "prepare":
        from .data import prepare

        meta = prepare(
            args.source,
            args.input,
            args.out,
            seed=args.seed,
            skip_invalid=args.skip_invalid,
            unseen_labels=args.unseen_labels,
        )
        print(json.dumps({k: meta[k] for k in ("counts", "skipped", "unseen_labels", "data_sha256")}, indent=2))
        return 0
    if args.command == "prepare-oos":
        from .oos import prepare_oos

        meta = prepare_oos(
            args.snips, args.handwritten, args.out, n_train=args.train, seed=args.seed, in_scope_dir=args.in_scope
        )
        print(json.dumps({k: meta[k] for k in ("counts", "reader_stats", "data_sha256")}, indent=2))
        return 0
    if args.command == "fingerprint":
        from .manifest import fingerprint, staleness

        fp = fingerprint(load_config(args.config, list(args.overrides)), resolve_base(args.base))
        if args.model is None:
            print(json.dumps(fp))
            return 0
        stale = staleness(args.model, fp)
        print(json.dumps({**fp, "model": str(args.model), "stale": stale}))
        return 3 if stale else 0
    if args.command == "pack-base":
        from .pack import pack_base

        info = pack_base(resolve_base(args.base), args.out, args.dtype)
        print(json.dumps({k: info[k] for k in ("dtype", "bytes")} | {"out": str(args.out)}))
        return 0
    if args.command == "evaluate":
        m = pipeline.evaluate_run(args.run, args.data)
        print(json.dumps({k: m[k] for k in ("n", "intent_accuracy", "intent_macro_f1", "slot_f1", "exact_match")}))
        return 0
    if args.command == "evaluate-model":
        from .score import score_models

        result = score_models(args.models, args.data_files, args.out, args.variant)
        keys = ("n", "intent_accuracy", "intent_macro_f1", "slot_f1", "exact_match")
        print(json.dumps([{s: {k: v[k] for k in keys} for s, v in m["sets"].items()} for m in result["models"]]))
        return 0
    if args.command == "export":
        manifest = pipeline.export_run(args.run, args.out)
        print(json.dumps({"version": manifest["version"], "metrics": manifest["metrics"]}))
        return 0
    overrides = list(args.overrides)
    if args.command == "train":
        overrides = [f"data.path={args.data.resolve()}", "data.source=canonical", *overrides]
    cfg = load_config(args.config, overrides)
    base = resolve_base(args.base)
    if args.command == "train":
        from .train import train

        splits, meta, _ = pipeline.load_data(cfg, args.out)
        summary = train(cfg, splits, base, args.out)
        pipeline.write_run_info(args.out, args.data, base, meta, splits, summary)
        print(json.dumps(summary["best_dev"]))
        return 0
    if args.command == "all":
        from .progress import Progress

        progress = Progress(args.progress_jsonl)
        try:
            manifest = pipeline.run_all(cfg, base, args.out, args.work, progress)
            progress.emit("done", version=manifest["version"], out=str(args.out), metrics=manifest["metrics"])
        finally:
            progress.close()
        if args.progress_jsonl != "-":
            print(json.dumps({"version": manifest["version"], "metrics": manifest["metrics"]}))
        return 0
    from .bench import run_bench

    run_bench(cfg, base, args.config, args.out, args.results, list(args.overrides))
    return 0
