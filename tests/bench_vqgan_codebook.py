"""Which codebook settings for the emoji64 VQ-GAN? Trains the emoji64 preset for 400 steps (no GAN) with plain VQ,
low-dimensional l2-normalised codes (ViT-VQGAN), and EMA codebook + stale-code restarts (SoundStream), and prints
each one's held-out metrics. Takes about 5 minutes per variant on 2 idle CPU cores."""

import tempfile, torch
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
    torch.set_num_threads(2)
    for name, ov in VARIANTS.items():
        with tempfile.TemporaryDirectory() as d:
            train_vqgan(
                'emoji64',
                d,
                overrides=(
                    'train.steps=400',
                    'train.eval_every=400',
                    'train.sample_every=0',
                    'train.ckpt_every=0',
                    'loss.disc_start=100000',
                )
                + ov,
                progress=False,
            )
            v = read_metrics(d, 'val')[-1]
            print(name, {k: round(v[k], 4) for k in ('l1', 'psnr', 'ssim', 'usage', 'perplexity')}, flush=True)
