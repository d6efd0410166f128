"""The bundle's entry point (PyInstaller runs this file as ``__main__``).

``freeze_support`` lets ``caseworker export --workers N`` start its worker processes
from the frozen executable (multiprocessing "spawn" re-runs this executable).
"""

import multiprocessing
import sys

from caseworker.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
