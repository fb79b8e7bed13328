"""Benchmark the hourglass prior: SUNDAE training step (unroll 2) and inference forward.

CPU (default): 2 threads, fp32, the small config of issue 5, compared with the authors' code as recorded in
results/reference/authors_code.json (vvvm23/sundae-vqgan at commit b6c713b, measured on this kind of machine
earlier, not re-run here). GPU: `--device cuda --dtype bf16`
times the forward at batch 1 and a large batch and reports achieved TFLOP/s from `hourglass_flops`.

    python tests/bench_hourglass.py                                  # small config, CPU, batch 8
    python tests/bench_hourglass.py --config ffhq1024 --batch 1 --repeats 3
    python tests/bench_hourglass.py --config ffhq1024 --device cuda --dtype bf16 --batch 1 --large-batch 32

Every timed phase runs in a fresh subprocess so that its peak memory (peak RSS on CPU, peak allocated on CUDA) is its own.
"""

import argparse, json, os, resource, statistics, subprocess, sys, time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from megapixel_sundae import core, sundae
from megapixel_sundae.core import autocast, cpu_name
from megapixel_sundae.hourglass import HOURGLASS_PRESETS, HourglassTransformer, fast_cpu_linear, hourglass_flops

# the authors' code on this kind of machine, with its provenance: (config, batch) -> seconds
_REF = json.loads((Path(__file__).resolve().parents[1] / 'results/reference/authors_code.json').read_text())
_SPEED = _REF['speed_cpu_2threads_fp32']
AUTHORS = {
    ('small', 8): {'train': _SPEED['small_batch8']['train_step_s'], 'forward': _SPEED['small_batch8']['forward_s']},
    ('ffhq1024', 1): {
        'train': _SPEED['ffhq1024_batch1']['train_step_unroll2_s'],
        'forward': _SPEED['ffhq1024_batch1']['forward_s'],
    },
}
GRID = {'small': 16, 'ffhq256': 16, 'ffhq1024': 32}


def _torch_categorical(logits: torch.Tensor, generator=None) -> torch.Tensor:
    "PyTorch's own sampler (one uniform per class), the baseline for `--sampler categorical`."
    return torch.distributions.Categorical(logits=logits.float()).sample()


def sundae_step(model, tokens, vocab, ctx, sampler):
    "One SUNDAE training step without the optimizer: the package's `unrolled_loss` (T = 2), then backward."
    sundae.sample_categorical = core.sample_categorical if sampler == 'invcdf' else _torch_categorical
    with ctx():
        loss = sundae.unrolled_loss(model, tokens, vocab, steps=2).loss
    model.zero_grad(set_to_none=True)
    loss.backward()
    return loss.item()


def _cpu_idle(window: float = 0.3) -> float:
    "Fraction of CPU time idle over `window` seconds (all cores, from /proc/stat)."

    def read():
        v = list(map(int, open('/proc/stat').readline().split()[1:]))
        return v[3] + v[4], sum(v)

    (i0, t0), _, (i1, t1) = read(), time.sleep(window), read()
    return (i1 - i0) / max(1, t1 - t0)


def wait_idle(timeout: float, threshold: float = 0.9) -> bool:
    "Wait until the CPUs are at least `threshold` idle (True) or `timeout` seconds pass (False)."
    end = time.time() + timeout
    while time.time() < end:
        if _cpu_idle() >= threshold:
            return True
    return False


def rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def run_phase(a) -> dict:
    "Time one phase in this process; returns a dict of results."
    dev = torch.device(a.device)
    if dev.type == 'cpu':
        torch.set_num_threads(a.threads)
    fast_cpu_linear(not a.no_onednn)
    torch.manual_seed(0)
    cfg = HOURGLASS_PRESETS[a.config]
    model = HourglassTransformer(cfg).to(dev)
    dtype = {'fp32': 'fp32', 'bf16': 'bf16'}[a.dtype]
    ctx = lambda: autocast(dev, dtype)
    g = a.grid or GRID[a.config]
    tokens = torch.randint(0, cfg.vocab_size, (a.batch, g, g), device=dev)
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    if a.phase == 'train':
        model.train()
        f = lambda: sundae_step(model, tokens, cfg.vocab_size, ctx, a.sampler)
    else:
        model.eval()

        def f():
            with torch.inference_mode(), ctx():
                model(tokens)

    base = rss_mb()
    if dev.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    for _ in range(a.warmup):
        f()
    sync()
    times = []
    waited = []
    for _ in range(a.repeats):
        if a.wait_idle and dev.type == 'cpu':
            waited.append(wait_idle(a.wait_idle))
        t = time.perf_counter()
        f()
        sync()
        times.append(time.perf_counter() - t)
    out = {
        'phase': a.phase,
        'median_s': statistics.median(times),
        'min_s': min(times),
        'times': times,
        'params': model.num_params(),
        'flops_fwd': hourglass_flops(cfg, g, g, a.batch),
        'onednn': fast_cpu_linear(),
        'idle_before': waited,
    }
    if dev.type == 'cuda':
        out['peak_mb'] = torch.cuda.max_memory_allocated() / 2**20
    else:
        out['peak_mb'], out['peak_above_model_mb'] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base,
        )
    return out


def phase_in_subprocess(a, phase: str, batch: int) -> dict:
    args = (
        [
            sys.executable,
            __file__,
            '--phase',
            phase,
            '--config',
            a.config,
            '--batch',
            str(batch),
            '--device',
            a.device,
            '--dtype',
            a.dtype,
            '--threads',
            str(a.threads),
            '--repeats',
            str(a.repeats),
            '--warmup',
            str(a.warmup),
            '--sampler',
            a.sampler,
            '--wait-idle',
            str(a.wait_idle),
        ]
        + (['--grid', str(a.grid)] if a.grid else [])
        + (['--no-onednn'] if a.no_onednn else [])
    )
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"phase {phase} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--config', default='small', choices=sorted(HOURGLASS_PRESETS))
    ap.add_argument('--batch', type=int, default=None, help='default: 8 for small, 1 otherwise')
    ap.add_argument(
        '--large-batch', type=int, default=None, help='also time the forward at this batch (GPU throughput)'
    )
    ap.add_argument('--grid', type=int, default=None, help='tokens per side (default: the config\'s own grid)')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--dtype', default='fp32', choices=['fp32', 'bf16'], help='bf16 = autocast')
    ap.add_argument('--threads', type=int, default=2, help='CPU threads (torch.set_num_threads)')
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--no-train', action='store_true', help='time the forward only')
    ap.add_argument('--no-onednn', action='store_true', help='plain F.linear (MKL) instead of the oneDNN CPU path')
    ap.add_argument(
        '--sampler',
        default='invcdf',
        choices=['invcdf', 'categorical'],
        help="how the unroll samples z1: inverse CDF, or torch.distributions.Categorical (the authors')",
    )
    ap.add_argument(
        '--wait-idle',
        type=float,
        default=0,
        metavar='S',
        help='before each timed run, wait up to S seconds for the CPUs to be idle (shared machines)',
    )
    ap.add_argument(
        '--json', default=None, metavar='PATH', help='also write the results (and the settings) to this file'
    )
    ap.add_argument('--phase', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.batch is None:
        a.batch = 8 if a.config == 'small' else 1
    if a.phase:
        print(json.dumps(run_phase(a)))
        return

    cfg = HOURGLASS_PRESETS[a.config]
    g = a.grid or GRID[a.config]
    print(
        f"hourglass benchmark: config {a.config} ({g}×{g} tokens, v {cfg.vocab_size}, d {cfg.dim}, {cfg.heads}×{cfg.dim_head} heads, "
        f"depth {cfg.depth}, k {cfg.shorten_factor}, resample {cfg.resample}, attn_resampling {cfg.attn_resampling})"
    )
    dev = a.device
    where = f"{cpu_name()}, {a.threads} threads" if dev == 'cpu' else torch.cuda.get_device_name(0)
    print(
        f"device {dev} ({where}), {a.dtype}, torch {torch.__version__}, load average {os.getloadavg()[0]:.2f} at start"
    )
    results = []
    phases = ([('train', a.batch)] if not a.no_train else []) + [('forward', a.batch)]
    if a.large_batch:
        phases.append(('forward', a.large_batch))
    for phase, b in phases:
        r = phase_in_subprocess(a, phase, b)
        r['batch'] = b
        results.append(r)
    r0 = results[0]
    print(
        f"parameters {r0['params']:,}; forward {r0['flops_fwd'] / a.batch / 1e9:.2f} GFLOP per sample "
        f"(matmuls and attention, analytic); linear layers via {'oneDNN' if r0['onednn'] else 'F.linear'}"
    )
    print(f"{'phase':<22}{'batch':>6}{'median':>11}{'min':>11}{'GFLOP/s':>10}{'peak MB':>10}")
    for r in results:
        flops = r['flops_fwd'] * (6 if r['phase'] == 'train' else 1)  # train: 2 forwards + 2 backwards (2× each)
        name = 'SUNDAE step (unroll 2)' if r['phase'] == 'train' else 'inference forward'
        ms = lambda s: f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"
        print(
            f"{name:<22}{r['batch']:>6}{ms(r['median_s']):>11}{ms(r['min_s']):>11}{flops / r['median_s'] / 1e9:>10.0f}"
            f"{r['peak_mb']:>10.0f}"
            + (
                f"  (+{r['peak_above_model_mb']:.0f} MB above the model, peak RSS)"
                if 'peak_above_model_mb' in r
                else ''
            )
        )
    if a.wait_idle:
        print(
            "idle before each timed run: "
            + '; '.join(f"{r['phase']}@{r['batch']}: {sum(r['idle_before'])}/{len(r['idle_before'])}" for r in results)
        )
    print(
        "all times (s): "
        + '; '.join(f"{r['phase']}@{r['batch']}: " + ' '.join(f'{t:.3f}' for t in r['times']) for r in results)
    )
    if a.json:
        from megapixel_sundae.core import git_revision

        meta = {'command': 'python tests/bench_hourglass.py ' + ' '.join(sys.argv[1:]), 'settings': vars(a),
                'where': where, 'torch': torch.__version__, 'git': git_revision(Path(__file__).parent),
                'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), 'results': results}  # fmt: skip
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(meta, indent=1) + '\n')
        print(f'wrote {a.json}')
    ref = AUTHORS.get((a.config, a.batch))
    if ref and dev == 'cpu' and a.dtype == 'fp32' and a.threads == 2 and g == GRID[a.config]:
        print(
            "authors' code, recorded in results/reference/authors_code.json on this kind of machine (CPU, 2 threads, fp32; not re-run here):"
        )
        for r in results:
            if r['batch'] != a.batch:
                continue
            t = ref[r['phase']]
            print(
                f"  {r['phase']:<8} authors {t:.3f} s, ours {r['median_s']:.3f} s median / {r['min_s']:.3f} s min: "
                f"{t / r['median_s']:.2f}× faster (median), {t / r['min_s']:.2f}× (min)"
            )
    print(
        f"load average {os.getloadavg()[0]:.2f} at end (2 cores shared with other jobs: timings are noisy when it is high)"
    )


if __name__ == '__main__':
    main()
