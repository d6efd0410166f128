"""Build Caseworker's one-folder bundle for this platform: ``python packaging/build.py``.

Run it with the project's virtualenv (which has the app and PyInstaller installed:
``pip install -e '.[test]'``). It

1. runs PyInstaller on ``packaging/caseworker.spec`` into ``dist/caseworker/``
   (work files in ``build/pyinstaller/``; both folders are git-ignored);
2. writes ``dist/caseworker/version.json``: version, build date (UTC), git commit
   (with ``-dirty`` if the tree had uncommitted changes), platform and Python;
3. checks no library link in the bundle points at nothing;
4. writes ``dist/caseworker/MANIFEST.sha256``: the SHA-256 of every other file of the
   bundle, in ``sha256sum`` format (check an installed copy with
   ``sha256sum -c MANIFEST.sha256`` inside the folder, or ``packaging/build.py --verify``);
5. runs the bundled ``caseworker --self-test`` (skip with ``--no-self-test``);
6. prints the bundle's size.

Exit status: 0 built (and self-tested), 1 a step failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "caseworker.spec"
NAME = "caseworker"
MANIFEST = "MANIFEST.sha256"
VERSION_FILE = "version.json"


def git(*args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def app_version() -> str:
    """The version of the caseworker package installed in this interpreter."""
    from importlib.metadata import version

    return version("caseworker")


def version_info() -> dict[str, str]:
    commit = git("rev-parse", "HEAD") or "unknown"
    if commit != "unknown" and git("status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    return {
        "version": app_version(),
        "build_date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit,
        "platform": f"{sys.platform}-{platform.machine()}",
        "python": platform.python_version(),
    }


def executable(bundle: Path, cli: bool = True) -> Path:
    """The program to run for --self-test: on Windows the console one."""
    if sys.platform == "win32":
        return bundle / (f"{NAME}-cli.exe" if cli else f"{NAME}.exe")
    return bundle / NAME


def bundle_files(bundle: Path) -> list[Path]:
    """Every file of the bundle (links to files count as files), manifest excluded."""
    return sorted(
        p for p in bundle.rglob("*") if p.is_file() and p.relative_to(bundle).as_posix() != MANIFEST
    )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(bundle: Path) -> int:
    lines = [f"{sha256(p)}  {p.relative_to(bundle).as_posix()}" for p in bundle_files(bundle)]
    (bundle / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def verify_manifest(bundle: Path) -> list[str]:
    """Problems between the bundle and its manifest (empty: every file is as built)."""
    manifest = bundle / MANIFEST
    if not manifest.exists():
        return [f"{manifest} is missing"]
    listed: dict[str, str] = {}
    for line in manifest.read_text("utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    present = {p.relative_to(bundle).as_posix(): p for p in bundle_files(bundle)}
    problems = [f"missing: {name}" for name in sorted(listed.keys() - present.keys())]
    problems += [f"not in the manifest: {name}" for name in sorted(present.keys() - listed)]
    problems += [
        f"changed: {name}"
        for name in sorted(listed.keys() & present.keys())
        if sha256(present[name]) != listed[name]
    ]
    return problems


def broken_links(bundle: Path) -> list[Path]:
    return sorted(p for p in bundle.rglob("*") if p.is_symlink() and not p.exists())


def size_bytes(bundle: Path) -> int:
    return sum(p.lstat().st_size for p in bundle.rglob("*") if p.is_file() or p.is_symlink())


def self_test(bundle: Path) -> tuple[bool, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [str(executable(bundle)), "--self-test"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    lines = (result.stdout + result.stderr).strip().splitlines()
    summary = next((line for line in lines if "self-test" in line), "\n".join(lines[-5:]))
    return result.returncode == 0, summary


def build(dist: Path, work: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        cwd=ROOT,
        check=True,
    )
    return dist / NAME


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Caseworker bundle for this platform.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="default: dist/")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's work"
    )
    parser.add_argument(
        "--no-self-test", action="store_true", help="do not run the bundle's --self-test"
    )
    parser.add_argument(
        "--verify",
        type=Path,
        metavar="BUNDLE",
        help="only check an existing bundle folder against its MANIFEST.sha256",
    )
    parser.add_argument(
        "--rewrite-manifest",
        type=Path,
        metavar="BUNDLE",
        help="only write BUNDLE's MANIFEST.sha256 again (after signing its programs)",
    )
    args = parser.parse_args(argv)
    if args.rewrite_manifest is not None:
        count = write_manifest(args.rewrite_manifest)
        print(f"manifest: {count} files in {args.rewrite_manifest / MANIFEST}")
        return 0
    if args.verify is not None:
        problems = verify_manifest(args.verify)
        for problem in problems:
            print(problem)
        print(f"{args.verify}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
        return 1 if problems else 0

    started = time.perf_counter()
    info = version_info()
    print(f"building caseworker {info['version']} ({info['commit']}) for {info['platform']}")
    try:
        bundle = build(args.dist, args.work)
    except subprocess.CalledProcessError as exc:
        print(f"PyInstaller failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    links = broken_links(bundle)
    if links:
        for link in links:
            print(f"broken link: {link.relative_to(bundle)}", file=sys.stderr)
        return 1
    (bundle / VERSION_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    count = write_manifest(bundle)
    print(f"manifest: {count} files in {bundle / MANIFEST}")
    if not args.no_self_test:
        passed, summary = self_test(bundle)
        print(summary)
        if not passed:
            print("the bundle's self-test FAILED", file=sys.stderr)
            return 1
    size = size_bytes(bundle)
    print(f"bundle: {bundle} ({size / 1_000_000:.1f} MB, {count} files)")
    print(f"built in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
