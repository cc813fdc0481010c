"""ONNX export (fp32 + dynamic int8), parity checks, parity.jsonl, atomic folder publish."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from .calibrate import softmax
from .encode import Encoded, Labels
from .evaluate import Predictor, compute_metrics, predict, torch_predictor
from .model import JointModel
from .seed import available_cores
from .words import is_punctuation, utf16_offset

OPSET = 17
INPUTS = ["input_ids", "attention_mask"]
OUTPUTS = ["intent_logits", "tag_logits", "sentence_embedding"]
MAX_LOGIT_DIFF = 1e-4
MIN_INT8_AGREEMENT = 99.5
MAX_INT8_SLOT_F1_DROP = 0.5
# onnxruntime graph optimizers every session of an exported model turns off (see optimize_fp32); the
# TypeScript runtime keeps the same list (libs/nlu/src/inline.backend.ts DISABLED_OPTIMIZERS).
DISABLED_OPTIMIZERS = ("SkipLayerNormFusion",)


class ParityError(RuntimeError):
    """The exported graph does not reproduce the trained model closely enough."""


def export_onnx(model: JointModel, path: Path) -> None:
    model.eval()
    ids = torch.tensor([[101, 2023, 2003, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    axes = {
        "input_ids": {0: "batch", 1: "sequence"},
        "attention_mask": {0: "batch", 1: "sequence"},
        "intent_logits": {0: "batch"},
        "tag_logits": {0: "batch", 1: "sequence"},
        "sentence_embedding": {0: "batch"},
    }
    # The TorchScript-based exporter (dynamo=False) gives a stable, byte-identical graph for the
    # same weights, which the two-exports-same-hash check relies on.
    torch.onnx.export(
        model,
        (ids, mask),
        str(path),
        input_names=INPUTS,
        output_names=OUTPUTS,
        dynamic_axes=axes,
        opset_version=OPSET,
        do_constant_folding=True,
        dynamo=False,
    )


def optimize_fp32(src: Path, dst: Path, num_heads: int, hidden_size: int) -> dict[str, int]:
    """onnxruntime's transformer optimizer: fuses embeddings+LayerNorm, attention, bias+GELU and
    residual+LayerNorm into com.microsoft ops. Done offline because after int8 quantization the
    runtime can no longer fuse attention itself (the quantized MatMuls break its pattern), so only a
    graph fused first gets QAttention. opt_level 0 = pure graph rewrites, nothing tied to this CPU.

    Residual + LayerNorm is left as Add + LayerNormalization, not fused into SkipLayerNormalization:
    onnxruntime's CPU SkipLayerNormalization kernel is 2-3x slower than the two ops it replaces (16x384
    input: ~40 vs ~11-17 us, 12 per 6-layer pass; int8 batch 1 -9 %, batch 32 -12 to -25 %). Sessions
    must then disable onnxruntime's own SkipLayerNormFusion (DISABLED_OPTIMIZERS) or it fuses them back."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_skip_layer_norm = False
    model = optimize_model(
        str(src),
        model_type="bert",
        num_heads=num_heads,
        hidden_size=hidden_size,
        opt_level=0,
        optimization_options=options,
        use_gpu=False,
    )
    model.save_model_to_file(str(dst))
    return {k: int(v) for k, v in sorted(model.get_fused_operator_statistics().items()) if v}


# int8 variants, tried in order until one meets the parity bar: (graph, per_channel, op types).
# "fused" = the optimized graph: weights, attention (QAttention) and embeddings (QEmbedLayerNormalization),
# the two heads left fp32 (a few KB, and the last layer is where rounding flips a close call); then
# without quantizing the embeddings (+36 MB file). "raw" = the unfused graph with onnxruntime's default
# op set, as exported before the optimizer step (the runtime fuses what it can at load): the fallback for
# barely trained models (the tiny smoke config) whose near-tied logits flip under QAttention.
INT8_VARIANTS: tuple[tuple[str, bool, tuple[str, ...] | None], ...] = (
    ("fused", True, ("MatMul", "Attention", "EmbedLayerNormalization")),
    ("fused", True, ("MatMul", "Attention")),
    ("raw", True, None),
    ("raw", False, None),
)
HEADS = ("/intent_head/", "/tag_head/")


def quantize_int8(src: Path, dst: Path, per_channel: bool, op_types: tuple[str, ...] | None) -> None:
    """Dynamic int8; with op_types given (the fused graph), the heads stay fp32."""
    heads = [n.name for n in onnx.load(str(src), load_external_data=False).graph.node if n.name.startswith(HEADS)]
    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        op_types_to_quantize=list(op_types) if op_types else None,
        nodes_to_exclude=heads if op_types else None,
        # shape inference cannot type the outputs of the fused com.microsoft ops
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = available_cores()
    opts.log_severity_level = 3
    opts.add_session_config_entry("optimization.disable_specified_optimizers", ",".join(DISABLED_OPTIMIZERS))
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def onnx_predictor(sess: ort.InferenceSession) -> Predictor:
    def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        il, tl, _ = sess.run(OUTPUTS, {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)})
        return il, tl

    return run


def fp32_parity(
    model: JointModel, sess: ort.InferenceSession, data: list[Encoded], labels: Labels, batch_size: int
) -> float:
    """Max |torch - onnx| over intent and tag logits (real positions only) on the whole dev set."""
    from .encode import collate

    ref, got = torch_predictor(model, torch.device("cpu")), onnx_predictor(sess)
    worst = 0.0
    for i in range(0, len(data), batch_size):
        b = collate(data[i : i + batch_size])
        ids, mask = b["input_ids"].numpy(), b["attention_mask"].numpy()
        (ti, tt), (oi, ot) = ref(ids, mask), got(ids, mask)
        m = mask.astype(bool)
        worst = max(worst, float(np.abs(ti - oi).max()), float(np.abs(tt[m] - ot[m]).max()))
    return worst


def int8_parity(
    fp32: ort.InferenceSession, int8: ort.InferenceSession, data: list[Encoded], labels: Labels, batch_size: int
) -> dict[str, float]:
    p32 = predict(onnx_predictor(fp32), data, labels, batch_size)
    p8 = predict(onnx_predictor(int8), data, labels, batch_size)
    agree = float((p32.intent_logits.argmax(-1) == p8.intent_logits.argmax(-1)).mean()) * 100 if data else 100.0
    f32 = compute_metrics(data, p32, labels)["slot_f1"]
    f8 = compute_metrics(data, p8, labels)["slot_f1"]
    return {
        "intent_agreement": round(agree, 3),
        "slot_f1_fp32": round(f32, 3),
        "slot_f1_int8": round(f8, 3),
        "slot_f1_drop": round(f32 - f8, 3),
    }


def int8_ok(p: dict[str, float]) -> bool:
    return p["intent_agreement"] >= MIN_INT8_AGREEMENT and p["slot_f1_drop"] <= MAX_INT8_SLOT_F1_DROP


def pick_parity_examples(data: list[Encoded], texts: list[str], n: int) -> list[int]:
    """Varied, deterministic picks: some with entities, some with punctuation, the rest plain."""
    ents = [i for i, e in enumerate(data) if e.gold]
    punct = [i for i, t in enumerate(texts) if i not in set(ents) and any(is_punctuation(c) for c in t)]
    used = set(ents) | set(punct)
    plain = [i for i in range(len(data)) if i not in used]
    picks: list[int] = []
    for pool, want in ((ents, n * 2 // 5), (punct, n * 3 // 10), (plain, n)):
        want = min(want, n - len(picks), len(pool))
        if want > 0:
            picks += [pool[round(k * (len(pool) - 1) / max(1, want - 1))] for k in range(want)]
    return sorted(set(picks))


def parity_rows(
    sess: ort.InferenceSession, data: list[Encoded], texts: list[str], labels: Labels, temperature: float, n: int
) -> list[dict[str, Any]]:
    from .encode import decode_spans

    rows = []
    for i in pick_parity_examples(data, texts, n):
        enc, text = data[i], texts[i]
        ids = np.array([enc.input_ids], dtype=np.int64)
        il, tl, emb = sess.run(OUTPUTS, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        tag_ids = tl[0].argmax(-1).tolist()
        entities = []
        for s in decode_spans(enc, tl[0], labels)[0]:
            e: dict[str, Any] = {"label": s.label, "start": s.start, "end": s.end, "text": text[s.start : s.end]}
            if utf16_offset(text, s.end) != s.end:
                e["start_utf16"], e["end_utf16"] = utf16_offset(text, s.start), utf16_offset(text, s.end)
            entities.append(e)
        rows.append(
            {
                "text": text,
                "input_ids": enc.input_ids,
                "attention_mask": [1] * len(enc.input_ids),
                "intent_logits": [float(x) for x in il[0]],
                "intent": labels.intents[int(il[0].argmax())],
                "intent_probs": [float(x) for x in softmax(il[0:1], temperature)[0]],
                "tag_ids": tag_ids,  # arg-max per piece, before decoding
                "entities": entities,
                "embedding_head": [float(x) for x in emb[0][:8]],
            }
        )
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def publish(tmp: Path, out: Path) -> None:
    """Atomically replaces `out` with `tmp`: renameat2(RENAME_EXCHANGE) swaps the two folders in one
    step, so a reader sees the old folder or the new one, never none; falls back to two renames."""
    if not out.exists():
        os.rename(tmp, out)
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        at_fdcwd, rename_exchange = -100, 2
        rc = libc.renameat2(at_fdcwd, str(tmp).encode(), at_fdcwd, str(out).encode(), rename_exchange)
        if rc != 0:
            raise OSError(ctypes.get_errno(), "renameat2 failed")
        shutil.rmtree(tmp)
    except (OSError, AttributeError):
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old)
