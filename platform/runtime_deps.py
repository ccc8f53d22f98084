"""Install-time helper for platform/Dockerfile: the image gets the runtime dependencies only,
every one at the version pinned in requirements.lock.

    python runtime_deps.py list PYPROJECT           the [project].dependencies, one a line
    python runtime_deps.py verify REQUIREMENTS_LOCK  fail unless every installed distribution
                                                    is pinned in the lock at its exact version

`pip install -r <list> -c requirements.lock` installs the set; `verify` then proves that nothing
outside the lock (a dependency the lock lacks, which a constraints file would let float) got in.
Standard library only: it runs before anything is installed.
"""

import importlib.metadata
import re
import sys
import tomllib


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(pyproject: str) -> list[str]:
    with open(pyproject, "rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def locked_versions(lock: str) -> dict[str, str]:
    pins = {}
    with open(lock) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                pins[normalise(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    return pins


def strays(lock: str) -> list[str]:
    pins = locked_versions(lock)
    found = []
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        # The venv's own installers (Python 3.11's venv also seeds setuptools) and the project.
        if normalise(name) in {"pip", "setuptools", "liveroll"}:
            continue
        if pins.get(normalise(name)) != dist.version:
            found.append(f"{name}=={dist.version}")
    return sorted(found)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"list", "verify"}:
        print(__doc__, file=sys.stderr)
        return 64
    command, path = argv
    if command == "list":
        print("\n".join(runtime_requirements(path)))
        return 0
    found = strays(path)
    if found:
        print(f"installed but not pinned at that version in {path}: {found}", file=sys.stderr)
        return 1
    print(f"every installed distribution is pinned in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
