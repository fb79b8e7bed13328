"""The hourglass benchmark script stays runnable (a smoke run, not a timing)."""

import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_script_runs(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / 'tests' / 'bench_hourglass.py'),
            '--batch',
            '2',
            '--repeats',
            '1',
            '--warmup',
            '0',
            '--threads',
            '1',
            '--json',
            str(tmp_path / 'bench.json'),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = r.stdout
    assert 'parameters 8,942,336' in out
    assert 'SUNDAE step (unroll 2)' in out and 'inference forward' in out
    res = json.loads((tmp_path / 'bench.json').read_text())  # the file notebook 03's table is read from
    assert [r['phase'] for r in res['results']] == ['train', 'forward'] and res['settings']['batch'] == 2
    assert all(len(r['times']) == 1 and r['median_s'] > 0 for r in res['results'])


def test_bench_times_the_package_loss_and_sampler():
    "The benchmark's training step is `sundae.unrolled_loss`, with the package's sampler or (as a baseline) torch's."
    sys.path.insert(0, str(ROOT / 'tests'))
    import contextlib, torch
    import bench_hourglass as bench
    from megapixel_sundae import core, sundae
    from megapixel_sundae.hourglass import HourglassConfig, HourglassTransformer

    torch.manual_seed(0)
    model = HourglassTransformer(HourglassConfig(vocab_size=16, dim=32, heads=2, dim_head=16, depth=(1, 1, 1)))
    z = torch.randint(16, (2, 4, 4))
    try:
        for sampler, fn in [('categorical', bench._torch_categorical), ('invcdf', core.sample_categorical)]:
            bench.sundae_step(model, z, 16, contextlib.nullcontext, sampler)
            assert sundae.sample_categorical is fn
        torch.manual_seed(1)
        timed = bench.sundae_step(model, z, 16, contextlib.nullcontext, 'invcdf')
        torch.manual_seed(1)
        assert timed == sundae.unrolled_loss(model, z, 16, steps=2).loss.item()
    finally:
        sundae.sample_categorical = core.sample_categorical
