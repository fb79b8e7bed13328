"""Run the notebooks (nbdev_test, flagged cells skipped) and the pytest suite; print the counts."""

import re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(cmd):
    t0 = time.time()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in p.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    return p.wait(), ''.join(lines), time.time() - t0


def main():
    nbs = sorted(p for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    rc_nb, out_nb, t_nb = run([str(BIN / 'nbdev_test'), '--do_print', '--timing'])
    done = len(re.findall(r'- Completed', out_nb))
    rc_py, out_py, t_py = run([sys.executable, '-m', 'pytest', 'tests', '-q', '-p', 'no:cacheprovider'])
    m = re.findall(r'^=*\s*(\d+ (?:passed|failed|error|skipped).*?) in [\d.]+s', out_py, flags=re.M)
    print('\n==== test summary ====')
    print(f'notebooks: {done} of {len(nbs)} completed, {"passed" if rc_nb == 0 else "FAILED"} ({t_nb:.0f}s)')
    print(f'pytest:    {m[-1] if m else "no summary"} ({t_py:.0f}s)')
    sys.exit(1 if (rc_nb or rc_py) else 0)


if __name__ == '__main__':
    main()
