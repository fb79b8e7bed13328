"""Fail if `nbdev_export` or `nbdev_clean` changes any file: the committed package must be exactly
what the notebooks export, and the notebooks must already be clean. Then `ruff check` and
`ruff format --check` (settings in pyproject.toml) on the notebooks, tests and tools."""

import hashlib, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WATCH = ['megapixel_sundae', 'nbs', 'pyproject.toml']


def snapshot():
    out = {}
    for w in WATCH:
        p = ROOT / w
        files = (
            [p]
            if p.is_file()
            else [
                f
                for f in p.rglob('*')
                if f.is_file() and '__pycache__' not in f.parts and '.ipynb_checkpoints' not in f.parts
            ]
        )
        for f in files:
            out[str(f.relative_to(ROOT))] = hashlib.sha1(f.read_bytes()).hexdigest()
    return out


def main():
    bin_dir = Path(sys.executable).parent
    before = snapshot()
    for cmd in ('nbdev_export', 'nbdev_clean'):
        r = subprocess.run([str(bin_dir / cmd)], cwd=ROOT)
        if r.returncode:
            sys.exit(f'{cmd} failed (exit {r.returncode})')
    after = snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        print('nbdev_export/nbdev_clean changed these files; run them and commit the result:')
        for c in changed:
            print('   ', c)
        sys.exit(1)
    print(f'nbdev_export and nbdev_clean: no changes ({len(after)} files checked)')
    lint = (
        [str(bin_dir / 'ruff'), 'check', '--no-cache', '-q', '.'],
        [str(bin_dir / 'ruff'), 'format', '--check', '--no-cache', '-q', 'nbs', 'tests', 'tools'],
    )
    for cmd in lint:
        if subprocess.run(cmd, cwd=ROOT).returncode:
            sys.exit(f"{' '.join(cmd[1:3])} failed: run `ruff format nbs tests tools` / fix what `ruff check` lists")
    print('ruff check and ruff format --check: clean')


if __name__ == '__main__':
    main()
