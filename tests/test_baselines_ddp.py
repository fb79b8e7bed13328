"""The absorbing-diffusion and autoregressive priors' training under torchrun with two CPU (gloo) processes:
ranks that start from different weights hold identical weights after a few steps, and the log is written once."""

import json
import torch
from ddp import torchrun
from test_baselines import _latents, SMALL


def test_baselines_train_two_ranks(tmp_path):
    lat = _latents(tmp_path / 'lat')
    script = f'''
import torch
import torch.distributed as dist
from megapixel_sundae.core import dist_info
from megapixel_sundae.baselines import train_baseline
OUT = {str(tmp_path)!r}
for kind, small in {SMALL!r}.items():
    torch.manual_seed(dist_info()[0]) # different init per rank: DDP must broadcast rank 0's weights
    common = ['latents={lat}', 'train.steps=4', 'train.batch_size=4', 'train.log_every=2', 'train.eval_every=0',
              'train.ckpt_every=0', 'val_batches=1']
    model, loop = train_baseline(kind, 'emoji64', OUT + '/' + kind, overrides=tuple(common + small), progress=False)
    torch.save(loop.raw['prior'].state_dict(), OUT + f'/{{kind}}_w{{dist.get_rank()}}.pt')
dist.destroy_process_group()
'''
    torchrun(script, tmp_path)
    for kind in SMALL:
        w0, w1 = (torch.load(tmp_path / f'{kind}_w{r}.pt') for r in range(2))
        assert all(torch.equal(w0[k], w1[k]) for k in w0), kind
        log = [json.loads(l) for l in open(tmp_path / kind / 'metrics.jsonl')]
        assert [r['step'] for r in log if r['split'] == 'train'] == [2, 4]
