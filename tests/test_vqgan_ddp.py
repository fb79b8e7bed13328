"""VQ-GAN training under torchrun with two CPU (gloo) processes, GAN on (adaptive weight through autograd.grad,
DiffAugment, the BatchNorm discriminator) and an EMA codebook with restarts: both ranks end with identical weights
and codebook statistics."""

import torch
from ddp import torchrun


def test_vqgan_two_ranks_identical(tmp_path):
    out = str(tmp_path)
    script = f'''
import torch, torch.distributed as dist
from megapixel_sundae.core import dist_info
from megapixel_sundae.vqgan import VQGAN_TRAIN_PRESETS, train_vqgan
cfg = VQGAN_TRAIN_PRESETS['emoji64'].override('model.z_channels=16', 'model.embed_dim=16', 'model.n_embed=64',
    'loss.disc_start=1', 'loss.disc_channels=16', 'train.steps=3', 'train.batch_size=4', 'train.log_every=1',
    'train.eval_every=0', 'train.sample_every=0', 'train.ckpt_every=0', 'val_items=4')
torch.manual_seed(dist_info()[0])       # different init per rank: DDP broadcasts rank 0's
model, loop = train_vqgan(cfg, {out!r} + '/run', progress=False)
r = dist.get_rank()
torch.save({{k: v for k, v in loop.weights().items()}}, {out!r} + f'/w{{r}}.pt')
dist.destroy_process_group()
'''
    torchrun(script, tmp_path)
    w0, w1 = (torch.load(tmp_path / f'w{r}.pt') for r in range(2))
    assert set(w0) == set(w1)
    # the discriminator's BatchNorm running statistics are per rank between forwards (DDP re-broadcasts rank 0's at
    # every forward, and rank 0's are what a checkpoint keeps); everything else must be bit-identical
    bn_stats = lambda k: k.startswith('disc.') and k.rsplit('.', 1)[1] in ('running_mean', 'running_var')
    bad = [k for k in w0 if not bn_stats(k) and not torch.equal(w0[k], w1[k])]
    assert not bad, bad[:5]
    assert any(k.startswith('disc.') for k in w0) and 'vqgan.quantize.ema_count' in w0
