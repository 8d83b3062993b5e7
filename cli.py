"""Run the emsg command line from a checkout: ``python cli.py --help``.

Installed, the same application is the ``emsg`` console script (``messaging.cli:main``);
it lives inside the package so that no top-level module named ``cli`` is installed.
"""

from messaging.cli import main

if __name__ == "__main__":
    main()
