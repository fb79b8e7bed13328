"""The README is written by hand (nbdev_readme needs quarto); it must show a fresh machine the same two
commands as the docs home page (nbs/index.ipynb), and .ci/run must call the README's test command."""

import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shell_commands(markdown: str) -> list[str]:
    "Commands inside ```sh fenced blocks."
    blocks = re.findall(r'```(?:sh|bash|shell)\n(.*?)```', markdown, flags=re.S)
    return [line.split('#')[0].strip() for b in blocks for line in b.splitlines() if line.strip()]


def index_markdown() -> str:
    nb = json.loads((ROOT / 'nbs' / 'index.ipynb').read_text())
    return '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')


def two_commands(md: str) -> list[str]:
    return [c for c in shell_commands(md) if c.startswith('make ')]


def test_readme_shows_exactly_two_make_commands():
    assert two_commands((ROOT / 'README.md').read_text()) == ['make demo', 'make test']


def test_index_matches_readme():
    assert two_commands(index_markdown()) == two_commands((ROOT / 'README.md').read_text())
    # and the same install line
    assert [c for c in shell_commands(index_markdown()) if c.startswith('pip')] == [
        c for c in shell_commands((ROOT / 'README.md').read_text()) if c.startswith('pip')
    ]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / '.ci' / 'run').read_text()
    assert re.search(r'^\s*make test\s*$', ci, flags=re.M)


def test_quarto_symlink():
    link = ROOT / 'nbs' / '_quarto.yml'
    assert link.is_symlink() and link.resolve() == (ROOT / '_quarto.yml').resolve()
