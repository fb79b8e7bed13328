"""The package builds into a wheel that imports and declares its console script."""

import subprocess, sys, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_builds_and_imports(tmp_path):
    subprocess.run(
        [sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir', str(tmp_path / 'dist'), str(ROOT)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    wheels = list((tmp_path / 'dist').glob('megapixel_sundae-*.whl'))
    assert len(wheels) == 1
    z = zipfile.ZipFile(wheels[0])
    names = z.namelist()
    for mod in ('core', 'data', 'cli'):
        assert f'megapixel_sundae/{mod}.py' in names
    ep = next(n for n in names if n.endswith('entry_points.txt'))
    assert 'megapixel-sundae = megapixel_sundae.cli:main' in z.read(ep).decode()
    meta = z.read(next(n for n in names if n.endswith('METADATA'))).decode()
    assert 'Requires-Dist: torch' in meta and 'fastcore' not in meta.split('Provides-Extra: dev')[0]
    z.extractall(tmp_path / 'site')
    # import the wheel's copy, not the checkout's
    r = subprocess.run(
        [
            sys.executable,
            '-c',
            'import megapixel_sundae, megapixel_sundae.core, megapixel_sundae.data, '
            'megapixel_sundae.cli; print(megapixel_sundae.__file__)',
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={'PYTHONPATH': str(tmp_path / 'site'), 'PATH': ''},
    )
    assert r.returncode == 0, r.stderr
    assert str(tmp_path / 'site') in r.stdout


def test_console_script_help():
    exe = Path(sys.executable).parent / 'megapixel-sundae'
    r = subprocess.run([str(exe), '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and 'demo' in r.stdout
