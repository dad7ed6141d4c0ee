"""Channel selectors: one small grammar for naming sets of subchannels.

Operators, LLM replies, eval targets and ``steer-ros optimize`` all address
channels the same way. Channels are 1-based. A selector is one or more atoms
joined by commas (their union):

========================  ===================================================
``3``                     channel 3
``1-3``                   channels 1, 2, 3 (closed range)
``all``                   every channel
``even`` / ``odd``        channels 2, 4, ... / 1, 3, ...
``weakest:3``             the 3 channels with the smallest |h_i|^2/sigma_i^2
``strongest:2``           the 2 with the largest
``weakest:10%``           the weakest round(10% of N) channels, at least 1
``not:weakest:10%``       every channel not in ``weakest:10%`` (any ranked atom)
========================  ===================================================

Ranked atoms use the observed strength |h_i|^2/sigma_i^2; ties go to the lower
index. ``not:X`` is the complement of the ranked atom X on the same channels, so X and
``not:X`` always partition them exactly (``strongest:N-k`` does not where strengths tie
or a percentage rounds half up on both sides, and System 1 tracks ``not:X`` with X's
own members, hysteresis included). A percentage rounds half up (``round`` in Python rounds half to even, which
would make 2.5 channels 2). Errors are :class:`SelectorError`, a ``ValueError``
whose text names the selector and what is wrong with it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["Selector", "SelectorError", "channel_ranges", "parse_selector", "resolve_selector"]

_RANKED = re.compile(r"^(weakest|strongest):(\d+(?:\.\d+)?)(%?)$")
_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
_INDEX = re.compile(r"^\d+$")


class SelectorError(ValueError):
    """A selector that cannot be parsed, or that names channels outside 1..N."""


@dataclass(frozen=True)
class _Atom:
    kind: str  # "index", "range", "all", "even", "odd", "weakest", "strongest"
    lo: int = 0  # index / range start (1-based); ranked: count
    hi: int = 0  # range end (1-based)
    percent: float | None = None  # ranked: a percentage of N instead of a count
    negate: bool = False  # ranked: every channel not in the ranked set ("not:weakest:2")

    @property
    def rank_key(self) -> tuple:
        """The ranked set this atom is or complements (kind, count, percent)."""
        return (self.kind, self.lo, self.percent)


@dataclass(frozen=True)
class Selector:
    """A parsed selector; :meth:`resolve` turns it into channel indices for one N."""

    text: str
    atoms: tuple[_Atom, ...]

    @property
    def ranked(self) -> bool:
        """Whether the selection depends on the channel strengths (weakest/strongest)."""
        return any(a.kind in ("weakest", "strongest") for a in self.atoms)

    def resolve(self, n: int, strength=None) -> np.ndarray:
        """Sorted 0-based indices of the selected channels among ``n``.

        ``strength``: |h_i|^2/sigma_i^2 per channel, needed by ranked atoms.
        """
        if n < 1:
            raise SelectorError(f"selector {self.text!r}: there are no channels (N = {n})")
        chosen = np.zeros(n, dtype=bool)
        for atom in self.atoms:
            chosen[self._atom_indices(atom, n, strength)] = True
        return np.flatnonzero(chosen)

    def mask(self, n: int, strength=None) -> np.ndarray:
        """Boolean mask over ``n`` channels."""
        out = np.zeros(n, dtype=bool)
        out[self.resolve(n, strength)] = True
        return out

    def _atom_indices(self, atom: _Atom, n: int, strength) -> np.ndarray:
        if atom.kind == "all":
            return np.arange(n)
        if atom.kind == "even":
            return np.arange(1, n, 2)
        if atom.kind == "odd":
            return np.arange(0, n, 2)
        if atom.kind in ("index", "range"):
            hi = atom.hi if atom.kind == "range" else atom.lo
            if hi > n:
                what = f"channel {hi}" if atom.kind == "index" else f"range {atom.lo}-{atom.hi}"
                raise SelectorError(f"selector {self.text!r}: {what} is outside 1..{n}")
            return np.arange(atom.lo - 1, hi)
        # ranked
        if strength is None:
            raise SelectorError(f"selector {self.text!r}: ranking by strength needs the channel gains")
        strength = np.asarray(strength, dtype=float)
        if strength.shape != (n,):
            raise SelectorError(f"selector {self.text!r}: {strength.size} strengths for {n} channels")
        if atom.percent is not None:
            # percent * n / 100, not percent / 100 * n: 29 / 100 * 50 is 14.499999999999998
            # in floating point and would round down; 29 * 50 / 100 is exactly 14.5.
            count = max(1, int(math.floor(atom.percent * n / 100.0 + 0.5)))
        else:
            count = atom.lo
        if count > n:
            raise SelectorError(f"selector {self.text!r}: {atom.kind}:{count} asks for more than the {n} channels")
        key = np.nan_to_num(strength, nan=-np.inf if atom.kind == "strongest" else np.inf)
        # Stable sort on the index order breaks ties toward the lower index.
        order = np.argsort(key if atom.kind == "weakest" else -key, kind="stable")
        if atom.negate:
            return np.sort(order[count:])
        return order[:count]


def parse_selector(text) -> Selector:
    """Parse a selector (a string, or a bare integer channel number)."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise SelectorError(f"selector {text!r}: must be a string such as '1-3' or 'weakest:2'")
    raw = str(text)
    parts = [p.strip().lower() for p in raw.split(",")]
    if not raw.strip() or any(not p for p in parts):
        raise SelectorError(f"selector {raw!r}: empty (write e.g. '3', '1-3', 'all' or 'weakest:2')")
    atoms = tuple(_parse_atom(raw, p) for p in parts)
    return Selector(text=raw, atoms=atoms)


def resolve_selector(text, n: int, strength=None) -> np.ndarray:
    """Sorted 0-based indices that ``text`` selects among ``n`` channels."""
    return parse_selector(text).resolve(n, strength)


def _parse_atom(raw: str, part: str) -> _Atom:
    if part in ("all", "even", "odd"):
        return _Atom(part)
    if _INDEX.match(part):
        index = int(part)
        if index < 1:
            raise SelectorError(f"selector {raw!r}: channel {index} is not a channel (channels count from 1)")
        return _Atom("index", lo=index)
    match = _RANGE.match(part)
    if match:
        lo, hi = int(match.group(1)), int(match.group(2))
        if lo < 1:
            raise SelectorError(f"selector {raw!r}: range {part} starts below channel 1")
        if hi < lo:
            raise SelectorError(f"selector {raw!r}: range {part} ends before it starts")
        return _Atom("range", lo=lo, hi=hi)
    if part.startswith("not:"):
        inner = _parse_atom(raw, part[4:].strip())
        if inner.kind not in ("weakest", "strongest") or inner.negate:
            raise SelectorError(f"selector {raw!r}: not: takes one ranked atom (e.g. not:weakest:2), got {part!r}")
        return _Atom(inner.kind, lo=inner.lo, percent=inner.percent, negate=True)
    match = _RANKED.match(part)
    if match:
        kind, number, percent = match.groups()
        if percent:
            value = float(number)
            if not 0.0 < value <= 100.0:
                raise SelectorError(f"selector {raw!r}: {kind}:{number}% must be a percentage in (0, 100]")
            return _Atom(kind, percent=value)
        if "." in number or int(number) < 1:
            raise SelectorError(f"selector {raw!r}: {kind}:{number} needs a whole count of at least 1")
        return _Atom(kind, lo=int(number))
    raise SelectorError(
        f"selector {raw!r}: cannot read {part!r} (use N, A-B, all, even, odd, weakest:K, strongest:K or K%, "
        "not:weakest:K)")


def channel_ranges(indices) -> str:
    """0-based indices as 1-based ranges: [0, 1, 2, 6] -> "1-3, 7" (a selector's inverse:
    the text reads back as the same channels)."""
    idx = sorted({int(i) + 1 for i in np.asarray(indices, dtype=int).ravel()})
    parts, start = [], None
    for k, value in enumerate(idx):
        if start is None:
            start = value
        if k + 1 == len(idx) or idx[k + 1] != value + 1:
            parts.append(str(start) if start == value else f"{start}-{value}")
            start = None
    return ", ".join(parts)
