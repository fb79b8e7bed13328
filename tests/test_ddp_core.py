"""The shared training loop under torchrun with two CPU (gloo) processes: the ranks see different
batches, their gradients are averaged, so they end with identical weights; and a resumed 2-process run
matches an uninterrupted one."""

import torch
from ddp import torchrun

SCRIPT = '''
import sys, json, torch
from torch import nn
from megapixel_sundae.core import TrainTask, TrainConfig, fit, dist_info, Config
from dataclasses import dataclass
import torch.distributed as dist

@dataclass(frozen=True)
class C(Config):
    d: int = 3

class Toy(TrainTask):
    def __init__(self, crash_at=None):
        self.config, self.crash_at = C(), crash_at
        torch.manual_seed(dist_info()[0] + 10)   # different init per rank: DDP must broadcast rank 0's
        self.net = nn.Linear(3, 1)
    def modules(self): return {'net': self.net}
    def training_step(self, batch, step, loop):
        if step == self.crash_at: raise RuntimeError('simulated crash')
        x, y = batch
        y = y + 0.1 * torch.randn_like(y)
        loss = ((loop.modules['net'](x) - y) ** 2).mean()
        return {'loss': loss.item(), 'grad_norm': loop.optimize(loss)}

g = torch.Generator().manual_seed(1)
X = torch.randn(64, 3, generator=g); Y = X @ torch.tensor([[1.], [-2.], [.5]])
data = torch.utils.data.TensorDataset(X, Y)
cfg = TrainConfig(steps=10, batch_size=4, lr=0.05, log_every=1, ckpt_every=5, eval_every=0, sample_every=0)
out, mode = sys.argv[1], sys.argv[2]
if mode == 'crash':
    try: fit(Toy(crash_at=7), data, cfg, out, progress=False)
    except RuntimeError: pass
    dist.destroy_process_group()
    sys.exit(0)
loop = fit(Toy(), data, cfg, out, progress=False)
torch.save(loop.raw['net'].weight.detach().clone(), out + f'/weights{dist.get_rank()}.pt')
dist.destroy_process_group()
'''


def test_ranks_end_identical_and_resume_matches(tmp_path):
    s = SCRIPT.replace("out, mode = sys.argv[1], sys.argv[2]", "out, mode = OUT, MODE")
    torchrun(s.replace('OUT', repr(str(tmp_path / 'full'))).replace('MODE', "'full'"), tmp_path)
    full = [torch.load(tmp_path / 'full' / f'weights{r}.pt') for r in range(2)]
    assert torch.equal(full[0], full[1])  # every rank holds the same weights
    torchrun(s.replace('OUT', repr(str(tmp_path / 'part'))).replace('MODE', "'crash'"), tmp_path)
    torchrun(s.replace('OUT', repr(str(tmp_path / 'part'))).replace('MODE', "'full'"), tmp_path)
    part = [torch.load(tmp_path / 'part' / f'weights{r}.pt') for r in range(2)]
    assert torch.equal(part[0], full[0])  # resumed run == uninterrupted run
    import json

    log = lambda p: [
        (r['step'], r['loss']) for r in map(json.loads, open(p / 'metrics.jsonl')) if r['split'] == 'train'
    ]
    assert log(tmp_path / 'part') == log(tmp_path / 'full')
    assert len(log(tmp_path / 'full')) == 10


def test_torchrun_helper_reports_a_failing_rank(tmp_path):
    "The harness's tolerance of gloo's teardown abort never hides a rank that failed in its own code."
    import pytest

    with pytest.raises(AssertionError, match='torchrun failed'):
        torchrun("import os\nif os.environ['RANK'] == '1': raise RuntimeError('rank 1 fails')\n", tmp_path)
