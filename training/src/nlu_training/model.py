"""Joint intent + BIO tagging model on a BERT-family encoder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel

from .config import ConfigError
from .crf import BioCrf


class JointModel(nn.Module):
    """Intent head on the mean-pooled last hidden state, tag head per position.

    forward returns (intent_logits, tag_logits, sentence_embedding); the embedding is the same mean
    pool, L2-normalised, so retrieval uses the fine-tuned encoder for free.

    tag_layers > 1: the tag head reads a learned softmax-weighted sum of the last tag_layers hidden
    states (ELMo's scalar mix) instead of the last one alone. A sentence-embedding encoder's last layer
    is tuned for the pooled vector; the layers below it keep more of the token-level information that
    entity boundaries need.

    crf_tags: the model also learns a linear-chain CRF over these BIO tags (crf.py); forward is unchanged
    (the ONNX graph still outputs the per-position tag logits) and the CRF's scores ship in labels.json."""

    encoder: PreTrainedModel

    def __init__(
        self,
        encoder: PreTrainedModel,
        n_intents: int,
        n_tags: int,
        dropout: float,
        tag_layers: int = 1,
        crf_tags: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        n_hidden = int(encoder.config.num_hidden_layers) + 1  # the embeddings' output counts as one
        if not 1 <= tag_layers <= n_hidden:
            # a ConfigError, so the CLI reports it as a bad setting instead of a traceback
            raise ConfigError(f"tag_layers must be in [1, {n_hidden}] for this encoder, got {tag_layers}")
        self.encoder = encoder
        self.tag_layers = tag_layers
        hidden = int(encoder.config.hidden_size)
        self.intent_dropout = nn.Dropout(dropout)
        self.intent_head = nn.Linear(hidden, n_intents)
        self.tag_dropout = nn.Dropout(dropout)
        self.tag_head = nn.Linear(hidden, n_tags)
        # zeros = equal weights at the start; only built when used, so 1-layer checkpoints load unchanged
        self.tag_mix = nn.Parameter(torch.zeros(tag_layers)) if tag_layers > 1 else None
        if crf_tags is not None and len(crf_tags) != n_tags:
            raise ConfigError(f"crf_tags has {len(crf_tags)} tags, the tag head {n_tags}")
        self.crf = BioCrf(list(crf_tags)) if crf_tags is not None else None

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # token_type_ids are built here so the ONNX graph takes only ids and mask.
        out = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
            output_hidden_states=self.tag_mix is not None,
        )
        hidden = out.last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        intent_logits = self.intent_head(self.intent_dropout(pooled))
        token = hidden
        if self.tag_mix is not None:
            weights = torch.softmax(self.tag_mix, dim=0).to(hidden.dtype)
            layers = torch.stack(out.hidden_states[-self.tag_layers :])  # [L, batch, seq, hidden]
            token = (weights.view(-1, 1, 1, 1) * layers).sum(dim=0)
        tag_logits = self.tag_head(self.tag_dropout(token))
        return intent_logits, tag_logits, F.normalize(pooled, p=2, dim=-1)


def build_model(
    base: Path,
    n_intents: int,
    n_tags: int,
    dropout: float,
    attn: str = "sdpa",
    tag_layers: int = 1,
    freeze_embeddings: bool = False,
    crf_tags: Sequence[str] | None = None,
) -> JointModel:
    """Pretrained encoder weights from a local folder (never the hub).

    freeze_embeddings keeps the word-piece embedding matrix as pretrained: a word seen only at test
    time (a new film title) then sits in the same space as the trained words around it, and the
    matrix (half of a MiniLM's weights) costs no gradient or optimizer step."""
    # fp32 master weights whatever the folder stores (a half-precision base, as `pack-base` writes for the GPU
    # check, or transformers 5 loading a checkpoint in its own dtype); a GPU computes in bf16 under autocast.
    encoder = AutoModel.from_pretrained(str(base), attn_implementation=attn, local_files_only=True).float()
    if freeze_embeddings:
        encoder.get_input_embeddings().weight.requires_grad_(False)
    return JointModel(encoder, n_intents, n_tags, dropout, tag_layers, crf_tags)


def load_trained(
    run_dir: Path, n_intents: int, tags: Sequence[str], tag_layers: int, attn: str = "eager"
) -> JointModel:
    """Rebuilds the architecture from the run's saved encoder config (its TrainConfig's tag_layers, and a
    CRF over `tags` where the checkpoint has one) and loads the best weights."""
    cfg = AutoConfig.from_pretrained(str(run_dir / "encoder"), local_files_only=True)
    cfg._attn_implementation = attn
    encoder = AutoModel.from_config(cfg, attn_implementation=attn)
    state = torch.load(run_dir / "best.pt", map_location="cpu", weights_only=True)
    crf_tags = tags if "crf.trans" in state else None
    model = JointModel(encoder, n_intents, len(tags), dropout=0.0, tag_layers=tag_layers, crf_tags=crf_tags)
    model.load_state_dict(state)
    return model.eval()
