"""JointModel options on the real base weights: the tag head's layer mix and frozen word embeddings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from nlu_training.config import ConfigError, build_config, load_config, resolve_base
from nlu_training.export import export_onnx
from nlu_training.model import build_model, load_trained
from nlu_training.pipeline import load_data
from nlu_training.train import train

TINY = Path(__file__).resolve().parents[1] / "configs" / "tiny.toml"
IDS = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 7592, 2088, 102, 0, 0]])
MASK = (IDS != 0).long()


@pytest.fixture(scope="module")
def base() -> Path:
    return resolve_base(None)


def test_a_layer_mix_of_one_layer_is_the_plain_tag_head(base: Path) -> None:
    torch.manual_seed(0)
    plain = build_model(base, 3, 5, dropout=0.0).eval()
    mixed = build_model(base, 3, 5, dropout=0.0, tag_layers=3).eval()
    mixed.load_state_dict({**plain.state_dict(), "tag_mix": torch.zeros(3)})
    _, plain_tags, plain_emb = plain(IDS, MASK)
    with torch.no_grad():
        _, equal_tags, emb = mixed(IDS, MASK)
        assert not torch.allclose(equal_tags, plain_tags, atol=1e-3)  # equal weights mix three layers
        assert torch.allclose(emb, plain_emb)  # the intent/embedding side never reads the mix
        mixed.tag_mix.copy_(torch.tensor([-1e4, -1e4, 0.0]))  # all weight on the last layer
        _, last_tags, _ = mixed(IDS, MASK)
    assert torch.allclose(last_tags, plain_tags, atol=1e-5)


def test_tag_layers_beyond_the_encoder_is_refused(base: Path) -> None:
    with pytest.raises(ValueError, match="tag_layers must be in \\[1, 7\\]"):
        build_model(base, 3, 5, dropout=0.0, tag_layers=8)
    with pytest.raises(ConfigError, match="tag_layers"):
        load_config(TINY, ["tag_layers=0"])


def test_the_onnx_export_of_a_layer_mix_matches_torch(base: Path, tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = build_model(base, 3, 5, dropout=0.0, tag_layers=4, attn="eager").eval()
    with torch.no_grad():
        model.tag_mix.copy_(torch.tensor([0.5, -1.0, 2.0, 0.0]))
        want = [t.numpy() for t in model(IDS, MASK)]
    export_onnx(model, tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input_ids": IDS.numpy(), "attention_mask": MASK.numpy()})
    for g, w in zip(got, want, strict=True):
        assert np.abs(g - w).max() <= 1e-4


@pytest.mark.slow
def test_frozen_embeddings_stay_pretrained_and_a_mixed_run_reloads(base: Path, tmp_path: Path) -> None:
    cfg = dataclasses.replace(
        load_config(TINY, ["freeze_embeddings=true", "tag_layers=3"]),
        epochs=1,
        max_steps=3,
        data=dataclasses.replace(load_config(TINY).data, max_train=64, max_eval=16),
    )
    splits, _, _ = load_data(cfg, tmp_path / "data")
    train(cfg, splits, base, tmp_path / "run")
    pretrained = build_model(base, 1, 1, dropout=0.0).encoder.state_dict()
    trained = torch.load(tmp_path / "run" / "best.pt", map_location="cpu", weights_only=True)
    words = "embeddings.word_embeddings.weight"
    assert torch.equal(trained["encoder." + words], pretrained[words])
    layer = "encoder.layer.5.attention.self.query.weight"
    assert not torch.equal(trained["encoder." + layer], pretrained[layer])  # the rest did train
    saved = build_config(json.loads((tmp_path / "run" / "config.json").read_text()))  # as export_run reads it
    assert saved.tag_layers == 3
    labels = json.loads((tmp_path / "run" / "labels.json").read_text())
    model = load_trained(tmp_path / "run", len(labels["intents"]), labels["tags"], saved.tag_layers)
    assert model.tag_mix is not None and torch.equal(model.tag_mix, trained["tag_mix"])
