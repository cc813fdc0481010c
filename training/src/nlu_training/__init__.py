"""Parley NLU training: joint intent + BIO entity model, calibrated, exported to ONNX."""

__version__ = "0.1.0"
