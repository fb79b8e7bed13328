"""Run a script under `torchrun` with CPU processes (gloo) for the multi-process tests."""
import os, socket, subprocess, sys, textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def torchrun(script: str, tmp_path: Path, nproc: int = 2, timeout: int = 300) -> subprocess.CompletedProcess:
    "Write `script` to a file and run it with `nproc` processes; fail with the processes' output if any fails."
    f = Path(tmp_path) / 'ddp_script.py'
    f.write_text(textwrap.dedent(script))
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': '', 'PYTHONPATH': str(ROOT)}
    cmd = [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={nproc}', '--master_addr=127.0.0.1',
           f'--master_port={free_port()}', str(f)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=timeout)
    assert r.returncode == 0, f"torchrun failed ({r.returncode}):\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r
