"""PyTorch side of the design-network benchmark (issue 14): the same network,
loss, optimiser, batch sizes and data shape as `examples/train_mlp.rs`.

    python torch_mlp.py --batch-size 32 [--rows 100000] [--epochs 3] [--threads 1]

Prints one JSON object: train_samples_per_sec (the training loop only),
infer_samples_per_sec (eval mode, inference_mode, batches of 4096), the
final epoch's mean loss and training accuracy. The data follow train_mlp's
documented generator (same formula; numpy's RNG, so not the same draws).
"""
import argparse
import json
import time

import numpy as np
import torch
from torch import nn


def planted(rows, features, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((rows, features))
    e = rng.standard_normal(rows)
    x = z.copy()
    x[:, :4] = np.exp(z[:, :4])
    x = (x - x.mean(0)) / x.std(0)
    s = (1.2 * z[:, 0] * z[:, 1] + np.sin(2 * z[:, 2]) + 0.6 * z[:, 3] ** 2 - 0.6
         + 0.8 * z[:, 4] - 0.7 * z[:, 5] * z[:, 6] + 0.5 * np.tanh(z[:, 7] + z[:, 8]) + 0.4 * e)
    return x.astype(np.float32), (s > 0).astype(np.float32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--features", type=int, default=16)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = planted(a.rows, a.features, a.seed)
    x, y = torch.from_numpy(x), torch.from_numpy(y).unsqueeze(1)
    model = nn.Sequential(
        nn.Linear(a.features, 64), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(32, 1), nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()
    model.train()
    t = time.perf_counter()
    for _ in range(a.epochs):
        order = torch.randperm(a.rows)
        total, correct = 0.0, 0
        for start in range(0, a.rows, a.batch_size):
            idx = order[start:start + a.batch_size]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += int(((out > 0.5) == (yb > 0.5)).sum())
    train_s = time.perf_counter() - t
    model.eval()
    t = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, a.rows, 4096):
            model(x[start:start + 4096])
    infer_s = time.perf_counter() - t
    print(json.dumps({
        "tool": f"torch {torch.__version__}",
        "batch_size": a.batch_size,
        "threads": a.threads,
        "train_samples_per_sec": a.rows * a.epochs / train_s,
        "infer_samples_per_sec": a.rows / infer_s,
        "final_loss": total / a.rows,
        "train_accuracy": correct / a.rows,
    }))


if __name__ == "__main__":
    main()
