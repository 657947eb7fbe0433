#!/usr/bin/python3
"""PyTorch side of `npm run bench`'s gradient section (issue 6, "Measure").

Run with Debian's python3 (torch 1.13 CPU, torchvision 0.14, onnx 1.12, numpy); scripts/bench.mjs runs it as

    /usr/bin/python3 scripts/bench_gradients.py OUT_DIR --threads T --serve

(standalone: `... OUT_DIR [--threads T] [--runs N] [--pgd-runs M]` times by itself and prints the medians).

1. Builds torchvision's GoogLeNet (aux_logits=False, transform_input=False, init_weights=True: 6.6M parameters,
   224 px, 1000 classes) with a fixed seed. The random init (weights ~ N(0, 0.01), BN statistics 0/1) makes
   activations shrink layer after layer, so the BatchNorm running statistics are calibrated on random images first
   (as the gradient fixtures' make_reference.py does): every layer then sees unit-scale activations, as in a
   trained net, and no timing is distorted by denormal floats. Then eval mode.
2. Exports it to OUT_DIR/googlenet.onnx (opset 13, input "input" [N,3,224,224] normalised, output "logits"; BN
   folded into the convolutions by the eval-mode export).
3. In the same process, with torch.set_num_threads(T) (T = the ORT side's intra-op threads), times (after
   warm-up; with --serve, in blocks that bench.mjs interleaves with its ONNX Runtime blocks, since the shared
   machine's load drifts)
   - forward: no_grad, the net with ImageNet normalisation in front (the pixel-space model of
     core/gradients/pixelSpace.ts), batch 1;
   - forward+backward: objective = log_softmax(logits)[target] of that pixel-space model, and its gradient with
     respect to the [0,1] pixels (what the node side's gradient model outputs as `objective` and `grad_input`);
   - PGD-10: Linf, eps 8/255, step 2/255, no random start, the rules of core/attacks/pgd.ts (maximise the
     objective; delta += step * sign(grad); project onto the ball; clamp x0 + delta to [0, 1]; one more
     gradient evaluation at the final delta for the final objective, as pgd() does).
4. Writes OUT_DIR/input.bin (the [1,3,224,224] pixels), OUT_DIR/grad_input.bin (torch's float32 gradient for it)
   and OUT_DIR/grad_input_f64.bin (float64 autograd on the same weights, stored as float32), float32
   little-endian, so the node side reports the max relative gradient error of its engine vs autograd (and vs the
   float64 gradient, next to float32 autograd's own error), and prints one JSON line (prefixed
   "BENCH_GRADIENTS_JSON ").
"""
import argparse
import copy
import json
import os
import statistics
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models import googlenet

SEED = 20240606
OPSET = 13
SIZE = 224
TARGET = 207  # the targeted class of the attack and the objective's class
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
EPS, STEP, STEPS = 8 / 255, 2 / 255, 10


class PixelSpace(nn.Module):
    """The net with the manifest's normalisation in front: input pixels in [0, 1]."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


def build_net():
    torch.manual_seed(SEED)
    net = googlenet(weights=None, aux_logits=False, transform_input=False, init_weights=True)
    gen = torch.Generator().manual_seed(SEED + 1)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None  # cumulative average
            m.reset_running_stats()
    net.train()
    with torch.no_grad():
        for _ in range(4):
            pixels = torch.rand(4, 3, SIZE, SIZE, generator=gen)
            net((pixels - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1))
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1
    return net.eval()


def time_ms(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def objective_and_grad(model, x):
    x = x.detach().requires_grad_(True)
    obj = F.log_softmax(model(x), dim=1)[0, TARGET]
    (g,) = torch.autograd.grad(obj, x)
    return obj.detach(), g


def pgd(model, x0):
    """core/attacks/pgd.ts, Linf, no random start: objectives before each step and at the final delta."""
    delta = torch.zeros_like(x0)
    objectives = []
    for _ in range(STEPS):
        obj, g = objective_and_grad(model, x0 + delta)
        objectives.append(float(obj))
        delta = (delta + STEP * torch.sign(g)).clamp(-EPS, EPS)
        delta = (x0 + delta).clamp(0, 1) - x0
    obj, _ = objective_and_grad(model, x0 + delta)
    objectives.append(float(obj))
    return delta, objectives


def save_bin(path, t):
    np.ascontiguousarray(t.detach().numpy(), dtype="<f4").tofile(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--pgd-runs", type=int, default=3)
    ap.add_argument("--serve", action="store_true", help="time on request from stdin (scripts/bench.mjs)")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(args.threads)

    t = time.perf_counter()
    net = build_net()
    build_ms = (time.perf_counter() - t) * 1000
    params = sum(p.numel() for p in net.parameters())

    model_path = os.path.join(args.out_dir, "googlenet.onnx")
    t = time.perf_counter()
    torch.onnx.export(
        net, (torch.zeros(1, 3, SIZE, SIZE),), model_path, opset_version=OPSET, do_constant_folding=True,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    export_ms = (time.perf_counter() - t) * 1000
    om = onnx.load(model_path)
    ops = {}
    for n in om.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1

    model = PixelSpace(net).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(SEED + 2))

    def forward():
        with torch.no_grad():
            model(x)

    jobs = {
        "forward": forward,
        "forwardBackward": lambda: objective_and_grad(model, x),
        "pgd10": lambda: pgd(model, x),
    }

    obj, g = objective_and_grad(model, x)
    delta, objectives = pgd(model, x)  # also the warm-up of PGD
    for _ in range(3):
        forward()
        objective_and_grad(model, x)
    # float64 autograd on the same weights: how far float32 autograd itself is from the exact gradient.
    model64 = copy.deepcopy(model).double().eval()
    _, g64 = objective_and_grad(model64, x.double())
    del model64
    rel64 = float((g.double() - g64).abs().max() / g64.abs().max())
    save_bin(os.path.join(args.out_dir, "input.bin"), x)
    save_bin(os.path.join(args.out_dir, "grad_input.bin"), g)
    save_bin(os.path.join(args.out_dir, "grad_input_f64.bin"), g64.float())
    with torch.no_grad():
        logits = model(x)[0]
    result = {
        "torch": torch.__version__, "torchvision": torchvision.__version__, "onnx": onnx.__version__,
        "threads": torch.get_num_threads(), "opset": OPSET, "seed": SEED, "params": params,
        "model": "torchvision googlenet (aux_logits=False, transform_input=False, init_weights=True, BN calibrated)",
        "modelFile": model_path, "opCounts": dict(sorted(ops.items())),
        "input": {"file": "input.bin", "shape": [1, 3, SIZE, SIZE]},
        "gradInput": {"file": "grad_input.bin", "shape": [1, 3, SIZE, SIZE]},
        "gradInputFloat64": {"file": "grad_input_f64.bin", "shape": [1, 3, SIZE, SIZE]},
        "mean": MEAN, "std": STD, "target": TARGET,
        "objective": float(obj), "gradAbsMax": float(g.abs().max()),
        "gradFloat32VsFloat64RelMaxDiff": rel64,
        "logitsStd": float(logits.std()),
        "pgd": {"norm": "linf", "epsilon": EPS, "stepSize": STEP, "steps": STEPS, "randomStart": False,
                "objectives": objectives, "deltaAbsMax": float(delta.abs().max())},
        "buildMs": build_ms, "exportMs": export_ms,
    }
    if args.serve:
        # bench.mjs interleaves blocks of PyTorch and ONNX Runtime runs (the machine's load drifts):
        # it writes "JOB COUNT" lines and reads back "BENCH_TIMES [ms, ...]"; "quit" (or EOF) ends.
        print("BENCH_GRADIENTS_JSON " + json.dumps(result), flush=True)
        for line in sys.stdin:
            words = line.split()
            if not words or words[0] == "quit":
                break
            fn, count = jobs[words[0]], int(words[1])
            print("BENCH_TIMES " + json.dumps([time_ms(fn) for _ in range(count)]), flush=True)
        return
    result["runs"], result["pgdRuns"] = args.runs, args.pgd_runs
    result["forwardMs"] = statistics.median(time_ms(forward) for _ in range(args.runs))
    result["forwardBackwardMs"] = statistics.median(time_ms(jobs["forwardBackward"]) for _ in range(args.runs))
    result["pgd10Ms"] = statistics.median(time_ms(jobs["pgd10"]) for _ in range(args.pgd_runs))
    print("BENCH_GRADIENTS_JSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
