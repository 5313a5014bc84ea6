"""The counter-based generator: uniform and normal draws that pass standard checks."""

import numpy as np
from scipy import stats

from reliefsim.rng import Streams, ziggurat_tables


def test_uniforms_are_uniform_and_independent_across_ids_purposes_and_seeds():
    s = Streams(20260109, 0)
    u = s.uniform("job", 3, 400_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.002 and abs(u.var() - 1 / 12) < 0.001
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    counts = np.bincount((u * 100).astype(int), minlength=100)
    assert stats.chisquare(counts).pvalue > 1e-4
    for other in (s.uniform("health", 3, 400_000), s.uniform("job", 4, 400_000),
                  Streams(20260110, 0).uniform("job", 3, 400_000),
                  Streams(20260109, 1).uniform("job", 3, 400_000)):
        assert abs(np.corrcoef(u, other)[0, 1]) < 0.01
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01     # neighbouring ids


def test_normals_match_the_standard_normal_in_the_body_and_the_tails():
    z = Streams(3, 0).normal("wage", 0, 1_000_000)
    assert abs(z.mean()) < 0.005 and abs(z.std() - 1) < 0.005
    assert abs((z ** 3).mean()) < 0.02 and abs((z ** 4).mean() - 3) < 0.05
    assert stats.kstest(z, "norm").pvalue > 1e-4
    for cut in (2.0, 3.0, 3.442619855899, 4.0):  # the ziggurat's tail starts at R = 3.44
        assert abs((np.abs(z) > cut).mean() / (2 * stats.norm.sf(cut)) - 1) < 0.15


def test_ziggurat_tables_by_hand():
    x, ratio = ziggurat_tables()
    assert x[1] == 3.442619855899 and x[128] == 0.0
    assert np.all(np.diff(x[1:]) < 0)                 # layers narrow towards the top
    # every layer has the area of the base layer: x_i × (f(x_{i+1}) − f(x_i)) = V
    f = np.exp(-0.5 * x ** 2)
    areas = x[1:127] * (f[2:128] - f[1:127])
    assert np.allclose(areas, 9.91256303526217e-3, rtol=1e-6)
    assert np.all((ratio[:127] > 0) & (ratio[:127] < 1)) and ratio[127] == 0  # top: slow path
