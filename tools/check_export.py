"""Fail if `nbdev_export` or `nbdev_clean` changes any file: the committed package must be exactly
what the notebooks export, and the notebooks must already be clean."""
import hashlib, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WATCH = ['megapixel_sundae', 'nbs', 'pyproject.toml']

def snapshot():
    out = {}
    for w in WATCH:
        p = ROOT / w
        files = [p] if p.is_file() else [f for f in p.rglob('*') if f.is_file() and '__pycache__' not in f.parts
                                         and '.ipynb_checkpoints' not in f.parts]
        for f in files: out[str(f.relative_to(ROOT))] = hashlib.sha1(f.read_bytes()).hexdigest()
    return out

def main():
    bin_dir = Path(sys.executable).parent
    before = snapshot()
    for cmd in ('nbdev_export', 'nbdev_clean'):
        r = subprocess.run([str(bin_dir / cmd)], cwd=ROOT)
        if r.returncode: sys.exit(f'{cmd} failed (exit {r.returncode})')
    after = snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        print('nbdev_export/nbdev_clean changed these files; run them and commit the result:')
        for c in changed: print('   ', c)
        sys.exit(1)
    print(f'nbdev_export and nbdev_clean: no changes ({len(after)} files checked)')

if __name__ == '__main__': main()
