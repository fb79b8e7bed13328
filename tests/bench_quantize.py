"""Benchmark (not a test): time and peak memory of a `VectorQuantizer` forward at the megapixel model's size
(v = 8192 codes, d = 256, batch 16 of a 32×32 grid, so N = 16 384 vectors) on the CPU, chunked vs naive.

Peak memory is measured per variant in a fresh Python process (so no memory freed by an earlier variant can be
reused unseen): after building the quantizer and the input and running a warm-up forward on a tiny input, the
kernel's resident-set high-water mark is reset (`echo 5 > /proc/self/clear_refs`, Linux), and after the measured
forward the peak is read back (`VmHWM` in /proc/self/status). "peak extra" = VmHWM − VmRSS just before the forward:
every page the forward touched beyond what was already resident, its outputs included. (tracemalloc does not see
torch's allocations, and the CPU allocator keeps no peak statistics.)

Usage: python tests/bench_quantize.py [--repeats 3] [--chunks none 4096 2048 1024 256] [--threads N]
"""

import argparse, json, os, re, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _status() -> dict:
    s = Path('/proc/self/status').read_text()
    return {k: int(re.search(rf'{k}:\s+(\d+) kB', s).group(1)) * 1024 for k in ('VmRSS', 'VmHWM')}


def child(chunk, mode: str, repeats: int, v: int, d: int, b: int, h: int, w: int, threads: int | None):
    "Run in a fresh process: measure one variant and print a JSON line."
    import gc, torch
    from megapixel_sundae.quantize import VectorQuantizer, QuantizerConfig

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    vq = VectorQuantizer(QuantizerConfig(n_embed=v, embed_dim=d, chunk_size=chunk))
    with torch.no_grad():
        vq.embedding.weight.normal_()  # a trained-looking codebook (the init is tiny and uniform)
    vq.train(mode == 'train')
    z = torch.randn(b, d, h, w).requires_grad_(mode == 'train')

    def fwd(x):
        if mode == 'train':
            o = vq(x)
            return o.quantized, o.loss  # keeps the autograd graph alive, as training does
        with torch.no_grad():
            o = vq(x)
            return o.quantized, o.indices

    fwd(torch.randn(1, d, 2, 2).requires_grad_(mode == 'train'))  # warm-up: load kernels, first-call allocations
    times, peaks = [], []
    for _ in range(repeats):
        gc.collect()
        Path('/proc/self/clear_refs').write_text('5')  # reset the high-water mark to the current RSS
        before = _status()['VmRSS']
        t0 = time.perf_counter()
        out = fwd(z)
        dt = time.perf_counter() - t0
        peaks.append(_status()['VmHWM'] - before)
        times.append(dt)
        del out
    n = b * h * w
    block = (n if chunk is None else min(chunk, n)) * v * 4
    print(
        json.dumps(
            {
                'chunk': chunk,
                'mode': mode,
                'times': times,
                'peaks': peaks,
                'block': block,
                'threads': torch.get_num_threads(),
                'torch': torch.__version__,
            }
        )
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3, help='forwards per variant (each in the same fresh process)')
    ap.add_argument(
        '--chunks', nargs='+', default=['none', '4096', '2048', '1024', '256'], help="chunk sizes; 'none' = naive"
    )
    ap.add_argument('--modes', nargs='+', default=['eval', 'train'], choices=['eval', 'train'])
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s choice)')
    ap.add_argument('--shape', type=int, nargs=5, default=[8192, 256, 16, 32, 32], metavar=('V', 'D', 'B', 'H', 'W'))
    ap.add_argument('--json', default=None, metavar='PATH', help='also write every result to this JSON file')
    ap.add_argument('--child', nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        c = None if a.child[0] == 'none' else int(a.child[0])
        return child(c, a.child[1], a.repeats, *a.shape, a.threads)
    if not Path('/proc/self/clear_refs').exists():
        sys.exit('this benchmark reads peak memory from /proc (Linux only)')
    v, d, b, h, w = a.shape
    print(
        f"VectorQuantizer forward, v={v}, d={d}, batch {b} of {h}x{w} (N={b * h * w} vectors), CPU, fp32; "
        f"{a.repeats} forwards per variant, each variant in a fresh process"
    )
    print(
        "eval = eval mode under no_grad (encoding a dataset); train = training mode, input requires grad, graph kept\n"
    )
    print(
        f"{'variant':>14s} {'mode':>5s} {'time median':>11s} {'time min':>9s} {'peak extra':>11s} {'distance block':>15s}"
    )
    env = {**os.environ, 'PYTHONPATH': str(ROOT) + os.pathsep + os.environ.get('PYTHONPATH', '')}
    rows = []
    for mode in a.modes:
        for c in a.chunks:
            cmd = [
                sys.executable,
                __file__,
                '--child',
                c,
                mode,
                '--repeats',
                str(a.repeats),
                '--shape',
                *map(str, a.shape),
            ]
            if a.threads:
                cmd += ['--threads', str(a.threads)]
            r = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if r.returncode:
                sys.exit(f"variant chunk={c} mode={mode} failed:\n{r.stderr[-3000:]}")
            res = json.loads(r.stdout.strip().splitlines()[-1])
            rows.append({**res, 'mode': mode})
            name = 'naive' if res['chunk'] is None else f"chunk {res['chunk']}"
            mib = lambda x: f"{x / 2**20:8.0f} MiB"
            print(
                f"{name:>14s} {mode:>5s} {statistics.median(res['times']):10.2f}s {min(res['times']):8.2f}s "
                f"{mib(max(res['peaks'])):>11s} {mib(res['block']):>15s}",
                flush=True,
            )
    print(
        f"\n(torch {res['torch']}, {res['threads']} threads; 'peak extra' is the largest of the repeats; "
        f"the input alone is {b * d * h * w * 4 / 2**20:.0f} MiB and the quantized output as much again)"
    )
    if a.json:
        from megapixel_sundae.core import cpu_name, git_revision

        meta = {'command': 'python tests/bench_quantize.py ' + ' '.join(sys.argv[1:]), 'cpu': cpu_name(),
                'cpu_count': os.cpu_count(), 'git': git_revision(ROOT), 'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                'shape': dict(zip('v d batch h w'.split(), a.shape)), 'results': rows}  # fmt: skip
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(meta, indent=1) + '\n')
        print(f'wrote {a.json}')


if __name__ == '__main__':
    main()
