"""The quantizer benchmark runs and writes the results file that notebook 01's table is read from."""

import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quantize_writes_its_results(tmp_path):
    out = tmp_path / 'quantize.json'
    cmd = [sys.executable, str(ROOT / 'tests' / 'bench_quantize.py'), '--repeats', '1', '--modes', 'eval']
    cmd += ['--chunks', 'none', '16', '--shape', '64', '8', '1', '4', '4', '--threads', '1', '--json', str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(out.read_text())
    assert res['shape'] == {'v': 64, 'd': 8, 'batch': 1, 'h': 4, 'w': 4}
    assert [row['chunk'] for row in res['results']] == [None, 16]
    # the largest distance block: all 16 vectors × 64 codes × 4 bytes, or 16 rows at a time (the same here)
    assert [row['block'] for row in res['results']] == [16 * 64 * 4, 16 * 64 * 4]
    assert all(len(row['times']) == 1 and row['times'][0] > 0 for row in res['results'])
