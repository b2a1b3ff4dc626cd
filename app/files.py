"""Files the program hands to people: readable by the other users of a shared PC.

The writers build a file under a temporary name (tempfile.mkstemp, which makes it readable by
its owner only, mode 0600) and rename it into place when complete, so the finished PDF or
workbook would keep 0600 and the supervisor could not open the clerk's export. `share` gives
a finished file the mode an ordinary new file gets (0666 less the umask, usually 0644).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_umask: int | None = None


def umask() -> int:
    """The process's umask (read once: os.umask can only be read by setting it)."""
    global _umask
    if _umask is None:
        _umask = os.umask(0o022)
        os.umask(_umask)
    return _umask


def share(path: str | os.PathLike | None) -> None:
    """Make a finished export readable as a normally created file is; a missing file (a
    cancelled export) or a file system without modes (FAT, a network share) is left alone."""
    if path is None:
        return
    p = Path(path)
    with contextlib.suppress(OSError):
        if p.is_file():
            os.chmod(p, 0o666 & ~umask())
