"Behaviour of the MS-VQVAE beyond the notebook's tests: where gradients flow, and the fp16 round trip."

import math, tempfile
import torch
from megapixel_sundae.msvqvae import (
    MSVQVAE,
    MSVQVAEConfig,
    MSVQVAE_PRESETS,
    blur,
    blur_params,
    gaussian_kernel1d,
    msvqvae_loss,
)


def small(seed=0):
    torch.manual_seed(seed)
    cfg = MSVQVAEConfig(resolution=16, latent_sizes=(2, 4), ch=32, ch_mult=(1, 1, 1, 1), embed_dim=8, n_embed=16)
    return MSVQVAE(cfg)


def grads(model, loss):
    model.zero_grad()
    loss.backward()
    return {n: p.grad is not None and float(p.grad.abs().sum()) > 0 for n, p in model.named_parameters()}


def test_scale0_error_reaches_only_its_own_path():
    m = small()
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    out = m(x)
    g = grads(m, (out.reconstructions[0] - x).pow(2).mean())
    assert not any(v for n, v in g.items() if n.startswith('decoders.1.'))  # C_1 is not part of x̂_0
    assert not any(v for n, v in g.items() if n.startswith('mix.'))  # nor is scale 1's quantiser input
    assert any(v for n, v in g.items() if n.startswith('decoders.0.'))
    assert any(v for n, v in g.items() if n.startswith('inter.0.'))  # C_0 is decoded through z_d,0
    assert any(v for n, v in g.items() if n.startswith('encoder.heads.0.'))  # straight-through to z_e,0


def test_scale1_contribution_gets_information_from_scale0():
    m = small()
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    out = m(x)
    g = grads(m, out.contributions[1].pow(2).mean())
    # C_1 comes from z_q,1, quantised from mix([z_e,1, z_d,0]): the gradient reaches scale 0's intermediate decoder
    assert any(v for n, v in g.items() if n.startswith('inter.0.'))
    assert any(v for n, v in g.items() if n.startswith('mix.0.'))
    assert not any(v for n, v in g.items() if n.startswith('decoders.0.'))


def test_loss_matches_eq6_by_hand():
    m = small()
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    out = m(x)
    loss, errs = msvqvae_loss(out, x)
    k, s = blur_params(16)  # √16 − 1 = 3, σ = 0.8
    assert (k, s) == (3, 0.8)
    want0 = (blur(x, 3, 0.8) - out.reconstructions[0]).pow(2).mean()
    want1 = (x - out.contributions[0] - out.contributions[1]).pow(2).mean()
    commit = sum(0.25 * q.commit_loss for q in out.quantized)
    assert torch.allclose(errs[0], want0) and torch.allclose(errs[1], want1, atol=1e-6)
    assert torch.allclose(loss, want0 + want1 + commit, atol=1e-6)


def test_blur_keeps_constant_images_and_kernel_is_symmetric():
    w = gaussian_kernel1d(7, 22 / 15)
    assert torch.allclose(w, w.flip(0)) and math.isclose(float(w.sum()), 1.0, rel_tol=1e-6)
    x = torch.full((1, 3, 8, 8), 0.3)
    assert torch.allclose(blur(x, 7, 22 / 15), x, atol=1e-6)


def test_fp16_round_trip_keeps_tokens():
    m = MSVQVAE(MSVQVAE_PRESETS['emoji64']).eval()
    x = torch.rand(4, 3, 64, 64) * 2 - 1
    with tempfile.TemporaryDirectory() as d:
        m.save_pretrained(d, dtype=torch.float16)
        back = MSVQVAE.from_pretrained(d).eval()
        sd, sd2 = m.state_dict(), back.state_dict()
        for k in sd:
            want = sd[k].half().float() if sd[k].is_floating_point() else sd[k]
            assert torch.equal(want, sd2[k]), k
        with torch.no_grad():
            out = back(x)
        assert [t.shape for t in out.indices] == [(4, 4, 4), (4, 8, 8)]
