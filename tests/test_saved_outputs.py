"""Saved notebook outputs reach the docs site: no warnings, tracebacks or paths of the machine that ran them."""

import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BAD = re.compile(r'/tmp/tmp|/root/|/home/|\.venv/|site-packages|<ipython-input|Traceback \(most recent|\w+Warning: ')


def test_saved_outputs_are_clean():
    found = []
    for nb in sorted((ROOT / 'nbs').glob('*.ipynb')):
        for i, cell in enumerate(json.loads(nb.read_text())['cells']):
            for out in cell.get('outputs', []):
                data = out.get('data', {})
                text = ''.join(out.get('text', '')) + ''.join(out.get('traceback', []))
                text += ''.join(data.get('text/plain', '')) + ''.join(data.get('text/markdown', ''))
                m = BAD.search(text)
                if m:
                    found.append(f'{nb.name} cell {i}: ...{text[max(0, m.start() - 60) : m.end() + 60]!r}')
    assert not found, 'saved outputs to clean at their source:\n' + '\n'.join(found)
