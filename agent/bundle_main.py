"""The start of the agent's one-file bundle (`agent bundle`): its ``__main__``.

The bundle is a zipapp: the agent's code, the wire package, and psutil's wheels for x86_64
and aarch64 (manylinux, abi3: one wheel for every CPython from 3.6). Python imports the
pure-Python code from the archive itself; psutil's compiled part cannot be loaded from a
zip, so the wheel for this machine is unpacked once into a cache (checked against the
SHA-256 the bundle records) and put on the path. Run with the system's python3:

    sudo python3 pantau-agent.pyz install --collector ... --token-file ...

Stdlib only, and no syntax or library newer than the oldest Python the agent supports.
"""

import os
import sys

# Only what every start needs is imported here: the modules that unpack the wheel are
# imported the one time they are needed (each costs the agent's memory for good).
MANIFEST = None
"""The agent's and psutil's versions and psutil's wheels with their SHA-256: written here by
`agent bundle`."""
MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def cache_root():
    """Where the wheel is unpacked: the service's cache directory (systemd's CacheDirectory=),
    else the user's cache."""
    if os.environ.get("CACHE_DIRECTORY"):
        return os.environ["CACHE_DIRECTORY"].split(":")[0]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pantau-agent")


def unpack(archive, wheel):
    """The directory psutil's wheel for this machine is unpacked in (unpacked now if it was
    not before)."""
    target = os.path.join(cache_root(), "psutil-" + wheel["sha256"][:16])
    if os.path.isfile(os.path.join(target, ".complete")):
        return target
    import hashlib
    import shutil
    import tempfile
    import zipfile

    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".unpacking-", dir=os.path.dirname(target))
    try:
        with zipfile.ZipFile(archive) as bundle:
            data = bundle.read("wheels/" + wheel["file"])
        if hashlib.sha256(data).hexdigest() != wheel["sha256"]:
            raise SystemExit("pantau-agent: the bundle is damaged (psutil's wheel does not "
                             "match its checksum)")
        path = os.path.join(work, wheel["file"])
        with open(path, "wb") as file:
            file.write(data)
        with zipfile.ZipFile(path) as unpacked:
            unpacked.extractall(work)
        os.unlink(path)
        open(os.path.join(work, ".complete"), "w").close()
        try:
            os.rename(work, target)
        except OSError:
            if not os.path.isfile(os.path.join(target, ".complete")):
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def main():
    archive = os.path.dirname(os.path.abspath(__file__))
    wheels = MANIFEST["wheels"]
    machine = os.uname().machine
    wheel = wheels.get(MACHINES.get(machine.lower(), ""))
    if wheel is None:
        raise SystemExit("pantau-agent: this bundle holds psutil for {}, not for {}".format(
            " and ".join(sorted(wheels)), machine))
    sys.path.insert(0, unpack(archive, wheel))
    from agent.cli import main as agent_main

    sys.exit(agent_main())


if __name__ == "__main__":
    main()
