#!/usr/bin/python3
"""Trains one variant of the lab trio on the rendered data (models/lab/data, from render_dataset.mjs) and exports it.

    /usr/bin/python3 models/lab/train.py standard            [--epochs 12]  natural textures, from scratch
    /usr/bin/python3 models/lab/train.py texture-randomised  [--epochs 18]  random textures, from scratch
    /usr/bin/python3 models/lab/train.py adversarial         [--epochs 5]   PGD fine-tuning of standard

Writes models/lab/<variant>.onnx and <variant>.model.json (checkpoint families for texture-randomised and
adversarial, their intermediate checkpoints in models/lab/<variant>/), PyTorch weights and a log with the time per
epoch in models/lab/data/runs/<variant>/. Deterministic: fixed seeds, deterministic algorithms, --threads threads.
"""
import argparse
import json
import os
import shutil

import torch
import torch.nn.functional as F

from labnet import (CLASSES, EPSILON, HERE, RUNS, LabNet, Timer, export_onnx, load_split, manifest, parameter_count,
                    pgd, setup, to_tensor, labels_of, write_json)

DISPLAY = {
    'standard': 'Lab standard (64 px, natural textures)',
    'texture-randomised': 'Lab texture-randomised (64 px)',
    'adversarial': 'Lab adversarial (64 px, PGD Linf 4/255)',
}


def augment(x, g):
    """Random horizontal flips per image and one random shift of up to 4 px per batch (replicate padding)."""
    flip = torch.rand(x.shape[0], generator=g) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    dx, dy = torch.randint(-4, 5, (2,), generator=g).tolist()
    if dx or dy:
        padded = F.pad(x, (4, 4, 4, 4), mode='replicate')
        x = padded[:, :, 4 + dy:4 + dy + x.shape[2], 4 + dx:4 + dx + x.shape[3]]
    return x.contiguous()


def accuracy(model, x, y, batch=250):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item() for i in range(0, len(x), batch))
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('variant', choices=list(DISPLAY))
    ap.add_argument('--epochs', type=int)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float)
    ap.add_argument('--pgd-steps', type=int, default=2, help='PGD steps per batch of the adversarial fine-tuning')
    args = ap.parse_args()
    variant = args.variant
    adversarial = variant == 'adversarial'
    epochs = args.epochs or {'standard': 12, 'texture-randomised': 18, 'adversarial': 5}[variant]
    lr = args.lr or (1e-3 if adversarial else 3e-3)
    setup(args.threads, seed={'standard': 1, 'texture-randomised': 2, 'adversarial': 3}[variant])
    run_dir = os.path.join(RUNS, variant)
    shutil.rmtree(run_dir, ignore_errors=True)  # no stale checkpoints of an earlier run
    shutil.rmtree(os.path.join(HERE, variant), ignore_errors=True)
    os.makedirs(run_dir, exist_ok=True)

    images, rows = load_split('train-randomised' if variant == 'texture-randomised' else 'train-natural')
    x_all, y_all = to_tensor(images), labels_of(rows)
    test_images, test_rows = load_split('test-natural')
    x_test, y_test = to_tensor(test_images), labels_of(test_rows)

    model = LabNet()
    if adversarial:
        model.load_state_dict(torch.load(os.path.join(RUNS, 'standard', 'final.pt')))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    steps_per_epoch = (len(x_all) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch,
                                                pct_start=0.0 if adversarial else 0.2)
    g = torch.Generator().manual_seed(1234)
    log = {'variant': variant, 'parameters': parameter_count(model), 'epochs': epochs, 'batch': args.batch, 'lr': lr,
           'threads': args.threads, 'train_images': len(x_all), 'history': []}
    if adversarial:
        log['pgd'] = {'epsilon': EPSILON, 'epsilon_255': round(EPSILON * 255, 3), 'steps': args.pgd_steps,
                      'step_size': 2.5 * EPSILON / args.pgd_steps, 'random_start': True, 'norm': 'Linf',
                      'pixel_space': '[0, 1]'}
    print(f'{variant}: {log["parameters"]} parameters, {len(x_all)} training images, {epochs} epochs', flush=True)

    # Checkpoint schedule: texture-randomised every epochs/6 epochs; adversarial epoch 0 (= standard) and each epoch.
    if adversarial:
        torch.save(model.state_dict(), os.path.join(run_dir, 'epoch00.pt'))
        ckpt_epochs = list(range(1, epochs + 1))
    elif variant == 'texture-randomised':
        ckpt_epochs = sorted({max(1, round(epochs * k / 6)) for k in range(1, 7)})
    else:
        ckpt_epochs = [epochs]

    timer = Timer()
    total = 0.0
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(len(x_all), generator=g)
        seen, loss_sum, correct = 0, 0.0, 0
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            x, y = augment(x_all[idx], g), y_all[idx]
            if adversarial:
                model.eval()  # attack with frozen BatchNorm statistics
                x = pgd(model, x, y, steps=args.pgd_steps, generator=g)
            model.train()
            out = model(x)
            loss = F.cross_entropy(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            seen += len(idx)
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == y).sum().item()
        seconds = timer.lap()
        total += seconds
        test_acc = accuracy(model, x_test, y_test)
        timer.lap()  # the test pass does not count as training time
        entry = {'epoch': epoch, 'loss': round(loss_sum / seen, 4), 'train_acc': round(correct / seen, 4),
                 'test_acc': round(test_acc, 4), 'seconds': round(seconds, 1)}
        log['history'].append(entry)
        print(json.dumps(entry), flush=True)
        if epoch in ckpt_epochs:
            torch.save(model.state_dict(), os.path.join(run_dir, f'epoch{epoch:02d}.pt'))
    torch.save(model.state_dict(), os.path.join(run_dir, 'final.pt'))
    log['train_seconds'] = round(total, 1)
    log['checkpoint_epochs'] = ([0] if adversarial else []) + ckpt_epochs
    write_json(os.path.join(run_dir, 'log.json'), log)

    # Export: the final model as <variant>.onnx; intermediate checkpoints as <variant>/ckpt_XX.onnx.
    export_onnx(model, os.path.join(HERE, f'{variant}.onnx'))
    checkpoints = None
    if variant != 'standard':
        checkpoints = []
        for e in log['checkpoint_epochs']:
            if e == epochs:
                path = f'{variant}.onnx'
            elif adversarial and e == 0:
                path = 'standard.onnx'  # the fine-tuning starts from the standard model: the same file
            else:
                path = f'{variant}/ckpt_{e:02d}.onnx'
                m = LabNet()
                m.load_state_dict(torch.load(os.path.join(run_dir, f'epoch{e:02d}.pt')))
                export_onnx(m, os.path.join(HERE, path))
            checkpoints.append({'label': f'epoch {e}', 'path': path, 'step': e})
    write_json(os.path.join(HERE, f'{variant}.model.json'), manifest(DISPLAY[variant], checkpoints))
    print(f'{variant}: trained in {total:.0f} s, exported {variant}.onnx', flush=True)


if __name__ == '__main__':
    main()
