"""Render every docs page with its saved outputs to HTML, without quarto.

nbdev's own notebook processing (the step `nbdev_docs` runs before quarto), called without its
quarto install attempt, then nbconvert to HTML in docs_check/. Fails if any page fails to render;
lists every page with the number of images it shows."""

import re, subprocess, sys, shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / 'docs_check'


def main():
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import proc_nbs
    import os

    os.chdir(ROOT)
    refresh_quarto_yml()
    nbdev_sidebar.__wrapped__()
    proc = Path(proc_nbs(force=True))
    pages = sorted(proc.glob('*.ipynb'))
    if not pages:
        sys.exit('no processed notebooks found in _proc/')
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    failed, rows = [], []
    for p in pages:
        r = subprocess.run(
            [
                sys.executable,
                '-m',
                'nbconvert',
                '--to',
                'html',
                '--no-prompt',
                '--log-level',
                'ERROR',
                '--output-dir',
                str(OUT),
                str(p),
            ],
            capture_output=True,
            text=True,
        )
        html = OUT / (p.stem + '.html')
        if r.returncode or not html.exists():
            failed.append(p.name)
            rows.append((p.name, 'FAILED', r.stderr.strip().splitlines()[-1:]))
            continue
        text = html.read_text(encoding='utf-8')
        rows.append((p.name, len(re.findall(r'<img\b', text)), f'{html.stat().st_size / 1024:.0f} KiB'))
    print(f'{"page":32s} {"images":>6s}  size')
    for name, n, extra in rows:
        print(f'{name:32s} {n!s:>6s}  {extra}')
    print(f'{len(rows) - len(failed)} of {len(rows)} pages rendered to {OUT.relative_to(ROOT)}/')
    if failed:
        sys.exit(f'pages that failed to render: {", ".join(failed)}')


if __name__ == '__main__':
    main()
