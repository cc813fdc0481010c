import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from nlu_training.config import ADDED_LATER, ConfigError, build_config, load_config, resolve_base

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_every_shipped_config_loads() -> None:
    for path in CONFIGS.glob("*.toml"):
        cfg = load_config(path)
        assert cfg.max_seq_len <= 128, path


def test_set_overrides_are_coerced_to_the_field_type() -> None:
    cfg = load_config(CONFIGS / "tiny.toml", ["lr=3e-5", "epochs=4", "int8_per_channel=false", "data.max_train=10"])
    assert (cfg.lr, cfg.epochs, cfg.int8_per_channel, cfg.data.max_train) == (3e-5, 4, False, 10)


def test_relative_data_path_is_resolved_from_the_config_folder() -> None:
    cfg = load_config(CONFIGS / "support.toml")
    assert Path(cfg.data.path) == (CONFIGS.parent / "data" / "bitext").resolve()


@pytest.mark.parametrize(
    "override",
    [
        "epochs=0",
        "lr=2",
        "max_seq_len=4",
        "device=tpu",
        "data.source=csv",
        "data.unseen_labels=maybe",
        "retrieval_precision=0.99",
        "nope=1",
        "data.nope=1",
        "epochs=three",
        "int8_per_channel=perhaps",
        "intent_label_smoothing=1",
        "intent_label_smoothing=-0.1",
        "layer_lr_decay=0",
        "layer_lr_decay=1.5",
        "entity_augment=-1",
        "entity_augment=11",
        "lr",
    ],
)
def test_invalid_settings_raise_config_error(override: str) -> None:
    with pytest.raises(ConfigError):
        load_config(CONFIGS / "tiny.toml", [override])


def test_config_hash_ignores_the_data_path_but_not_hyperparameters() -> None:
    a = build_config({"data": {"path": "/a"}})
    b = build_config({"data": {"path": "/b", "evaluate": ["/challenge.jsonl"]}})  # scored, never trained on
    c = build_config({"data": {"path": "/a"}, "lr": 5e-5})
    assert a.hash() == b.hash() != c.hash()


def test_settings_added_later_change_the_hash_only_when_set() -> None:
    """A model trained before tag_layers/freeze_embeddings existed keeps its version (ensure-model does not
    retrain it): at their defaults they hash as if absent, i.e. as the code before them did."""
    cfg = build_config({"data": {"path": "/a"}})
    before = cfg.to_dict()
    for name in ADDED_LATER:
        del before[name]
    before["data"] = {k: v for k, v in before["data"].items() if k not in ("path", "extra", "evaluate")}
    assert cfg.hash() == hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()
    changed: tuple[dict[str, Any], ...] = (
        {"tag_layers": 2},
        {"freeze_embeddings": True},
        {"crf": True},
        {"intent_label_smoothing": 0.1},
        {"layer_lr_decay": 0.9},
        {"entity_augment": 1.0},
    )
    for override in changed:
        assert build_config({"data": {"path": "/a"}, **override}).hash() != cfg.hash()


def test_data_path_lists_must_be_lists() -> None:
    """A bare string would otherwise be read character by character as a list of paths."""
    for key in ("extra", "evaluate"):
        with pytest.raises(ConfigError, match=f"data.{key} must be a list"):
            build_config({"data": {"path": "/a", key: "x.jsonl"}})


def test_config_is_frozen() -> None:
    cfg = build_config({"data": {"path": "/a"}})
    with pytest.raises(AttributeError):
        cfg.lr = 1.0  # type: ignore[misc]


def test_default_base_is_the_installed_minilm() -> None:
    base = resolve_base(None)
    assert (base / "tokenizer.json").is_file()
    assert json.loads((base / "config.json").read_text())["model_type"] == "bert"


def test_base_folder_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no config\.json"):
        resolve_base(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(ConfigError, match="not BERT-family"):
        resolve_base(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(ConfigError, match="tokenizer"):
        resolve_base(tmp_path)
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    with pytest.raises(ConfigError, match="safetensors"):
        resolve_base(tmp_path)


def test_intent_label_smoothing_reaches_the_training_loss() -> None:
    """The option changes the loss the optimiser sees; at 0 the loss is the plain joint cross entropy."""
    from types import SimpleNamespace

    import torch

    from nlu_training.encode import IGNORE
    from nlu_training.train import joint_loss

    intent = torch.tensor([[8.0, 0.0, 0.0], [0.0, 6.0, 0.0]])  # confident and right
    tags = torch.tensor([[[2.0, 0.0], [0.0, 3.0]], [[1.0, 0.0], [0.0, 0.0]]])
    batch = {"intent": torch.tensor([0, 1]), "tags": torch.tensor([[0, 1], [0, IGNORE]])}
    model: Any = SimpleNamespace(crf=None)  # no CRF: the per-word cross entropy path
    plain = build_config({"data": {"path": "/a"}, "slot_loss_weight": 2.0})
    smoothed = build_config({"data": {"path": "/a"}, "slot_loss_weight": 2.0, "intent_label_smoothing": 0.1})
    f = torch.nn.functional
    want = f.cross_entropy(intent, batch["intent"]) + 2.0 * f.cross_entropy(
        tags.flatten(0, 1), batch["tags"].flatten(), ignore_index=IGNORE
    )
    assert torch.allclose(joint_loss(model, plain, intent, tags, batch), want)
    assert joint_loss(model, smoothed, intent, tags, batch) > want + 0.1  # smoothing penalises the confident intents
    no_tags = build_config({"data": {"path": "/a"}, "slot_loss_weight": 0.0})
    assert torch.allclose(joint_loss(model, no_tags, intent, tags, batch), f.cross_entropy(intent, batch["intent"]))


def test_layer_lr_decay_lowers_the_rate_layer_by_layer() -> None:
    """Off (1.0): every encoder parameter at lr, the heads at head_lr. At 0.5 on the real 6-layer base: the last
    layer at lr, each layer below at half the one above, the embeddings lowest; the heads keep head_lr."""
    from nlu_training.model import build_model
    from nlu_training.train import param_groups

    def rates(cfg: Any) -> dict[str, float]:
        model = build_model(resolve_base(None), n_intents=3, n_tags=3, dropout=0.1, tag_layers=1)
        by_param = {id(p): g["lr"] for g in param_groups(model, cfg) for p in g["params"]}
        return {name: by_param[id(p)] for name, p in model.named_parameters() if id(p) in by_param}

    off = rates(build_config({"data": {"path": "/a"}, "lr": 2e-4, "head_lr": 1e-3}))
    assert {lr for name, lr in off.items() if name.startswith("encoder.")} == {2e-4}
    assert {lr for name, lr in off.items() if not name.startswith("encoder.")} == {1e-3}
    on = rates(build_config({"data": {"path": "/a"}, "lr": 2e-4, "head_lr": 1e-3, "layer_lr_decay": 0.5}))
    layer = {i: on[f"encoder.encoder.layer.{i}.output.dense.weight"] for i in range(6)}
    assert layer[5] == pytest.approx(2e-4)
    assert all(layer[i] == pytest.approx(layer[i + 1] / 2) for i in range(5))
    assert on["encoder.embeddings.word_embeddings.weight"] == pytest.approx(layer[0] / 2)
    assert {lr for name, lr in on.items() if not name.startswith("encoder.")} == {1e-3}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"layer_lr_decay": "x"}, "layer_lr_decay must be a float, got 'x'"),
        ({"layer_lr_decay": True}, "layer_lr_decay must be a float, got True"),
        ({"epochs": 2.5}, "epochs must be an int, got 2.5"),
        ({"crf": "yes"}, "crf must be a bool, got 'yes'"),
        ({"data": {"path": "/a", "split_seed": "13"}}, "data.split_seed must be an int, got '13'"),
    ],
)
def test_a_value_of_the_wrong_kind_names_the_setting(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_config({"data": {"path": "/a"}, **raw})


def test_evaluation_files_of_one_name_are_refused() -> None:
    """metrics.json keys results by file name: the second file's figures would replace the first's."""
    with pytest.raises(ConfigError, match="two files of the same name"):
        build_config({"data": {"path": "/a", "evaluate": ["/x/test.jsonl", "/y/test.jsonl"]}})
