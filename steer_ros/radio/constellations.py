"""Square QAM constellations with unit average energy (docs/design.md section 2).

A square M-QAM constellation is the Cartesian product of two identical M^(1/2)-PAM
rails, one on the in-phase and one on the quadrature axis. With E|x|^2 = 1 each
rail carries half of the symbol energy: the rail points are
``±1, ±3, ... ± (m - 1)`` scaled so that ``E[x_re^2] = 1/2``.

Gray mapping is not needed: mutual information does not depend on the labelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Constellation", "get_constellation", "CONSTELLATIONS"]

#: name -> points per rail (m = sqrt(M))
_RAIL_SIZES = {"qpsk": 2, "16qam": 4, "64qam": 8}
CONSTELLATIONS = tuple(_RAIL_SIZES)


@dataclass(frozen=True)
class Constellation:
    """A square QAM constellation.

    Attributes:
        name: "qpsk", "16qam" or "64qam".
        points: complex (M,), unit average energy ``mean |x|^2 = 1``.
        rail: real (m,), m = sqrt(M), the PAM points of one rail, with
            ``mean rail^2 = 1/2`` (so ``points = rail[:, None] + 1j * rail[None, :]``).
    """

    name: str
    points: np.ndarray = field(repr=False)
    rail: np.ndarray = field(repr=False)

    @property
    def size(self) -> int:
        """M, the number of points."""
        return int(self.points.shape[0])

    @property
    def bits(self) -> float:
        """log2 M, the saturation value of the mutual information in bits."""
        return float(np.log2(self.size))

    @property
    def unit_rail(self) -> np.ndarray:
        """The rail scaled to unit energy (``mean unit_rail^2 = 1``), as seen by a real
        AWGN channel ``y = sqrt(snr) u + z``, z ~ N(0, 1), at the same snr."""
        return self.rail * np.sqrt(2.0)


def get_constellation(name: str = "qpsk") -> Constellation:
    """Return the named constellation; ValueError naming ``constellation`` otherwise."""
    key = str(name).lower().replace("-", "")
    if key not in _RAIL_SIZES:
        raise ValueError(
            f"constellation must be one of {', '.join(CONSTELLATIONS)}, got {name!r}"
        )
    m = _RAIL_SIZES[key]
    levels = np.arange(-(m - 1), m, 2, dtype=float)  # -(m-1) .. (m-1), step 2
    rail = levels / np.sqrt(2.0 * np.mean(levels**2))
    points = (rail[:, None] + 1j * rail[None, :]).ravel()
    rail.setflags(write=False)
    points.setflags(write=False)
    return Constellation(name=key, points=points, rail=rail)
