#!/usr/bin/env python3
"""PyTorch reference for `pnpm bench model` (dev-only; the project never needs Python).

The three models of packages/model (src/models/build.ts) rebuilt layer for layer in PyTorch
from a model config (the resolved ModelConfig as JSON, which the TS bench passes with
--config; DEFAULT_CONFIG below otherwise), trained and run on random data on the CPU to give a
yardstick for the tfjs figures:

- face branch: x/255; convLayers x (Conv2d kernelSize 'same' (filters, doubled per layer) [+
  BatchNorm] + ReLU + MaxPool 2x2) on imageSize^2 x frames (NCHW here, NHWC in tfjs); then
  global average or max pooling, or flatten (facePooling);
- physio branch: physioConvLayers x (Conv1d physioKernelSize 'same' + ReLU + MaxPool1d) on
  seqLength steps x channels (channels-first here, time-major in tfjs); lstmLayers LSTMs of
  lstmUnits, the last one's final state;
- head: concatenate; denseUnits x (Dense + ReLU + dropout); Dense numClasses (softmax in the
  loss, as CrossEntropyLoss does; tfjs has softmax + categorical cross-entropy);
- Adam at learningRate, batch 64.

Keras' LSTM has one bias vector, PyTorch's two (input and recurrent): the recurrent one is
kept at zero and frozen. The parameter count printed is what tfjs's countParams counts:
trainable parameters plus batch-norm moving statistics, so the two must be equal.

Usage: model_torch.py [--config JSON] [--threads 1,2] [--models hybrid,cnnOnly,rnnOnly]
                      [--batch 64] [--warmup 3] [--min-batches 10] [--min-seconds 2]
Prints one JSON object on stdout. Each thread count n runs in its own child process with
OMP_NUM_THREADS=n and OPENBLAS_NUM_THREADS=1 set before torch is imported, and
torch.set_num_threads(n). Debian's torch parallelises with OpenMP and calls the pthread build
of OpenBLAS for matrix products: letting OpenBLAS start threads of its own as well
oversubscribes two cores (the RNN and hybrid models ran 3-10x slower with 2 + 2 threads).
"""

import argparse
import json
import os
import subprocess
import sys
import time

# packages/model's DEFAULT_MODEL_CONFIG and the pipeline's default data sizes when this was written
# (the bench passes the live ones: the config and tools/src/bench/study-shape.ts).
DEFAULT_CONFIG = {
    "imageSize": 48,
    "frames": 1,
    "seqLength": 320,
    "channels": 4,
    "numClasses": 5,
    "convLayers": 3,
    "filters": 32,
    "kernelSize": 3,
    "facePooling": "flatten",
    "faceBatchNorm": False,
    "physioConvLayers": 2,
    "physioFilters": 32,
    "physioKernelSize": 5,
    "physioStride": 1,
    "physioPoolSize": 2,
    "lstmLayers": 1,
    "lstmUnits": 64,
    "useFeatures": False,
    "denseUnits": [128],
    "dropout": 0.5,
    "learningRate": 0.001,
}


def filters_per_layer(filters, layers):
    if isinstance(filters, list):
        return filters
    return [filters * 2**i for i in range(layers)]


def same_padding(kernel):
    if kernel % 2 == 0:
        raise ValueError(f"even kernel {kernel}: 'same' padding is asymmetric, not mirrored here")
    return kernel // 2


def build(kind, cfg):
    import torch
    from torch import nn

    if cfg["useFeatures"] and kind != "cnnOnly":
        raise ValueError("useFeatures is not mirrored in PyTorch")

    class FaceBranch(nn.Module):
        def __init__(self):
            super().__init__()
            layers = []
            c_in, size = cfg["frames"], cfg["imageSize"]
            k = cfg["kernelSize"]
            for c_out in filters_per_layer(cfg["filters"], cfg["convLayers"]):
                layers.append(nn.Conv2d(c_in, c_out, k, padding=same_padding(k)))
                if cfg["faceBatchNorm"]:
                    # Keras: momentum 0.9 of the old value, epsilon 1e-3.
                    layers.append(nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.1))
                layers += [nn.ReLU(), nn.MaxPool2d(2)]
                c_in, size = c_out, size // 2
            self.convs = nn.Sequential(*layers)
            self.pooling = cfg["facePooling"]
            self.width = c_in * size * size if self.pooling == "flatten" else c_in

        def forward(self, face):
            h = self.convs(face * (1.0 / 255.0))
            if self.pooling == "avg":
                return h.mean(dim=(2, 3))
            if self.pooling == "max":
                return h.amax(dim=(2, 3))
            return h.flatten(1)

    class PhysioBranch(nn.Module):
        def __init__(self):
            super().__init__()
            layers = []
            c_in = cfg["channels"]
            k, stride, pool = cfg["physioKernelSize"], cfg["physioStride"], cfg["physioPoolSize"]
            if stride != 1:
                raise ValueError("physioStride > 1 ('same' with stride) is not mirrored here")
            for c_out in filters_per_layer(cfg["physioFilters"], cfg["physioConvLayers"]):
                layers += [nn.Conv1d(c_in, c_out, k, padding=same_padding(k)), nn.ReLU()]
                if pool > 1:
                    layers.append(nn.MaxPool1d(pool))
                c_in = c_out
            self.convs = nn.Sequential(*layers)
            units = cfg["lstmUnits"]
            self.lstm = nn.LSTM(c_in, units, num_layers=cfg["lstmLayers"], batch_first=True)
            # One bias vector as in Keras: b_hh stays zero and frozen; forget-gate bias 1
            # (unitForgetBias). PyTorch's gate order is i, f, g, o.
            for layer in range(cfg["lstmLayers"]):
                b_ih = getattr(self.lstm, f"bias_ih_l{layer}")
                b_hh = getattr(self.lstm, f"bias_hh_l{layer}")
                with torch.no_grad():
                    b_hh.zero_()
                    b_ih.zero_()
                    b_ih[units : 2 * units] = 1.0
                b_hh.requires_grad_(False)
            self.width = units

        def forward(self, physio):
            h = self.convs(physio)  # [B, C, T']
            _, (h_n, _) = self.lstm(h.transpose(1, 2))
            return h_n[-1]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.face = FaceBranch() if kind != "rnnOnly" else None
            self.physio = PhysioBranch() if kind != "cnnOnly" else None
            width = (self.face.width if self.face else 0) + (
                self.physio.width if self.physio else 0
            )
            layers = []
            for units in cfg["denseUnits"]:
                layers += [nn.Linear(width, units), nn.ReLU()]
                if cfg["dropout"] > 0:
                    layers.append(nn.Dropout(cfg["dropout"]))
                width = units
            layers.append(nn.Linear(width, cfg["numClasses"]))
            self.head = nn.Sequential(*layers)
            for m in self.modules():
                if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)

        def forward(self, *inputs):
            parts = []
            i = 0
            if self.face is not None:
                parts.append(self.face(inputs[i]))
                i += 1
            if self.physio is not None:
                parts.append(self.physio(inputs[i]))
            h = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
            return self.head(h)  # logits

    return Net()


def count_params(model):
    """What tfjs's countParams counts: trainable weights and batch-norm moving statistics."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    stats = sum(
        b.numel()
        for name, b in model.named_buffers()
        if name.endswith(("running_mean", "running_var"))
    )
    return trainable + stats


def random_inputs(kind, cfg, batch, gen):
    import torch

    xs = []
    if kind != "rnnOnly":
        size = cfg["imageSize"]
        xs.append(torch.rand(batch, cfg["frames"], size, size, generator=gen) * 255.0)
    if kind != "cnnOnly":
        xs.append(torch.randn(batch, cfg["channels"], cfg["seqLength"], generator=gen))
    y = torch.randint(0, cfg["numClasses"], (batch,), generator=gen)
    return xs, y


def timed(step, warmup, min_batches, min_seconds):
    for _ in range(warmup):
        step()
    n = 0
    t0 = time.perf_counter()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - t0
        if n >= min_batches and elapsed >= min_seconds:
            return n, elapsed


def bench_model(kind, cfg, args):
    import torch
    from torch import nn

    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    model = build(kind, cfg)
    params = count_params(model)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(trainable, lr=cfg["learningRate"])
    loss_fn = nn.CrossEntropyLoss()
    xs, y = random_inputs(kind, cfg, args.batch, gen)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(*xs), y)
        loss.backward()
        opt.step()
        loss.item()

    model.train()
    n, s = timed(train_step, args.warmup, args.min_batches, args.min_seconds)
    train = {"batches": n, "batchSize": args.batch, "seconds": s, "samplesPerS": n * args.batch / s}

    def infer_step():
        with torch.inference_mode():
            torch.softmax(model(*xs), dim=1).sum().item()

    model.eval()
    n, s = timed(infer_step, args.warmup, args.min_batches, args.min_seconds)
    infer = {"batches": n, "batchSize": args.batch, "seconds": s, "samplesPerS": n * args.batch / s}
    return {"params": params, "train": train, "infer": infer}


def run_one(args):
    """This process, with args.threads (one number) threads."""
    import torch

    threads = int(args.threads)
    torch.set_num_threads(threads)
    cfg = {**DEFAULT_CONFIG, **json.loads(args.config)}
    models = {kind: bench_model(kind, cfg, args) for kind in args.models.split(",")}
    return {
        "threads": threads,
        "torchThreads": torch.get_num_threads(),
        "models": models,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default="{}", help="model config (JSON) over DEFAULT_CONFIG")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--models", default="hybrid,cnnOnly,rnnOnly")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--min-batches", type=int, default=10)
    p.add_argument("--min-seconds", type=float, default=2.0)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.child:
        json.dump(run_one(args), sys.stdout)
        return

    try:
        import torch
    except ImportError as err:
        json.dump({"available": False, "reason": str(err)}, sys.stdout)
        return

    runs = []
    for threads in [int(t) for t in args.threads.split(",")]:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--threads", str(threads)]
        cmd += ["--config", args.config]
        cmd += ["--models", args.models, "--batch", str(args.batch), "--warmup", str(args.warmup)]
        cmd += ["--min-batches", str(args.min_batches), "--min-seconds", str(args.min_seconds)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
            sys.exit(f"{threads} thread(s): {lines[-1]}")
        runs.append(json.loads(done.stdout))
        for kind, m in runs[-1]["models"].items():
            print(
                f"torch {threads} thread(s) {kind}: {m['params']:,} params, "
                f"train {m['train']['samplesPerS']:.0f}/s, "
                f"infer {m['infer']['samplesPerS']:.0f}/s",
                file=sys.stderr,
            )
    json.dump(
        {
            "available": True,
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "cpus": os.cpu_count(),
            "config": {**DEFAULT_CONFIG, **json.loads(args.config)},
            "runs": runs,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
