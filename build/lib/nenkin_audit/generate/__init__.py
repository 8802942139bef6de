"""The synthetic city: `generate_city` writes every extract of the raw interface and the ground
truth beside it (see city.py)."""

from .city import generate_city, truth_dir

__all__ = ["generate_city", "truth_dir"]
