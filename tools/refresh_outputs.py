"""Re-run a notebook in-process (execnb) and save its outputs, then `nbdev_clean` it.

Cells marked `#| eval: false` never run; cells carrying a test flag from settings.ini
(`#| slow`, `#| gpu`) run only when their flag is passed with --flags.
Usage: python tools/refresh_outputs.py nbs/02_vqgan.ipynb [more.ipynb ...] [--flags slow gpu]
"""

import argparse, os, subprocess, sys, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from nbdev.config import get_config
from nbdev.process import extract_directives


def directives(cell):
    if cell.cell_type != 'code':
        return {}
    return extract_directives(cell, remove=False, lang='python')


def refresh(path: Path, flags: set[str]):
    all_flags = set(get_config().tst_flags.split())
    nb = read_nb(path)

    def skip(cell):
        if cell.cell_type != 'code':
            return True
        if 'nbdev_export(' in cell.source:
            return True
        d = directives(cell)
        if d.get('eval:', [''])[0].lower() == 'false':
            return True
        return bool((all_flags - flags) & d.keys())

    shell = CaptureShell(path)
    t0 = time.time()
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        shell.run_all(nb, exc_stop=True, preproc=skip)
    finally:
        os.chdir(cwd)
    write_nb(nb, path)
    print(f'{path}: outputs saved ({time.time() - t0:.0f}s)')


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+', type=Path)
    ap.add_argument('--flags', nargs='*', default=[], help='test flags whose cells should run too')
    a = ap.parse_args()
    os.environ.pop('IN_TEST', None)
    for nbp in a.notebooks:
        refresh(nbp.resolve(), set(a.flags))
    for nbp in a.notebooks:  # one call per notebook: nbdev_clean takes a single --fname
        subprocess.run([str(Path(sys.executable).parent / 'nbdev_clean'), '--fname', str(nbp)], check=True)
