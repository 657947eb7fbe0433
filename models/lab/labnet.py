"""Shared code of the lab pipeline: the LabNet model, the data sets, PGD and the ONNX export.

Run the scripts with Debian's python (torch 1.13 CPU, torchvision 0.14, onnx 1.12), not the first python3 on PATH:
    /usr/bin/python3 models/lab/train.py ...
"""
import csv
import json
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')
RUNS = os.path.join(DATA, 'runs')
SIZE = 64
CLASSES = ['dog', 'cat', 'car', 'chair', 'airplane', 'boat', 'house', 'tree', 'teapot', 'bottle']
# The Linf budget of the adversarial fine-tuning and of the PGD evaluation, in [0, 1] pixel space.
EPSILON = 4 / 255
# Named blocks of the network; each is an ONNX tensor of the same name after export (see rename_tensors).
BLOCKS = ['conv1', 'conv2', 'mixed3a', 'mixed3b', 'mixed4a', 'mixed4b']


def setup(threads=2, seed=0):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)


# ---------------------------------------------------------------- model

class ConvBN(nn.Sequential):
    """Conv (no bias) + BatchNorm + ReLU; the BatchNorm folds into the Conv at export."""

    def __init__(self, cin, cout, k, stride=1):
        super().__init__(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Mixed(nn.Module):
    """An Inception module (GoogLeNet's, with the 5x5 branch as two 3x3 convolutions): four parallel branches,
    1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 -> 3x3 | 3x3 max pool -> 1x1, concatenated along the channels."""

    def __init__(self, cin, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.branch1 = ConvBN(cin, c1, 1)
        self.branch3 = nn.Sequential(ConvBN(cin, c3r, 1), ConvBN(c3r, c3, 3))
        self.branch5 = nn.Sequential(ConvBN(cin, c5r, 1), ConvBN(c5r, c5, 3), ConvBN(c5, c5, 3))
        self.pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), ConvBN(cin, pp, 1))
        self.channels = c1 + c3 + c5 + pp

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.pool(x)], 1)


class LabNet(nn.Module):
    """A small GoogLeNet-style CNN for 64 px RGB images in [0, 1] (no normalisation: conv1's BatchNorm learns it).

    conv1 5x5/2 -> 32x32, max pool -> 16x16, conv2 3x3, mixed3a, mixed3b, max pool -> 8x8, mixed4a, mixed4b,
    global average pool, dropout, linear."""

    def __init__(self, classes=len(CLASSES)):
        super().__init__()
        self.conv1 = ConvBN(3, 24, 5, 2)
        self.pool1 = nn.MaxPool2d(3, 2, 1)
        self.conv2 = ConvBN(24, 48, 3)
        self.mixed3a = Mixed(48, 24, 24, 32, 8, 12, 12)            # 80
        self.mixed3b = Mixed(80, 32, 32, 48, 12, 16, 16)           # 112
        self.pool3 = nn.MaxPool2d(3, 2, 1)
        self.mixed4a = Mixed(112, 48, 32, 56, 12, 24, 16)          # 144
        self.mixed4b = Mixed(144, 56, 40, 64, 16, 24, 24)          # 168
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(self.mixed4b.channels, classes)

    def forward(self, x):
        x = self.conv2(self.pool1(self.conv1(x)))
        x = self.mixed3b(self.mixed3a(x))
        x = self.mixed4b(self.mixed4a(self.pool3(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(self.dropout(x))


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- data

def load_split(name):
    """The split's images as uint8 (N, 3, 64, 64) and its rows (dicts of labels.csv), cached in data/<name>.npz."""
    folder = os.path.join(DATA, name)
    with open(os.path.join(folder, 'labels.csv')) as f:
        rows = list(csv.DictReader(f))
    cache = os.path.join(DATA, f'{name}.npz')
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(os.path.join(folder, 'labels.csv')):
        images = np.load(cache)['images']
    else:
        from PIL import Image
        images = np.stack([np.asarray(Image.open(os.path.join(folder, r['file'])).convert('RGB')) for r in rows])
        images = images.transpose(0, 3, 1, 2).copy()
        np.savez(cache, images=images)
    assert images.shape[1:] == (3, SIZE, SIZE), images.shape
    return images, rows


def to_tensor(images):
    return torch.from_numpy(images).float().div_(255)


def labels_of(rows, key='label'):
    return torch.tensor([int(r[key]) if key == 'label' else CLASSES.index(r[key]) for r in rows])


# ---------------------------------------------------------------- attacks

def pgd(model, x, y, eps=EPSILON, steps=10, step_size=None, random_start=True, generator=None):
    """Untargeted Linf PGD in [0, 1] pixel space (Madry et al.): maximises the cross-entropy of the true class.
    The model must be in the mode the caller wants (eval for evaluation); its parameters' grads are left alone."""
    step_size = step_size if step_size is not None else 2.5 * eps / steps
    was = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    delta = torch.zeros_like(x)
    if random_start:
        delta.uniform_(-eps, eps, generator=generator)
        delta = (x + delta).clamp_(0, 1) - x
    for _ in range(steps):
        delta.requires_grad_(True)
        loss = F.cross_entropy(model(x + delta), y)
        grad, = torch.autograd.grad(loss, delta)
        delta = (delta.detach() + step_size * grad.sign()).clamp_(-eps, eps)
        delta = (x + delta).clamp_(0, 1) - x
    for p, w in zip(model.parameters(), was):
        p.requires_grad_(w)
    return (x + delta).detach()


# ---------------------------------------------------------------- export

def export_onnx(model, path):
    """Exports for onnxruntime: input `input` [1,3,64,64] in [0,1], output `logits`, and the outputs of conv1, conv2
    (their ReLUs) and the mixed blocks (their Concats) renamed to the block names."""
    model.eval()
    dummy = torch.zeros(1, 3, SIZE, SIZE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(model, dummy, path, opset_version=13, input_names=['input'], output_names=['logits'],
                      do_constant_folding=True)
    m = onnx.load(path)
    rename_tensors(m)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def rename_tensors(m):
    """Names the block outputs: the last Relu of conv1/conv2 and the Concat of each mixed block."""
    renames = {}
    for node in m.graph.node:
        scope = node.name.strip('/').split('/')[0]
        if scope in ('conv1', 'conv2') and node.op_type == 'Relu':
            renames[scope] = node.output[0]
        if scope.startswith('mixed') and node.op_type == 'Concat' and node.name.strip('/').count('/') == 1:
            renames[scope] = node.output[0]
    missing = [b for b in BLOCKS if b not in renames]
    assert not missing, f'blocks not found in the exported graph: {missing}'
    old_to_new = {old: new for new, old in renames.items()}
    for node in m.graph.node:
        node.input[:] = [old_to_new.get(t, t) for t in node.input]
        node.output[:] = [old_to_new.get(t, t) for t in node.output]
    for vi in m.graph.value_info:
        if vi.name in old_to_new:
            vi.name = old_to_new[vi.name]


def manifest(display_name, checkpoints=None):
    m = {
        '$schema': '../../schemas/model.schema.json',
        'version': 1,
        'displayName': display_name,
        'input': {'name': 'input', 'width': SIZE, 'height': SIZE, 'layout': 'NCHW', 'channelOrder': 'RGB',
                  'range': [0, 1], 'mean': [0, 0, 0], 'std': [1, 1, 1]},
        'output': {'name': 'logits', 'kind': 'logits'},
        'labels': CLASSES,
        'labelOffset': 0,
        'layerAliases': {b: b for b in BLOCKS},
    }
    if checkpoints:
        m['checkpoints'] = checkpoints
    return m


def write_json(path, value):
    with open(path, 'w') as f:
        json.dump(value, f, indent=2)
        f.write('\n')


class Timer:
    def __init__(self):
        self.t = time.time()

    def lap(self):
        now = time.time()
        dt, self.t = now - self.t, now
        return dt
