"""Executes one notebook headlessly with nbclient and writes the executed copy.

Usage: /usr/bin/python3 execute.py <notebook.ipynb> <out.ipynb> <kernel name> <timeout seconds>
Prints one JSON line: {"ok": bool, "error": str | null}. The executed copy is written even when
a cell fails, so the caller can show that cell's output (tslab reports errors on stderr).
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def main() -> int:
    src, out, kernel, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    nb = nbformat.read(src, as_version=4)
    # the kernel starts in the notebook's own folder, as it does under Jupyter
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        error = f"{type(e).__name__}: {e}"
    finally:
        nbformat.write(nb, out)
    print(json.dumps({"ok": error is None, "error": error}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
