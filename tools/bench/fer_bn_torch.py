"""PyTorch reference for issue 19's batch-normalisation finding (dev-only; emo never needs Python).

The face CNN of @emo/model (3 x [Conv2D 3x3 'same' -> (BatchNorm) -> ReLU -> MaxPool 2x2],
32/64/128 filters, flatten, Dense 128 -> (BatchNorm) -> ReLU -> Dropout 0.5 -> softmax over five
classes; Glorot-uniform weights, zero biases, Adam 1e-3, batches of 64), trained on FER2013
PublicTest crops of the five classes (80 % train, 20 % validation, seeded), prints per epoch the
loss and accuracy, and at the end the flattened features' mean and the share of the head's dense
units that never fire on the validation crops.

    python3 tools/bench/fer_bn_torch.py MODE [EPOCHS]
    MODE: plain | bn (conv BN only) | bn-head (conv and head BN)

Needs python3-torch and python3-pil (Debian). Reads ../shared/realdata/faces/fer2013_public
(or $EMO_REALDATA_DIR/faces/fer2013_public).
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

CLASSES = ["happy", "sad", "angry", "neutral", "fear"]


def load(folder):
    xs, ys = [], []
    for c, name in enumerate(CLASSES):
        d = os.path.join(folder, name)
        for f in sorted(os.listdir(d)):
            xs.append(np.asarray(Image.open(os.path.join(d, f)).convert("L"), dtype=np.float32))
            ys.append(c)
    return np.stack(xs)[:, None] / 255.0, np.array(ys, dtype=np.int64)


def build(conv_bn, head_bn):
    layers, c = [], 1
    for f in [32, 64, 128]:
        layers += [nn.Conv2d(c, f, 3, padding=1)]
        if conv_bn:
            layers += [nn.BatchNorm2d(f, eps=1e-3, momentum=0.1)]
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
        c = f
    layers += [nn.Flatten(), nn.Linear(128 * 6 * 6, 128)]
    if head_bn:
        layers += [nn.BatchNorm1d(128, eps=1e-3, momentum=0.1)]
    layers += [nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, len(CLASSES))]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "bn"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    if mode not in ("plain", "bn", "bn-head"):
        sys.exit(f"MODE must be plain, bn or bn-head, got {mode}")
    root = os.environ.get("EMO_REALDATA_DIR", os.path.join(os.path.dirname(__file__), "../../../shared/realdata"))
    x, y = load(os.path.join(root, "faces", "fer2013_public"))
    torch.set_num_threads(1)
    torch.manual_seed(0)
    idx = np.random.default_rng(0).permutation(len(y))
    tr, va = idx[: int(0.8 * len(y))], idx[int(0.8 * len(y)) :]
    X, Y = torch.tensor(x), torch.tensor(y)
    net = build(mode != "plain", mode == "bn-head")
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    for ep in range(epochs):
        net.train()
        perm = np.random.default_rng(ep).permutation(tr)
        tl, tc, t0 = 0.0, 0, time.time()
        for i in range(0, len(perm), 64):
            b = perm[i : i + 64]
            out = net(X[b])
            loss = nn.functional.cross_entropy(out, Y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tl += loss.item() * len(b)
            tc += (out.argmax(1) == Y[b]).sum().item()
        net.eval()
        with torch.no_grad():
            o = net(X[va])
            vl = nn.functional.cross_entropy(o, Y[va]).item()
            vacc = (o.argmax(1) == Y[va]).float().mean().item()
        print(f"{mode} epoch {ep + 1}: loss {tl / len(tr):.4f} acc {tc / len(tr):.3f}; "
              f"validation loss {vl:.4f} acc {vacc:.3f} ({time.time() - t0:.1f} s)", flush=True)
    with torch.no_grad():
        h = X[va]
        for m in net:
            h = m(h)
            if isinstance(m, nn.Flatten):
                print(f"flattened features: mean {h.mean():.3f}, SD {h.std():.3f}")
            if isinstance(m, nn.ReLU) and h.dim() == 2:
                print(f"head dense units that never fire on validation: {(h.max(0).values == 0).float().mean():.2f}")


if __name__ == "__main__":
    main()
