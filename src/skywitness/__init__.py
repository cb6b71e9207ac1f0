"""skywitness: what happened in the sky, from aircraft surveillance records.

Import is cheap: submodules (readers, store, analysis) load on first use.
"""

from skywitness.errors import SkywitnessError

__version__ = "0.1.0"
__all__ = ["SkywitnessError", "__version__"]
