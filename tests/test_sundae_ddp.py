"""The latent dataset, the SUNDAE prior's training and the sampler under torchrun with two CPU (gloo) processes:
encode_dataset splits its batches between the ranks and gives the same file as one process; after a few training
steps both ranks hold identical weights; sample_distributed gathers exactly the samples one process draws."""

import json
import numpy as np, torch
from ddp import torchrun

SETUP = '''
import torch, numpy as np, json, sys
import torch.distributed as dist
from megapixel_sundae.core import seed_everything, TrainConfig, dist_info
from megapixel_sundae.data import EmojiDataset
from megapixel_sundae.vqgan import VQGAN, VQGANConfig
from megapixel_sundae.hourglass import HourglassConfig, HourglassTransformer
from megapixel_sundae.sundae import encode_dataset, LatentDataset, PriorConfig, SundaeTask, train_prior
from megapixel_sundae.sampling import sample_distributed
torch.manual_seed(0)
vq = VQGAN(VQGANConfig(resolution=32, ch=32, ch_mult=(1, 2, 2), num_res_blocks=1, attn_resolutions=(),
                       z_channels=8, embed_dim=8, n_embed=64)).eval()
em = EmojiDataset('val', size=32)
sets = {'train': torch.utils.data.Subset(em, range(48)), 'val': torch.utils.data.Subset(em, range(48, 64))}
'''


def _setup(tmp):
    "The same tiny VQ-GAN and data in this process."
    ns = {}
    exec(SETUP, ns)
    return ns


def test_encode_train_sample_two_ranks(tmp_path):
    out = str(tmp_path)
    script = (
        SETUP
        + f'''
OUT = {out!r}
encode_dataset(vq, sets, OUT + '/lat', batch_size=8, flips=True, progress=False)
cfg = PriorConfig(model=HourglassConfig(vocab_size=64, dim=64, heads=2, dim_head=32, depth=(1, 1, 1)),
                  train=TrainConfig(steps=6, batch_size=4, lr=1e-3, log_every=2, eval_every=0, sample_every=0, ckpt_every=0),
                  latents=OUT + '/lat')
torch.manual_seed(dist_info()[0])    # different init per rank: DDP must broadcast rank 0's weights
model, loop = train_prior(cfg, OUT + '/run', progress=False)
rank = dist.get_rank()
torch.save(loop.raw['prior'].state_dict(), OUT + f'/w{{rank}}.pt')
s = sample_distributed(loop.raw['prior'].eval(), 10, grid=(4, 4), steps=5, seed=3, progress=False)
torch.save(s.tokens, OUT + f'/s{{rank}}.pt')
dist.destroy_process_group()
'''
    )
    torchrun(script, tmp_path)
    # the two ranks hold the same weights
    w0, w1 = (torch.load(tmp_path / f'w{r}.pt') for r in range(2))
    assert all(torch.equal(w0[k], w1[k]) for k in w0)
    # the latent file equals a single-process encoding
    ns = _setup(tmp_path)
    ns['encode_dataset'](ns['vq'], ns['sets'], tmp_path / 'lat1', batch_size=8, flips=True, progress=False)
    assert np.array_equal(np.load(tmp_path / 'lat' / 'tokens.npy'), np.load(tmp_path / 'lat1' / 'tokens.npy'))
    assert json.loads((tmp_path / 'lat' / 'latents.json').read_text())['complete']
    # sample_distributed: every rank has all 10 samples, identical to one process drawing them
    s0, s1 = torch.load(tmp_path / 's0.pt'), torch.load(tmp_path / 's1.pt')
    assert torch.equal(s0, s1) and s0.shape == (10, 4, 4)
    prior = ns['HourglassTransformer'](
        ns['HourglassConfig'](vocab_size=64, dim=64, heads=2, dim_head=32, depth=(1, 1, 1))
    )
    prior.load_state_dict(w0)
    prior.eval()
    single = ns['sample_distributed'](prior, 10, grid=(4, 4), steps=5, seed=3, progress=False)
    assert torch.equal(single.tokens, s0)
    # the training log shows the ranks' losses averaged, every 2 steps
    log = [json.loads(l) for l in open(tmp_path / 'run' / 'metrics.jsonl')]
    assert [r['step'] for r in log if r['split'] == 'train'] == [2, 4, 6]
