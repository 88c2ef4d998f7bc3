"""
Writing a set of files all or nothing: everything goes to a temporary
folder beside the destination and is moved into place only when all of it
has been written.

:copyright: Copyright the Ranvier developers.
"""

import os
import re
import shutil
import tempfile


class Staging:
    """with Staging(dest_dir) as stage: write to stage.path(name) ..."""

    def __init__(self, dest_dir):
        self.dest = os.path.abspath(dest_dir)
        self.tmp = None
        self.names = []

    def __enter__(self):
        os.makedirs(self.dest, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix=".ranvier-", dir=self.dest)
        return self

    def path(self, name):
        self.names.append(name)
        full = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return full

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                for name in self.names:
                    target = os.path.join(self.dest, name)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    os.replace(os.path.join(self.tmp, name), target)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def safe_name(label):
    """A name usable as an HDF5 group, a NeuroML id and a file name."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", str(label))
    if not name or not (name[0].isalpha() or name[0] == "_"):
        name = "p_" + name
    return name


def unique_names(labels):
    """safe_name of each label, made unique."""
    out, seen = [], set()
    for label in labels:
        base = name = safe_name(label)
        k = 1
        while name in seen:
            name = "%s_%d" % (base, k)
            k += 1
        seen.add(name)
        out.append(name)
    return out
