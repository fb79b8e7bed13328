"""The ablation runner on a real (tiny) training study: interrupted training resumes from its checkpoint, finished runs
are skipped, a changed config is refused, and the result JSON holds what the issue asks for."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from megapixel_sundae.ablations import SCALES, Study, run_study, result_path, train_run, train_run_config
from megapixel_sundae.sundae import LATENT_FORMAT

ROOT = Path(__file__).resolve().parents[1]
VQ = ROOT / 'pretrained' / 'emoji64' / 'vqgan'


def _latents(path: Path, n_train=24, n_val=8, grid=8, vocab=512):
    "A latent dataset of random tokens in the format `encode_dataset` writes (no VQ-GAN needed)."
    path.mkdir(parents=True)
    tok = np.random.default_rng(0).integers(0, vocab, (n_train + n_val, grid, grid)).astype(np.uint16)
    np.save(path / 'tokens.npy', tok)
    meta = {
        'format': LATENT_FORMAT,
        'vocab_size': vocab,
        'h': grid,
        'w': grid,
        'image_size': [grid * 8] * 2,
        'n': n_train + n_val,
        'splits': {'train': [0, n_train], 'val': [n_train, n_val]},
        'flips': False,
        'vqgan': 'random-tokens',
        'batch_size': 32,
        'labels': False,
        'complete': True,
    }
    (path / 'latents.json').write_text(json.dumps(meta))
    return path


@pytest.mark.skipif(not VQ.exists(), reason='needs pretrained/emoji64/vqgan')
def test_training_study_resumes_skips_and_refuses(tmp_path, monkeypatch):
    torch.set_num_threads(1)
    monkeypatch.chdir(ROOT)  # the scale's VQ-GAN path is relative to the repository
    lat = _latents(tmp_path / 'latents')
    scale = replace(
        SCALES['cpu'],
        image_size=64,
        latents=str(lat),
        dim=32,
        heads=2,
        dim_head=16,
        depth=(1, 1, 1),
        steps=6,
        batch_size=4,
        warmup_steps=1,
        val_batches=1,
        n_samples=8,
        sample_steps=2,
    )
    study = Study(
        'tiny',
        {'2d': {'overrides': {}}, '1d': {'overrides': {'model.resample': '1d'}}},
        train_run_config,
        train_run,
        (0,),
    )
    kw = dict(root=tmp_path / 'results', runs_root=tmp_path / 'runs', scale=scale, verbose=False)
    # max_minutes=0: core.fit stops after one step with a checkpoint; no result is written
    assert run_study(study, ['2d'], max_minutes=0, **kw)[('2d', 0)] == ('interrupted', None)
    assert not result_path(tmp_path / 'results', 'tiny', '2d', 0).exists()
    status, res = run_study(study, ['2d'], **kw)[('2d', 0)]
    assert status == 'finished' and res['steps'] == 6 and res['resumed_from'] == 1 and res['attempts'] == 2
    saved = json.loads(result_path(tmp_path / 'results', 'tiny', '2d', 0).read_text())
    for key in ('config', 'metrics', 'steps', 'wall_seconds', 'environment'):
        assert key in saved
    assert saved['config']['prior']['train']['steps'] == 6 and saved['config']['prior']['model']['resample'] == '2d'
    assert {'torch', 'cpu', 'gpu', 'git'} <= set(saved['environment'])
    assert saved['metrics']['n_samples'] == 8 and np.isfinite(saved['metrics']['fid'])
    assert 0 < saved['metrics']['val_loss_1'] < 2 * np.log(512)
    assert [r['step'] for r in saved['curve']] == [6]
    # finished: skipped; a changed scale: refused with the key named, then rerun with force
    assert run_study(study, ['2d'], **kw)[('2d', 0)][0] == 'skipped'
    bigger = {**kw, 'scale': replace(scale, steps=7)}
    with pytest.raises(ValueError, match='prior.train.steps: 6 → 7'):
        run_study(study, ['2d'], **bigger)
    status, res = run_study(study, ['2d'], force=True, **bigger)[('2d', 0)]
    assert (status, res['steps'], res['resumed_from']) == ('finished', 7, 0)
