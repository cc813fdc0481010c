"""Joint intent + BIO tagging model on a BERT-family encoder."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel


class JointModel(nn.Module):
    """Intent head on the mean-pooled last hidden state, tag head per position.

    forward returns (intent_logits, tag_logits, sentence_embedding); the embedding is the same mean
    pool, L2-normalised, so retrieval uses the fine-tuned encoder for free."""

    encoder: PreTrainedModel

    def __init__(self, encoder: PreTrainedModel, n_intents: int, n_tags: int, dropout: float) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.intent_dropout = nn.Dropout(dropout)
        self.intent_head = nn.Linear(hidden, n_intents)
        self.tag_dropout = nn.Dropout(dropout)
        self.tag_head = nn.Linear(hidden, n_tags)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # token_type_ids are built here so the ONNX graph takes only ids and mask.
        out = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        )
        hidden = out.last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        intent_logits = self.intent_head(self.intent_dropout(pooled))
        tag_logits = self.tag_head(self.tag_dropout(hidden))
        return intent_logits, tag_logits, F.normalize(pooled, p=2, dim=-1)


def build_model(base: Path, n_intents: int, n_tags: int, dropout: float, attn: str = "sdpa") -> JointModel:
    """Pretrained encoder weights from a local folder (never the hub)."""
    encoder = AutoModel.from_pretrained(str(base), attn_implementation=attn, local_files_only=True)
    return JointModel(encoder, n_intents, n_tags, dropout)


def load_trained(run_dir: Path, n_intents: int, n_tags: int, attn: str = "eager") -> JointModel:
    """Rebuilds the architecture from the run's saved encoder config and loads the best weights."""
    cfg = AutoConfig.from_pretrained(str(run_dir / "encoder"), local_files_only=True)
    cfg._attn_implementation = attn
    encoder = AutoModel.from_config(cfg, attn_implementation=attn)
    model = JointModel(encoder, n_intents, n_tags, dropout=0.0)
    state = torch.load(run_dir / "best.pt", map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()
