"""Python onnxruntime baseline for `npm run bench:nlu`: same model file, same input ids, same threads.

Reads a JSON job on stdin ({"model": path, "threads": n, "ids": [[...], ...], "batch": 32,
"latency_iters": n, "throughput_seconds": s}) and prints one JSON object with batch-1 latency
percentiles and padded-batch throughput. Only session.run is timed: tokenization happens in the
Node bench, so this is the upper bound a Python server could reach with the same graph.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import onnxruntime as ort


def make_session(path: str, threads: int, spin: bool, spin_us: int, disabled: list[str]) -> ort.InferenceSession:
    so = ort.SessionOptions()
    # The optimizers the Node runtime turns off (DISABLED_OPTIMIZERS), so both run the same graph.
    if disabled:
        so.add_session_config_entry("optimization.disable_specified_optimizers", ",".join(disabled))
    # The Node runtime's session options (libs/nlu inline.backend.ts), so both sides get the same CPU behaviour:
    # spinning bounded to spin_us and stopped when a run returns.
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    so.add_session_config_entry("session.intra_op.spin_duration_us", str(spin_us))
    so.add_session_config_entry("session.force_spinning_stop", "1")
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def pad(rows: list[list[int]]) -> dict[str, np.ndarray]:
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def percentile(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q))


def main() -> None:
    job = json.load(sys.stdin)
    sess = make_session(job["model"], int(job["threads"]), bool(job.get("spin", False)), int(job["spin_duration_us"]), list(job.get("disabled_optimizers", [])))
    ids: list[list[int]] = job["ids"]
    single = pad([ids[0]])
    for _ in range(20):
        sess.run(None, single)
    lat = []
    for _ in range(int(job["latency_iters"])):
        t = time.perf_counter()
        sess.run(None, single)
        lat.append((time.perf_counter() - t) * 1000)
    batch = int(job["batch"])
    feeds = [pad([ids[(k * batch + j) % len(ids)] for j in range(batch)]) for k in range(8)]
    sess.run(None, feeds[0])
    done, k, start, cpu0 = 0, 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < float(job["throughput_seconds"]):
        sess.run(None, feeds[k % len(feeds)])
        done += batch
        k += 1
    elapsed = time.perf_counter() - start
    # Process CPU time over all threads: comparable with the Node figure on a shared machine.
    cpu_ms_per_msg = (time.process_time() - cpu0) * 1000 / done
    print(json.dumps({
        "onnxruntime": ort.__version__,
        "threads": int(job["threads"]),
        "spin": bool(job.get("spin", False)),
        "p50_ms": percentile(lat, 50),
        "p99_ms": percentile(lat, 99),
        "batch": batch,
        "throughput_msgs_per_s": done / elapsed,
        "cpu_ms_per_msg": cpu_ms_per_msg,
        "cpu_bound_msgs_per_s": int(job["threads"]) * 1000 / cpu_ms_per_msg,
    }))


if __name__ == "__main__":
    main()
