"""`VectorQuantizer` under torchrun with two CPU (gloo) processes that see different data:
EMA statistics are all-reduced and restart vectors broadcast, so every rank ends with the same codebook;
the 2-process EMA codebook equals a 1-process one trained on both ranks' data; and with the synchronisation
patched out the ranks do drift apart (so the first check can fail)."""

import torch
from ddp import torchrun

DATA = '''
import torch
def data(rank, step, b=2, c=4, h=4, w=4):
    "Rank-specific vectors: rank r draws from N(r, (1 + r)^2)."
    g = torch.Generator().manual_seed(1000 * rank + step)
    return torch.randn(b, c, h, w, generator=g) * (1 + rank) + rank
'''

SCRIPT = (
    DATA
    + '''
import sys, torch, torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
import megapixel_sundae.quantize as Q
from megapixel_sundae.core import init_distributed, dist_info
from megapixel_sundae.quantize import VectorQuantizer, QuantizerConfig

init_distributed()
rank, _, world = dist_info()
OUT = sys.argv[1]
res = {}

def ema_run(steps=30, **kw):
    torch.manual_seed(0)   # the same initial codebook on every rank
    vq = VectorQuantizer(QuantizerConfig(n_embed=32, embed_dim=4, ema=True, decay=0.9, **kw)).train()
    torch.manual_seed(10 + rank)   # different RNG streams per rank (restart draws happen on rank 0 only)
    restarted = 0
    for step in range(steps): restarted += vq(data(rank, step)).restarted
    return {'state': {k: v.clone() for k, v in vq.state_dict().items()}, 'restarted': restarted,
            'usage_ema': vq.usage_ema.clone()}

# 1. EMA codebook + restarts, the quantizer used directly (nothing but its own synchronisation keeps ranks equal)
res['ema_restart'] = ema_run(restart_threshold=1.0)
# 2. EMA codebook alone: compared in the test with one process trained on both ranks' data
res['ema'] = ema_run()

# 3. gradient-trained codebook + restarts + stochastic codes inside a DDP model; broadcast_buffers=False so
#    DDP does not copy rank 0's buffers over the others' (that would hide a missing synchronisation)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc, self.dec = nn.Conv2d(4, 4, 1), nn.Conv2d(4, 4, 1)
        self.vq = VectorQuantizer(QuantizerConfig(n_embed=32, embed_dim=4, restart_threshold=1.0, stochastic=True))
    def forward(self, x):
        o = self.vq(self.enc(x))
        return self.dec(o.quantized), o.loss, o.restarted
torch.manual_seed(0)
net = DDP(Net(), broadcast_buffers=False)
opt = torch.optim.SGD(net.parameters(), lr=0.05)
torch.manual_seed(20 + rank)
restarted = 0
for step in range(20):
    x = data(rank, step)
    rec, vq_loss, n = net(x)
    loss = (rec - x).pow(2).mean() + vq_loss
    opt.zero_grad(); loss.backward(); opt.step()
    restarted += n
res['ddp'] = {'state': {k: v.detach().clone() for k, v in net.module.state_dict().items()}, 'restarted': restarted,
              'usage_ema': net.module.vq.usage_ema.clone()}

# 4. the same as 1 with the synchronisation patched out: the ranks must then disagree
Q.all_reduce_ = lambda t, op='sum': t
Q._broadcast_ = lambda t, src=0: t
res['nosync'] = ema_run(restart_threshold=1.0)

torch.save(res, f'{OUT}/rank{rank}.pt')   # each rank writes its own file (no gather)
dist.destroy_process_group()
'''
)


def _single_process_ema(steps=30):
    "One process, one quantizer, each step's batch = rank 0's and rank 1's batches together."
    ns = {}
    exec(DATA, ns)
    from megapixel_sundae.quantize import VectorQuantizer, QuantizerConfig

    torch.manual_seed(0)
    vq = VectorQuantizer(QuantizerConfig(n_embed=32, embed_dim=4, ema=True, decay=0.9)).train()
    for step in range(steps):
        vq(torch.cat([ns['data'](0, step), ns['data'](1, step)]))
    return vq


def test_ranks_keep_the_same_codebook(tmp_path):
    s = SCRIPT.replace('OUT = sys.argv[1]', f'OUT = {str(tmp_path)!r}')
    torchrun(s, tmp_path)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pt') for r in range(2))
    for case in ('ema_restart', 'ddp'):
        a, b = r0[case], r1[case]
        assert a['restarted'] == b['restarted'] > 0, (case, a['restarted'], b['restarted'])  # restarts did happen
        assert a['state'].keys() == b['state'].keys()
        for k in a['state']:
            assert torch.equal(a['state'][k], b['state'][k]), (case, k)  # bit for bit
        assert torch.equal(a['usage_ema'], b['usage_ema']), case
    assert 'ema_sum' in r0['ema_restart']['state'] and 'usage_ema' in r0['ema_restart']['state']
    # the EMA statistics are those of the global batch
    for k in ('embedding.weight', 'ema_count', 'ema_sum'):
        assert torch.equal(r0['ema']['state'][k], r1['ema']['state'][k])
    single = _single_process_ema()
    torch.testing.assert_close(
        r0['ema']['state']['embedding.weight'], single.embedding.weight.detach(), atol=1e-5, rtol=1e-5
    )
    torch.testing.assert_close(r0['ema']['state']['ema_count'], single.ema_count, atol=1e-4, rtol=1e-5)
    # without synchronisation the two ranks' codebooks drift apart: the checks above can fail
    assert not torch.equal(r0['nosync']['state']['embedding.weight'], r1['nosync']['state']['embedding.weight'])
