#!/usr/bin/env python3
# ruff: noqa: S603, S606, UP036  (it runs fixed commands of its own; the version check is for older Pythons)
"""Run Huiskamer from a fresh clone with nothing but Python 3.11 or newer.

    python3 dev.py start [options]      install everything, then start on SQLite with demo data
    python3 dev.py test [pytest args]   install everything, then run the whole test suite
    python3 dev.py setup                only install everything (CI uses it to show each step apart)

Each installs uv when it is missing (with pip, else in a small virtualenv in ~/.cache), and the project's
locked dependencies with `uv sync --frozen`. `test` also needs Debian's Chromium for the browser tests, and every
command Pango for the PDF report (WeasyPrint): as root it installs them with apt-get; otherwise it says how.
Standard library only, on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
# Where uv goes when pip cannot install it for the user: outside the repository, kept between runs.
TOOLS_VENV = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huiskamer-dev" / "uv"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*command: str | Path) -> None:
    say(" ".join(str(part) for part in command))
    subprocess.run([str(part) for part in command], check=True, cwd=ROOT)


def _venv_executable(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def find_uv() -> Path | None:
    """uv on PATH, next to this Python, or where an earlier run of this script put it."""
    here = Path(sysconfig.get_path("scripts")) / "uv"
    user = Path(sysconfig.get_path("scripts", f"{os.name}_user")) / "uv"
    for candidate in (shutil.which("uv"), here, user, _venv_executable(TOOLS_VENV, "uv")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def ensure_uv() -> Path:
    if uv := find_uv():
        return uv
    say("uv is not installed: installing it with pip")
    pip_user = subprocess.run([sys.executable, "-m", "pip", "install", "--user", "--quiet", "uv"], cwd=ROOT)
    if pip_user.returncode != 0 or not find_uv():
        # Debian's own Python refuses --user installs (PEP 668): a small virtualenv of our own works there.
        say(f"installing uv in a virtualenv at {TOOLS_VENV}")
        if subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)]).returncode == 0:
            subprocess.run([str(_venv_executable(TOOLS_VENV, "python")), "-m", "pip", "install", "--quiet", "uv"])
    if uv := find_uv():
        return uv
    sys.exit(
        "Could not install uv. Install it yourself (`pipx install uv`, or see https://docs.astral.sh/uv/;\n"
        "on Debian, `apt-get install python3-venv` lets this script do it) and run this command again."
    )


def ensure_chromium() -> None:
    if CHROMIUM.exists():
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium", "fonts-dejavu-core"]):
            say(" ".join(command))
            subprocess.run(command, check=True, env=env)
        return
    sys.exit(
        f"The browser tests need Debian's Chromium at {CHROMIUM}. Install it once with:\n\n"
        "    sudo apt-get update && sudo apt-get install -y chromium fonts-dejavu-core\n\n"
        "and run this command again."
    )


# What WeasyPrint needs from the system to write the PDF report (Debian's package names), and a font.
PDF_PACKAGES = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"]


def pdf_libraries_missing() -> bool:
    from ctypes.util import find_library

    return not all(find_library(name) for name in ("pango-1.0", "pangoft2-1.0", "harfbuzz-subset"))


def ensure_pdf_libraries(*, required: bool) -> None:
    """Pango and friends for the PDF export: installed with apt-get as root; otherwise say how."""
    if not pdf_libraries_missing():
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", *PDF_PACKAGES]):
            say(" ".join(command))
            subprocess.run(command, check=True, env=env)
        return
    advice = (
        "The PDF export needs Pango (WeasyPrint). Install it once with:\n\n"
        f"    sudo apt-get update && sudo apt-get install -y {' '.join(PDF_PACKAGES)}\n"
    )
    if required:
        sys.exit(advice + "\nand run this command again.")
    say(advice + "Starting without it: everything works except the PDF download.")


def replace_process(command: list[str]) -> None:
    say(" ".join(command))
    sys.stdout.flush()
    if os.name == "posix":
        os.chdir(ROOT)
        os.execv(command[0], command)
    sys.exit(subprocess.call(command, cwd=ROOT))


def main(argv: list[str]) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Huiskamer needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not argv or argv[0] not in {"start", "test", "setup"}:
        sys.exit(__doc__)
    action, rest = argv[0], argv[1:]
    uv = str(ensure_uv())
    run(uv, "sync", "--frozen")
    if action == "start":
        ensure_pdf_libraries(required=False)
        replace_process([uv, "run", "--frozen", "huiskamer", "start", *rest])
    ensure_pdf_libraries(required=True)
    ensure_chromium()
    if action == "test":
        # Two workers (the machines here have two cores), a test file per worker at a time.
        parallel = [] if any(arg.startswith(("-n", "--numprocesses")) for arg in rest) else ["-n", "2", "--dist", "loadfile"]
        replace_process([uv, "run", "--frozen", "pytest", *parallel, *rest])


if __name__ == "__main__":
    main(sys.argv[1:])
