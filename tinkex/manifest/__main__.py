"""Command line: ``python -m tinkex.manifest generate`` / ``python -m tinkex.manifest --check``.

``generate [--manifest P] [--out DIR]`` writes the generated modules; ``--check`` (alone or
after ``generate``'s options) writes nothing and exits 1 listing every drifted file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tinkex.errors import ManifestError
from tinkex.manifest.generator import check, default_output_root, generate, write
from tinkex.manifest.hooks import HookError
from tinkex.manifest.loader import default_manifest_path, load_manifest

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status.

    Args:
        argv: Arguments without the program name (defaults to ``sys.argv[1:]``).

    Returns:
        0 on success, 1 on drift, 2 on an invalid manifest or a hook mismatch.
    """
    parser = argparse.ArgumentParser(prog="python -m tinkex.manifest")
    parser.add_argument("command", nargs="?", choices=["generate"], default=None)
    parser.add_argument("--manifest", type=Path, default=default_manifest_path())
    parser.add_argument("--out", type=Path, default=default_output_root())
    parser.add_argument("--package", default="tinkex", help="package to generate into")
    parser.add_argument("--check", action="store_true", help="only report drift")
    args = parser.parse_args(argv)
    if args.command is None and not args.check:
        parser.error("give 'generate' or '--check'")
    try:
        manifest = load_manifest(args.manifest)
    except ManifestError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    try:
        # Hooks are read from the tree being written when it is a whole package (a copy).
        in_tree = (args.out / args.package.replace(".", "/") / "manifest" / "tinker.yaml").is_file()
        files = generate(manifest, package=args.package, hooks_root=args.out if in_tree else None)
    except HookError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if args.check:
        drifted = check(files, args.out, package=args.package)
        for relative in drifted:
            sys.stderr.write(f"drifted: {relative}\n")
        if drifted:
            sys.stderr.write("run: python -m tinkex.manifest generate\n")
        return 1 if drifted else 0
    for path in write(files, args.out):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
