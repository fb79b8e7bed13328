"""Run a script under `torchrun` with CPU processes (gloo) for the multi-process tests."""

import os, socket, subprocess, sys, textwrap, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Each rank runs the script through this wrapper, which marks the rank done once the script's code has finished
# without error (normally or by sys.exit(0)).
RUNNER = '''
import os, sys, runpy
try: runpy.run_path({body!r}, run_name='__main__')
except SystemExit as e:
    if e.code not in (None, 0): raise
open(os.path.join({markers!r}, 'done' + os.environ['RANK']), 'w').close()
'''

# torch 2.14.1's gloo backend sometimes aborts a process while it shuts down, after all its work is done.
TEARDOWN_ABORT = 'terminate called without an active exception'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def torchrun(script: str, tmp_path: Path, nproc: int = 2, timeout: int = 300) -> subprocess.CompletedProcess:
    """Write `script` to a file and run it with `nproc` processes; fail with the processes' output if any fails.
    A non-zero exit is tolerated only when it is gloo's known teardown abort *and* every rank had finished the
    script without error (each rank's done-marker exists); a warning says so."""
    tmp_path = Path(tmp_path)
    body, markers = tmp_path / 'ddp_script.py', tmp_path / 'ddp_done'
    body.write_text(textwrap.dedent(script))
    markers.mkdir(exist_ok=True)
    for m in markers.glob('done*'):
        m.unlink()
    runner = tmp_path / 'ddp_runner.py'
    runner.write_text(RUNNER.format(body=str(body), markers=str(markers)))
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': '', 'PYTHONPATH': str(ROOT)}
    cmd = [
        sys.executable,
        '-m',
        'torch.distributed.run',
        f'--nproc_per_node={nproc}',
        '--master_addr=127.0.0.1',
        f'--master_port={free_port()}',
        str(runner),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=timeout)
    finished = all((markers / f'done{rank}').exists() for rank in range(nproc))
    if r.returncode != 0 and finished and TEARDOWN_ABORT in r.stdout + r.stderr:
        warnings.warn(f"torchrun exited {r.returncode} with gloo's teardown abort after every rank finished its work")
        return r
    assert r.returncode == 0, f"torchrun failed ({r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    assert finished, f"torchrun exited 0 but not every rank finished:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r
