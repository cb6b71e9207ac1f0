"""``python -m skywitness``: the same command line as ``skywitness``."""

from skywitness.cli import run

if __name__ == "__main__":
    run()
