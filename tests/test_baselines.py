"Tests of megapixel_sundae.baselines beyond the notebook's: resume through core.fit, learning, shipped models."

import json, tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from megapixel_sundae.baselines import (
    load_prior,
    sample_absorbing,
    sample_ar,
    train_baseline,
)

ROOT = Path(__file__).resolve().parents[1]


def _latents(d: Path, n_train=48, n_val=16, h=4, w=4, K=16):
    "A tiny latent dataset in the format of sundae.encode_dataset, without a VQ-GAN."
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, K, size=(n_train + n_val, h, w)).astype(np.uint16)
    d.mkdir(parents=True, exist_ok=True)
    np.save(d / 'tokens.npy', tokens)
    meta = {
        'format': 'megapixel_sundae.latents/1',
        'vocab_size': K,
        'h': h,
        'w': w,
        'image_size': [4 * h, 4 * w],
        'n': n_train + n_val,
        'splits': {'train': [0, n_train], 'val': [n_train, n_val]},
        'flips': False,
        'vqgan': 'none',
        'batch_size': 16,
        'labels': False,
        'complete': True,
    }
    (d / 'latents.json').write_text(json.dumps(meta))
    return d


SMALL = {
    'absorbing': [
        'model.model.vocab_size=16',
        'model.model.dim=32',
        'model.model.heads=2',
        'model.model.dim_head=16',
        'model.model.depth=(1,1,1)',
        'model.timesteps=16',
    ],
    'ar': [
        'model.vocab_size=16',
        'model.dim=32',
        'model.heads=2',
        'model.dim_head=16',
        'model.depth=2',
        'model.max_len=16',
    ],
}


@pytest.mark.parametrize('kind', ['absorbing', 'ar'])
def test_resume_equals_uninterrupted(kind):
    "4 steps at once give the same weights as 2 steps, a restart and 2 more (RNG, optimizer and EMA restored)."
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        lat = _latents(d / 'lat')
        common = [
            f'latents={lat}',
            'train.batch_size=8',
            'train.warmup_steps=1',
            'train.log_every=1',
            'train.eval_every=0',
            'train.ckpt_every=0',
            'val_batches=1',
        ] + SMALL[kind]
        torch.manual_seed(0)
        a, _ = train_baseline(kind, 'emoji64', d / 'a', overrides=tuple(common + ['train.steps=4']), progress=False)
        torch.manual_seed(0)  # the same initial weights
        train_baseline(kind, 'emoji64', d / 'b', overrides=tuple(common + ['train.steps=2']), progress=False)
        torch.manual_seed(123)  # a resumed run must not depend on the RNG state it starts in
        b, loop = train_baseline(kind, 'emoji64', d / 'b', overrides=tuple(common + ['train.steps=4']), progress=False)
        assert loop.step == 4
        for (k, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
            torch.testing.assert_close(va, vb, msg=k)


def test_absorbing_training_lowers_the_loss():
    "120 steps on a dataset where every grid is the same make the masked tokens predictable."
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        lat = _latents(d / 'lat')
        tok = np.load(lat / 'tokens.npy')
        tok[:] = tok[0]
        np.save(lat / 'tokens.npy', tok)
        m, loop = train_baseline(
            'absorbing',
            'emoji64',
            d / 'run',
            progress=False,
            overrides=tuple(
                [
                    f'latents={lat}',
                    'train.steps=120',
                    'train.batch_size=8',
                    'train.warmup_steps=1',
                    'train.lr=3e-3',
                    'train.eval_every=120',
                    'val_batches=1',
                    'train.ema_decay=None',
                ]
                + SMALL['absorbing']
            ),
        )
        val = [json.loads(l) for l in (d / 'run' / 'metrics.jsonl').read_text().splitlines() if '"val"' in l]
        assert val[-1]['elbo_bits'] < 1.0 and val[-1]['acc_masked'] > 0.8  # from log2(16) = 4 bits at the start
        z = sample_absorbing(m.eval(), 4, (4, 4), steps=16, temperature=0.5).tokens
        assert (z == torch.from_numpy(tok[0].astype(np.int64))).float().mean() > 0.8


@pytest.mark.parametrize('kind', ['absorbing', 'ar'])
def test_shipped_baselines(kind):
    "The shipped fp16 baselines load, match the SUNDAE prior's size within ±10%, and sample valid 8×8 grids."
    path = ROOT / 'pretrained' / 'emoji64' / kind
    if not (path / 'config.json').exists():
        pytest.skip(f'{path} not shipped')
    prior = load_prior(path)
    sundae = load_prior(ROOT / 'pretrained' / 'emoji64' / 'prior')
    n, ns = (sum(p.numel() for p in m.parameters()) for m in (prior, sundae))
    assert abs(n / ns - 1) <= 0.10
    meta = json.loads((path / 'config.json').read_text())
    assert meta['trained_steps'] > 0
    z = (sample_absorbing(prior, 2, (8, 8), steps=8) if kind == 'absorbing' else sample_ar(prior, 2, (8, 8))).tokens
    assert z.shape == (2, 8, 8) and 0 <= int(z.min()) and int(z.max()) < 512
