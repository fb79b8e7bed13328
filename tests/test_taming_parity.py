"""Our VQ-GAN against taming-transformers' own code.

taming's model code (Encoder, Decoder, VectorQuantizer2) is fetched from PyPI at test time
(`taming-transformers-rom1504`, a packaging of CompVis/taming-transformers; `pip download --no-deps`, only its
pure-torch modules are imported, never Lightning). Both models get the same random weights through taming's
parameter names; encode → indices must agree exactly and decode to 1e-5 (fp32). Skipped, saying why, when
PyPI cannot be reached."""

import subprocess, sys, zipfile
import pytest, torch
from dataclasses import replace
from megapixel_sundae.vqgan import VQGAN, VQGANConfig, VQGAN_PRESETS
from megapixel_sundae.quantize import QuantizerConfig
from megapixel_sundae.data import cache_dir

WHEEL = 'taming-transformers-rom1504==0.0.6'


@pytest.fixture(scope='module')
def taming(tmp_path_factory):
    dest = cache_dir() / 'taming_wheel'
    pkg = dest / 'taming'
    if not pkg.exists():
        dl = tmp_path_factory.mktemp('dl')
        r = subprocess.run(
            [sys.executable, '-m', 'pip', 'download', '--no-deps', '-q', '-d', str(dl), WHEEL],
            capture_output=True,
            text=True,
        )
        if r.returncode:
            pytest.skip(f'could not download {WHEEL} from PyPI: {r.stderr.strip()[-200:]}')
        whl = next(dl.glob('*.whl'))
        with zipfile.ZipFile(whl) as z:
            z.extractall(
                dest, [n for n in z.namelist() if n.startswith('taming/modules/') or n == 'taming/__init__.py']
            )
    sys.path.insert(0, str(dest))
    from taming.modules.diffusionmodules.model import Encoder, Decoder
    from taming.modules.vqvae.quantize import VectorQuantizer2

    yield Encoder, Decoder, VectorQuantizer2
    sys.path.remove(str(dest))


class TamingVQModel(torch.nn.Module):
    "taming's VQModel composition (encoder → quant_conv → quantize → post_quant_conv → decoder), without Lightning."

    def __init__(self, Encoder, Decoder, VQ, c: VQGANConfig):
        super().__init__()
        dd = dict(
            double_z=c.double_z,
            z_channels=c.z_channels,
            resolution=c.resolution,
            in_channels=c.in_channels,
            out_ch=c.out_ch,
            ch=c.ch,
            ch_mult=list(c.ch_mult),
            num_res_blocks=c.num_res_blocks,
            attn_resolutions=list(c.attn_resolutions),
            dropout=c.dropout,
        )
        self.encoder, self.decoder = Encoder(**dd), Decoder(**dd)
        self.quantize = VQ(c.n_embed, c.embed_dim, beta=0.25, legacy=True)
        self.quant_conv = torch.nn.Conv2d(c.z_channels, c.embed_dim, 1)
        self.post_quant_conv = torch.nn.Conv2d(c.embed_dim, c.z_channels, 1)

    def encode(self, x):
        q, loss, (_, _, ind) = self.quantize(self.quant_conv(self.encoder(x)))
        return q, loss, ind

    def decode(self, q):
        return self.decoder(self.post_quant_conv(q))


CONFIGS = {
    'small': VQGANConfig(
        resolution=64,
        ch=32,
        ch_mult=(1, 2, 2),
        num_res_blocks=1,
        attn_resolutions=(16,),
        z_channels=32,
        embed_dim=16,
        n_embed=128,
    ),
    'emoji64': VQGAN_PRESETS['emoji64'],
    'ffhq256_layout': VQGANConfig(
        resolution=64,
        ch=32,
        ch_mult=(1, 1, 2, 2, 4),
        num_res_blocks=2,
        attn_resolutions=(4,),
        z_channels=64,
        embed_dim=32,
        n_embed=256,
    ),  # ffhq256's structure, narrower and smaller
}


@pytest.mark.parametrize('name', list(CONFIGS))
def test_matches_taming(taming, name):
    Encoder, Decoder, VQ = taming
    c = CONFIGS[name]
    torch.manual_seed(0)
    ref = TamingVQModel(Encoder, Decoder, VQ, c).eval()
    with torch.no_grad():  # weights well away from init so that every path matters
        for p in ref.parameters():
            p.add_(torch.randn_like(p) * 0.05)
        ref.quantize.embedding.weight.normal_()
    ours = VQGAN(replace(c, quantizer=QuantizerConfig(legacy=True))).eval()
    sd = ref.state_dict()
    assert set(sd) == set(ours.state_dict()), set(sd) ^ set(ours.state_dict())
    ours.load_state_dict(sd, strict=True)
    x = torch.rand(2, 3, c.resolution, c.resolution * 3 // 2 // c.factor * c.factor) * 2 - 1  # non-square too
    with torch.no_grad():
        q_ref, loss_ref, ind_ref = ref.encode(x)
        out = ours.encode(x)
        assert torch.equal(out.indices.flatten(), ind_ref.flatten())
        torch.testing.assert_close(out.loss, loss_ref, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(ours.decode(out.quantized), ref.decode(q_ref), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(ours.decode_indices(out.indices), ref.decode(q_ref), rtol=1e-5, atol=1e-5)
