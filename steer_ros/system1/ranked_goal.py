"""Ranked goals tracked by System 1: a goal stated by selector ("weakest:10%" off,
floors on "all") is re-resolved at every channel update, so floors, caps and the off
set always refer to the channels as they are now (docs/design.md section 8.11).

:class:`GoalSelectors` is the goal as stated: the off selectors, and (selector, bits)
entries of floors and caps. Resolution combines them as a reply does: the larger
floor and the smaller cap where selectors overlap; off wins over a floor (the goal
check, :func:`steer_ros.system1.goal.check_goal`, drops the floors on off channels
with a note).

Where ranks cross, a stated rule (:class:`RankedGoalTracker`): a channel in a ranked
set keeps its place until an outsider passes it by more than ``hysteresis_db``. For
``weakest:k`` the members' strengths c_i = |h_i|^2 / sigma_i^2 are scaled by
10^(-h/10) before the k smallest are taken (members look h dB weaker than they are),
for ``strongest:k`` by 10^(+h/10); the set always has exactly k channels (k from the
count, or round-half-up of the percentage of N). With h = 0 the set is the exact
ranking of the current channels. The first resolution is the selectors' own
(:meth:`~steer_ros.channels.selectors.Selector.resolve`: ties to the lower index), so
System 1 starts from the set the navigator resolved on the same channels.

Pure numpy; one O(N) ``argpartition`` per ranked atom per update.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from steer_ros import defaults
from steer_ros.channels.selectors import SelectorError, parse_selector

__all__ = ["GoalSelectors", "RankedGoalTracker"]


@dataclass(frozen=True)
class GoalSelectors:
    """A goal's channel sets as stated: ``off`` selectors; ``floors`` / ``caps``
    (selector, bits) entries in the order given."""

    off: tuple[str, ...] = ()
    floors: tuple[tuple[str, float], ...] = ()
    caps: tuple[tuple[str, float], ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return self.off + tuple(s for s, _ in self.floors) + tuple(s for s, _ in self.caps)

    @property
    def ranked(self) -> bool:
        """Whether any selector depends on the channel strengths."""
        return any(parse_selector(text).ranked for text in self.texts)

    def resolve(self, n: int, strength, sets=None) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """(floors, caps, off) arrays for n channels (None where the goal has none);
        ``sets``: {selector text: 0-based indices} already resolved (the tracker's)."""
        def indices(text: str) -> np.ndarray:
            if sets is not None and text in sets:
                return sets[text]
            return parse_selector(text).resolve(n, strength)

        off = None
        if self.off:
            off = np.zeros(n, dtype=bool)
            for text in self.off:
                off[indices(text)] = True
        floors = None
        if self.floors:
            floors = np.zeros(n)
            for text, bits in self.floors:
                idx = indices(text)
                floors[idx] = np.maximum(floors[idx], bits)
            # Floors on off channels stay as stated: the goal check drops them (off wins)
            # and says so, as for a goal of per-channel arrays.
        caps = None
        if self.caps:
            caps = np.full(n, math.inf)
            for text, bits in self.caps:
                idx = indices(text)
                caps[idx] = np.minimum(caps[idx], bits)
        return floors, caps, off

    def resolve_goal(self, goal, n: int, strength, sets=None):
        """``goal`` (a :class:`~steer_ros.system1.goal.Goal`) with its floors, caps and
        off set resolved from these selectors on ``strength``."""
        floors, caps, off = self.resolve(n, strength, sets)
        return replace(goal, mi_floor=floors, mi_cap=caps, off=off)


class RankedGoalTracker:
    """Re-resolves a goal's ranked selectors at each channel update (module docstring).

    Args:
        goal: a Goal with ``selectors`` (a :class:`GoalSelectors`).
        n: channels.
        strength: (n,) c_i of the channels the goal is first resolved on.
        hysteresis_db: the margin an outsider must pass a member by (dB, >= 0).
    """

    def __init__(self, goal, n: int, strength, hysteresis_db: float = defaults.RANKED_HYSTERESIS_DB):
        if not (hysteresis_db >= 0 and math.isfinite(hysteresis_db)):
            raise ValueError(f"hysteresis_db must be a finite number >= 0, got {hysteresis_db!r}")
        self.goal = goal
        self.selectors: GoalSelectors = goal.selectors
        self.n = int(n)
        self.factor = 10.0 ** (float(hysteresis_db) / 10.0)
        self.changes = 0  # updates that changed a ranked set
        # Every ranked set, resolved once by the selectors' own rule and shared by the atoms
        # that name it: "weakest:10%" and its complement "not:weakest:10%" read one member
        # mask, so they partition the channels at every update, hysteresis included.
        self._ranked: dict[tuple, list] = {}  # rank key -> [kind, count, member mask]
        self._atoms: dict[str, list] = {}  # selector text -> [(rank key | None, negate, fixed mask | None)]
        strength = np.asarray(strength, dtype=float)
        for text in dict.fromkeys(self.selectors.texts):
            sel = parse_selector(text)
            if not sel.ranked:
                continue
            atoms = []
            for atom in sel.atoms:
                if atom.kind in ("weakest", "strongest"):
                    key = atom.rank_key
                    if key not in self._ranked:
                        plain = replace(atom, negate=False)
                        idx = type(sel)(text=text, atoms=(plain,)).resolve(self.n, strength)
                        mask = np.zeros(self.n, dtype=bool)
                        mask[idx] = True
                        self._ranked[key] = [atom.kind, int(idx.size), mask]
                    atoms.append((key, atom.negate, None))
                else:
                    atoms.append((None, False, type(sel)(text=text, atoms=(atom,)).mask(self.n)))
            self._atoms[text] = atoms
        self.current = self._resolve(strength)

    def _sets(self) -> dict[str, np.ndarray]:
        out = {}
        for text, atoms in self._atoms.items():
            mask = np.zeros(self.n, dtype=bool)
            for key, negate, fixed in atoms:
                if key is None:
                    mask |= fixed
                else:
                    member = self._ranked[key][2]
                    mask |= ~member if negate else member
            out[text] = np.flatnonzero(mask)
        return out

    def _resolve(self, strength):
        return self.selectors.resolve_goal(self.goal, self.n, strength, self._sets())

    def update(self, strength):
        """The goal on these channels if a ranked set changed, else None."""
        c = np.nan_to_num(np.asarray(strength, dtype=float), nan=0.0)
        if c.shape != (self.n,):
            raise SelectorError(f"ranked goal: {c.size} strengths for {self.n} channels")
        changed = False
        for entry in self._ranked.values():
            kind, count, member = entry
            if kind == "weakest":
                score = np.where(member, c / self.factor, c)
                idx = np.argpartition(score, count - 1)[:count] if count < self.n else np.arange(self.n)
            else:
                score = np.where(member, c * self.factor, c)
                idx = np.argpartition(-score, count - 1)[:count] if count < self.n else np.arange(self.n)
            new = np.zeros(self.n, dtype=bool)
            new[idx] = True
            if not np.array_equal(new, member):
                entry[2] = new
                changed = True
        if not changed:
            return None
        self.changes += 1
        self.current = self._resolve(c)
        return self.current
