"""Build the deployable bundle: the wheel and a requirements file pinning it and every dependency.

The bundle (a zip) is the scheduled scan's CodeBuild source (deploy/cloudformation/
trailwatch-scanner.yaml) and what the realtime Lambda's package is installed from. Its
requirements.txt is deploy/requirements.lock (every runtime dependency, every platform, by
SHA-256) plus the wheel itself by SHA-256, so that

    python -m pip install --require-hashes --only-binary=:all: -r requirements.txt

run in the unpacked bundle installs exactly this build and nothing else: no name is looked up
on a package index without its hash, and a changed file is refused.

    python deploy/bundle.py dist/wheel/trailwatch_cspm-<version>-py3-none-any.whl \
        --output dist/trailwatch-bundle.zip
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

LOCK = Path(__file__).resolve().parent / "requirements.lock"
REQUIREMENTS = "requirements.txt"
DISTRIBUTION = "trailwatch_cspm"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def requirements(wheel: Path, lock: str) -> str:
    """The bundle's requirements.txt: the lock, then the wheel (a path beside it) by its hash."""
    if not wheel.name.startswith(f"{DISTRIBUTION}-") or wheel.suffix != ".whl":
        raise ValueError(f"not a {DISTRIBUTION} wheel: {wheel.name}")
    return (
        f"{lock.rstrip()}\n"
        "# this build of trailwatch (the file beside this one), by its hash\n"
        f"./{wheel.name} \\\n    --hash=sha256:{sha256(wheel)}\n"
    )


def write_bundle(wheel: Path, output: Path, lock: Path = LOCK) -> Path:
    """Write the bundle zip: requirements.txt and the wheel, at its root."""
    text = requirements(wheel, lock.read_text(encoding="utf-8"))
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(REQUIREMENTS, text)
        zf.write(wheel, wheel.name)
    tmp.replace(output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help=f"the {DISTRIBUTION} wheel to ship")
    parser.add_argument("--output", type=Path, default=Path("dist/trailwatch-bundle.zip"))
    args = parser.parse_args(argv)
    try:
        out = write_bundle(args.wheel, args.output)
    except (OSError, ValueError) as exc:
        print(f"bundle: {exc}", file=sys.stderr)
        return 2
    print(f"{out} (sha256 {sha256(out)}; wheel sha256 {sha256(args.wheel)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
