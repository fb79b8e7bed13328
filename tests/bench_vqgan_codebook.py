"""Which codebook settings for the emoji64 VQ-GAN? Trains the emoji64 preset for 400 steps (no GAN) with plain VQ,
low-dimensional l2-normalised codes (ViT-VQGAN), and EMA codebook + stale-code restarts (SoundStream), and prints
each one's held-out metrics. Takes about 5 minutes per variant on 2 idle CPU cores.

    python tests/bench_vqgan_codebook.py [--json results/bench/vqgan_codebook.json]
"""

import argparse, json, sys, tempfile, time, torch
from pathlib import Path
from megapixel_sundae.vqgan import train_vqgan
from megapixel_sundae.core import read_metrics

VARIANTS = {
    'plain': ('model.quantizer.ema=false', 'model.quantizer.restart_threshold=none'),
    'l2low': (
        'model.quantizer.ema=false',
        'model.quantizer.restart_threshold=none',
        'model.quantizer.l2_norm=true',
        'model.quantizer.codebook_dim=16',
    ),
    'ema_restart': ('model.quantizer.ema=true', 'model.quantizer.restart_threshold=0.5'),
}

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--json', default=None, metavar='PATH', help='also write the metrics to this JSON file')
    ap.add_argument('--steps', type=int, default=400)
    a = ap.parse_args()
    torch.set_num_threads(2)
    results = {}
    for name, ov in VARIANTS.items():
        with tempfile.TemporaryDirectory() as d:
            train_vqgan(
                'emoji64',
                d,
                overrides=(
                    f'train.steps={a.steps}',
                    f'train.eval_every={a.steps}',
                    'train.sample_every=0',
                    'train.ckpt_every=0',
                    'loss.disc_start=100000',
                )
                + ov,
                progress=False,
            )
            v = read_metrics(d, 'val')[-1]
            results[name] = {k: v[k] for k in ('l1', 'psnr', 'ssim', 'usage', 'perplexity')}
            print(name, {k: round(x, 4) for k, x in results[name].items()}, flush=True)
    if a.json:
        from megapixel_sundae.core import cpu_name, git_revision

        meta = {'command': 'python tests/bench_vqgan_codebook.py ' + ' '.join(sys.argv[1:]), 'steps': a.steps,
                'cpu': cpu_name(), 'torch': torch.__version__, 'git': git_revision(Path(__file__).parent),
                'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), 'variants': VARIANTS, 'results': results}  # fmt: skip
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(meta, indent=1) + '\n')
        print(f'wrote {a.json}')
