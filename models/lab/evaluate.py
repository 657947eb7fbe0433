#!/usr/bin/python3
"""Evaluates the lab trio and every checkpoint on the rendered held-out sets; writes models/lab/results.json.

    /usr/bin/python3 models/lab/evaluate.py [--threads 2] [--pgd-steps 10]

Per model: clean accuracy on test-natural (held-out scenes, natural textures), accuracy on test-randomised (the same
scenes with random textures), white-box PGD accuracy on test-natural (Linf, EPSILON in [0, 1] pixel space, random
start, --pgd-steps steps of 2.5 * eps / steps), and shape bias on cue-conflict (Geirhos et al. 2019: shape decisions /
(shape + texture decisions), over the images whose prediction is the shape class or the texture class).

Also copies a small fixed subset of test-natural to models/lab/samples/ (committed) and writes
samples/expected.json: each committed ONNX file's PyTorch logits and predictions on them, which check_onnx.mjs and
test/unit/labModels.test.ts compare with onnxruntime-node.
"""
import argparse
import json
import os
import shutil

import torch

from labnet import (CLASSES, DATA, EPSILON, HERE, RUNS, LabNet, Timer, load_split, labels_of, parameter_count, pgd,
                    setup, to_tensor, write_json)

SAMPLES = os.path.join(HERE, 'samples')
SAMPLES_PER_CLASS = 2


def predict(model, x, batch=250):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])


def pgd_predictions(model, x, y, steps, seed, eps=EPSILON, batch=100):
    model.eval()
    g = torch.Generator().manual_seed(seed)
    preds = []
    for i in range(0, len(x), batch):
        adv = pgd(model, x[i:i + batch], y[i:i + batch], eps=eps, steps=steps, generator=g)
        preds.append(predict(model, adv).argmax(1))
    return torch.cat(preds)


def robust_accuracy(model, x, y, steps, restarts, eps=EPSILON):
    """An image counts as robust only when every restart (another random start) fails to flip it."""
    robust = torch.ones(len(x), dtype=torch.bool)
    for r in range(restarts):
        robust &= pgd_predictions(model, x, y, steps, seed=100 + r, eps=eps) == y
    return round(robust.float().mean().item(), 4)


def load(state_path):
    m = LabNet()
    m.load_state_dict(torch.load(state_path))
    m.eval()
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--pgd-steps', type=int, default=10)
    args = ap.parse_args()
    setup(args.threads, seed=0)

    x_test, y_test = (lambda a: (to_tensor(a[0]), labels_of(a[1])))(load_split('test-natural'))
    x_rand, y_rand = (lambda a: (to_tensor(a[0]), labels_of(a[1])))(load_split('test-randomised'))
    conflict_images, conflict_rows = load_split('cue-conflict')
    x_conf = to_tensor(conflict_images)
    shape_cls, texture_cls = labels_of(conflict_rows, 'shape'), labels_of(conflict_rows, 'texture')

    def metrics(model):
        m = {}
        m['clean_acc'] = round((predict(model, x_test).argmax(1) == y_test).float().mean().item(), 4)
        m['random_texture_acc'] = round((predict(model, x_rand).argmax(1) == y_rand).float().mean().item(), 4)
        m['pgd_acc'] = round((pgd_predictions(model, x_test, y_test, args.pgd_steps, seed=7) == y_test).float().mean().item(), 4)
        p = predict(model, x_conf).argmax(1)
        shape_hits = int((p == shape_cls).sum())
        texture_hits = int((p == texture_cls).sum())
        m['shape_decisions'] = shape_hits
        m['texture_decisions'] = texture_hits
        m['conflict_images'] = len(p)
        m['shape_bias'] = round(shape_hits / max(1, shape_hits + texture_hits), 4)
        return m

    # The committed sample images: the first SAMPLES_PER_CLASS of each class in test-natural.
    test_rows = load_split('test-natural')[1]
    picked = []
    for c in range(len(CLASSES)):
        picked += [i for i, r in enumerate(test_rows) if int(r['label']) == c][:SAMPLES_PER_CLASS]
    os.makedirs(SAMPLES, exist_ok=True)
    for i in picked:
        shutil.copy(os.path.join(DATA, 'test-natural', test_rows[i]['file']), os.path.join(SAMPLES, test_rows[i]['file']))
    x_samples = x_test[picked]
    samples = {'files': [test_rows[i]['file'] for i in picked], 'labels': [int(test_rows[i]['label']) for i in picked],
               'models': {}}

    render_stats = json.load(open(os.path.join(DATA, 'render-stats.json')))
    results = {
        'classes': CLASSES,
        'input': '64x64 RGB in [0, 1], NCHW, no normalisation (mean 0, std 1 in the manifests)',
        'epsilon': EPSILON,
        'epsilon_255': round(EPSILON * 255, 3),
        'pgd_eval': {'norm': 'Linf', 'steps': args.pgd_steps, 'step_size': 2.5 * EPSILON / args.pgd_steps,
                     'random_start': True, 'white_box': True, 'images': len(x_test),
                     'final_models_also': 'pgd_acc_50steps_2restarts (50 steps of 2.5 * eps / 50, robust only if both '
                                          'random restarts fail) and pgd_acc_eps8 (eps 8/255, same 10-step attack)'},
        'render': render_stats,
        'datasets': {k: v for k, v in render_stats['perSplit'].items()},
        'models': {},
    }
    timer = Timer()
    for variant in ['standard', 'texture-randomised', 'adversarial']:
        log = json.load(open(os.path.join(RUNS, variant, 'log.json')))
        manifest = json.load(open(os.path.join(HERE, f'{variant}.model.json')))
        entry = {'file': f'{variant}.onnx', 'parameters': log['parameters'], 'epochs': log['epochs'],
                 'train_images': log['train_images'], 'train_seconds': log['train_seconds'],
                 'seconds_per_epoch': [h['seconds'] for h in log['history']],
                 'onnx_bytes': os.path.getsize(os.path.join(HERE, f'{variant}.onnx'))}
        if 'pgd' in log:
            entry['pgd_training'] = log['pgd']
        final = load(os.path.join(RUNS, variant, 'final.pt'))
        entry.update(metrics(final))
        # Sanity checks of the attack on the final models: a stronger PGD at the same epsilon, and twice the epsilon.
        entry['pgd_acc_50steps_2restarts'] = robust_accuracy(final, x_test, y_test, steps=50, restarts=2)
        entry['pgd_acc_eps8'] = robust_accuracy(final, x_test, y_test, steps=args.pgd_steps, restarts=1, eps=2 * EPSILON)
        files = {f'{variant}.onnx': final}
        if manifest.get('checkpoints'):
            entry['checkpoints'] = []
            for ck in manifest['checkpoints']:
                e = ck['step']
                model = final if ck['path'] == f'{variant}.onnx' else load(os.path.join(RUNS, variant, f'epoch{e:02d}.pt'))
                row = {'label': ck['label'], 'path': ck['path'], 'step': e, **(entry_metrics(entry, model, final, metrics))}
                entry['checkpoints'].append(row)
                files[ck['path']] = model
        for path, model in files.items():
            logits = predict(model, x_samples)
            samples['models'][path] = {'predictions': logits.argmax(1).tolist(),
                                       'logits': [[round(v, 5) for v in row] for row in logits.tolist()]}
        results['models'][variant] = entry
        print(variant, json.dumps({k: v for k, v in entry.items() if k != 'checkpoints'}), f'({timer.lap():.0f} s)', flush=True)
        for row in entry.get('checkpoints', []):
            print('   ', json.dumps(row), flush=True)

    results['samples'] = {
        'folder': 'samples',
        'files': samples['files'],
        'labels': samples['labels'],
        'accuracy': {p: round(sum(int(a == b) for a, b in zip(m['predictions'], samples['labels'])) / len(picked), 4)
                     for p, m in samples['models'].items()},
    }
    write_json(os.path.join(SAMPLES, 'expected.json'), samples)
    write_json(os.path.join(HERE, 'results.json'), results)
    print('wrote models/lab/results.json and models/lab/samples/expected.json')


def entry_metrics(entry, model, final, metrics):
    """Metrics of a checkpoint; the final checkpoint reuses the variant's own numbers."""
    if model is final:
        return {k: entry[k] for k in ('clean_acc', 'random_texture_acc', 'pgd_acc', 'shape_decisions',
                                      'texture_decisions', 'conflict_images', 'shape_bias')}
    return metrics(model)


if __name__ == '__main__':
    main()
