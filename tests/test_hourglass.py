"""The hourglass benchmark script stays runnable (a smoke run, not a timing)."""

import subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_script_runs():
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
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = r.stdout
    assert 'parameters 8,942,336' in out
    assert 'SUNDAE step (unroll 2)' in out and 'inference forward' in out


def test_bench_sampler_matches_distribution():
    sys.path.insert(0, str(ROOT / 'tests'))
    import torch
    from bench_hourglass import categorical_sample

    torch.manual_seed(0)
    logits = torch.tensor([0.0, 1.0, 2.0, -1.0, -30.0]).expand(100_000, 5)
    freq = torch.bincount(categorical_sample(logits), minlength=5) / 100_000
    assert torch.allclose(freq, logits[0].softmax(-1), atol=0.005)
    assert freq[4] == 0
