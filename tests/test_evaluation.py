"""Evaluation metrics end to end: torch-fidelity's full code path with the registered offline extractor on a
folder of PNGs and on arrays, the feature cache, custom extractor weights, and the missing-Inception message in a
fresh process (nothing here needs a download)."""

import os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    # features and FID statistics are cached under data.cache_dir()/fidelity: keep the tests' own
    # (the rendered emoji cache is shared, to avoid re-rendering the font)
    import megapixel_sundae.evaluation as ev

    real = ev.cache_dir
    monkeypatch.setattr(ev, 'cache_dir', lambda path=None: tmp_path / 'cache' if path is None else real(path))


def test_extractor_registered_on_import():
    import torch_fidelity
    from megapixel_sundae.evaluation import EMOJI_EXTRACTOR, EmojiFeatureExtractor

    assert torch_fidelity.registry.FEATURE_EXTRACTORS_REGISTRY[EMOJI_EXTRACTOR] is EmojiFeatureExtractor


def test_shipped_network_asset():
    from megapixel_sundae.evaluation import FEATURE_NET_ASSET, feature_net_info, load_feature_net

    assert FEATURE_NET_ASSET.parent == ROOT / 'megapixel_sundae' / 'assets'
    assert FEATURE_NET_ASSET.stat().st_size < 5e6
    info = feature_net_info()
    rep = info['report']
    assert rep['acc_heldout_variants'] > 0.5 and rep['acc_train_fresh_aug'] > 0.5, rep
    net = load_feature_net()
    assert sum(p.numel() for p in net.parameters()) < 1_000_000
    assert net.config.n_classes == rep['classes']


def test_folder_of_pngs_against_emoji_test(tmp_path):
    """Samples written as PNG files, compared with the emoji test split rendered at their size: the whole
    torch-fidelity path (FID, KID, IS, PR) plus prdc."""
    from megapixel_sundae.data import EmojiDataset
    from megapixel_sundae.evaluation import evaluate_samples

    val = EmojiDataset('val', 32)
    d = tmp_path / 'samples'
    d.mkdir()
    for i, a in enumerate(val.images[:120]):
        Image.fromarray(a).save(d / f'{i:04d}.png')
    res = evaluate_samples(d, 'emoji:test', metrics=('fid', 'kid', 'isc', 'prc', 'prdc'))
    assert res['n_samples'] == 120 and res['n_reference'] == len(EmojiDataset('test', 32)) and res['image_size'] == 32
    for k in (
        'fid',
        'kid',
        'kid_std',
        'isc',
        'isc_std',
        'prc_precision',
        'prc_recall',
        'precision',
        'recall',
        'density',
        'coverage',
    ):
        assert np.isfinite(res[k]), (k, res[k])
    # the same images as an array give the same numbers (PNG is lossless)
    res2 = evaluate_samples(torch.from_numpy(val.images[:120]), 'emoji:test', metrics=('fid', 'prdc'))
    assert abs(res2['fid'] - res['fid']) < 1e-6 and res2['recall'] == res['recall']
    # shapes are worse samples of emoji than real emoji are: far in FID, and covering little of the emoji
    # (their precision stays high: each shape lies near some flag or coloured square, see the notebook)
    res3 = evaluate_samples('shapes:test', 'emoji:test', metrics=('fid', 'prdc'), size=32)
    assert res3['fid'] > 2 * res['fid'] and res3['recall'] < res['recall'] / 3 and res3['coverage'] < res['coverage']


def test_reference_features_are_cached(tmp_path):
    from megapixel_sundae.evaluation import evaluate_samples, fidelity_metrics

    x = torch.rand(40, 3, 32, 32) * 2 - 1
    a = fidelity_metrics(x, 'emoji:test', ('fid', 'kid'))
    files = sorted(p.name for p in (tmp_path / 'cache' / 'fidelity').iterdir())
    assert any(f.startswith('emoji-test-32-') and 'features-feat' in f for f in files), files
    assert any('stat-fid-feat' in f for f in files), files
    assert all(f.startswith('emoji-test-32-') for f in files), files  # only the reference is cached
    b = fidelity_metrics(x, 'emoji:test', ('fid', 'kid'))
    assert a == b
    c = fidelity_metrics(x, 'emoji:test', ('fid', 'kid'), cache=False)
    assert abs(a['fid'] - c['fid']) < 1e-6
    evaluate_samples(x, 'emoji:test', metrics=('fid', 'prdc'))
    assert all(p.name.startswith('emoji-test-32-') for p in (tmp_path / 'cache' / 'fidelity').iterdir())


def test_custom_extractor_weights(tmp_path):
    """A network passed by path is the one torch-fidelity uses, and gets its own cache entries."""
    from megapixel_sundae.evaluation import FeatureTrainConfig, evaluate_samples, train_feature_net

    train_feature_net(FeatureTrainConfig(steps=3, batch_size=16), out=tmp_path / 'net', log_every=0, max_images=200)
    x = torch.rand(30, 3, 32, 32) * 2 - 1
    shipped = evaluate_samples(x, 'emoji:val', metrics=('fid',))
    custom = evaluate_samples(x, 'emoji:val', metrics=('fid',), weights=tmp_path / 'net.safetensors')
    assert shipped['extractor'] != custom['extractor'] and abs(shipped['fid'] - custom['fid']) > 1e-3
    assert custom == evaluate_samples(x, 'emoji:val', metrics=('fid',), weights=tmp_path / 'net')


def test_mismatched_inputs_fail_clearly():
    from megapixel_sundae.evaluation import evaluate_samples, rfid

    x = torch.rand(10, 3, 32, 32) * 2 - 1
    with pytest.raises(ValueError, match='samples are 32×32 but the reference images are 16×16'):
        evaluate_samples(x, torch.zeros(10, 3, 16, 16, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r'must lie in \[0, 1\]'):
        evaluate_samples(x, 'emoji:test', value_range=(0, 1))
    with pytest.raises(ValueError, match='look like 0..255'):
        rfid(x * 127.5 + 127.5, x)
    with pytest.raises(ValueError, match='3 colour channels'):
        evaluate_samples(torch.zeros(10, 1, 32, 32), 'emoji:test')


def test_missing_inception_weights_message(tmp_path):
    """In a fresh process with an empty torch cache, asking for Inception names the file and where to put it
    instead of trying to download it."""
    code = (
        "import torch\nfrom megapixel_sundae.evaluation import evaluate_samples\n"
        "try: evaluate_samples(torch.zeros(4, 3, 32, 32, dtype=torch.uint8), 'emoji:test', extractor='inception')\n"
        "except FileNotFoundError as e: print('MSG', e)\n"
    )
    env = {**os.environ, 'TORCH_HOME': str(tmp_path / 'th'), 'PYTHONPATH': str(ROOT)}
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    msg = r.stdout.split('MSG', 1)[1]
    assert 'weights-inception-2015-12-05-6726825d.pth' in msg
    assert str(tmp_path / 'th' / 'hub' / 'checkpoints') in msg
    assert "extractor='emoji'" in msg
