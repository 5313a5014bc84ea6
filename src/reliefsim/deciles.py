"""Weighted income deciles of households (for the transfers-by-decile indicators).

Households are taken in stable order of their value (ties by household index); the weight
before each one, ``below``, is the running sum (``np.cumsum``) less its own weight; its decile is
``floor(10 · below / total)``, at most 9.

The running sum in floating point depends on the order of the weights added, so the deciles can
only be reproduced bit for bit from the full stable order: a partial sort (``np.partition``)
would give the same deciles only where no household's share of weight falls within rounding of
a whole tenth, and with a synthetic town's two weight levels (one a whole multiple of the other)
such exact hits happen in about half of all months. The sort itself is a radix sort
(:func:`reliefsim.kernels.radix_argsort`).
"""

from __future__ import annotations

import numpy as np

from reliefsim.kernels import radix_argsort, tenths_in_order

TENTHS = 10
BOTTOM_TENTHS = 2  # the poorest 20 %, of the Coady-Grosh-Hoddinott indicator
SMALL = 4096  # below this many values NumPy's own stable sort is as quick


def deciles(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted decile (0 = poorest tenth … 9) of each household by ``values``.

    Args:
        values: one value per household (e.g. pre-transfer income per capita).
        weights: one weight per household (0 for a household that no longer counts), summed
            as float64.

    Returns:
        int8 deciles.
    """
    if len(weights) != len(values):
        raise ValueError(f"deciles: {len(values)} values but {len(weights)} weights")
    order = stable_argsort(values)
    weights = np.ascontiguousarray(weights, dtype=np.float64)  # summed in float64
    # floor(10 · below / total) by a division, exactly as ``//`` would round it: the two can
    # differ only where the quotient rounds to a whole number, so those few take ``//``
    decile, edge, below, total = tenths_in_order(order, weights, TENTHS)
    decile[edge] = np.minimum(below // total, TENTHS - 1)
    return decile


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` of the values as float64, by a compiled radix sort.

    Small arrays go to NumPy's own stable sort, as quick there.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    if len(values) < SMALL:
        return np.argsort(values, kind="stable")
    return radix_argsort(values)
