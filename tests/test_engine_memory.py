"""The engine's memory habits: reused random-number buffers, lazy ids, and the admin view's
refresh when a true array is replaced."""

import numpy as np
import pytest

from reliefsim.model import ReliefModel
from reliefsim.population import SerialIds
from reliefsim.rng import Streams


def test_scratch_draws_equal_fresh_draws_and_reuse_one_buffer():
    s = Streams(3, replication=1)
    fresh_u = s.uniform("death", 5, 1000)
    fresh_z = s.normal("hospital", 5, 1000)
    u = s.uniform("death", 5, 1000, scratch=True)
    assert np.array_equal(u, fresh_u)
    u_copy = u.copy()
    z = s.normal("hospital", 5, 1000, scratch=True)
    assert np.array_equal(z, fresh_z)
    assert np.shares_memory(u, z)            # the same buffer: the uniforms are gone
    assert not np.array_equal(u, u_copy)
    short = s.uniform("disaster-hit", 5, 300, scratch=True)
    assert np.array_equal(short, s.uniform("disaster-hit", 5, 300))
    assert len(short) == 300 and np.shares_memory(short, z)


def test_serial_ids_behave_like_a_list_of_strings():
    ids = SerialIds(4)
    assert len(ids) == 4 and list(ids) == ["h0", "h1", "h2", "h3"]
    assert ids[np.int64(2)] == "h2" and ids[-1] == "h3" and ids[1:3] == ["h1", "h2"]
    assert "h3" in ids and "h4" not in ids
    with pytest.raises(IndexError):
        ids[4]
    model = ReliefModel("baseline", households=300, months=1, seed=1, story=False)
    assert len(model.pop.ids) == 300 and model.pop.ids[299] == "h299"


def test_linked_department_sees_a_replaced_true_array_after_its_lag():
    """Departments skip fields whose true array is unchanged; a replaced array is copied."""
    model = ReliefModel("baseline", households=2000, months=6, seed=3, story=False,
                        overrides={"departments.housing.lag_months": 1})
    linked = model.monitor.linked["housing"]
    model.step()
    model.step()                                   # rent unchanged: copies are skipped
    assert np.array_equal(model.admin.rent[linked], model.truth.rent[linked])
    new_rent = model.truth.rent + 123.0            # the truth's arrays are replaced, never edited
    model.truth.rent = new_rent
    model.step()                                   # lag 1: not seen yet
    assert not np.array_equal(model.admin.rent[linked], new_rent[linked])
    model.step()
    assert np.array_equal(model.admin.rent[linked], new_rent[linked])
    # unlinked households are seen only by home visits and their own declarations
    assert (model.admin.rent[~linked] != new_rent[~linked]).mean() > 0.5


def test_static_fields_of_linked_households_match_the_truth_after_skipped_copies():
    model = ReliefModel("baseline", households=3000, months=8, seed=6, story=False)
    model.run()
    f, admin, linked = model.truth, model.admin, model.monitor.linked
    for dept, fields in (("housing", ("homes_owned", "floor_space_pc", "rent")),
                         ("finance", ("financial_assets",)), ("public_security", ("car",))):
        for name in fields:
            assert np.array_equal(getattr(admin, name)[linked[dept]],
                                  getattr(f, name)[linked[dept]]), (dept, name)
    members = linked["education"][f.hh]
    assert np.array_equal(admin.tertiary_track[members], f.tertiary_track[members])


def test_admin_view_shares_the_read_only_member_index_with_the_truth():
    model = ReliefModel("baseline", households=300, months=1, seed=1, story=False)
    assert model.admin.hh is model.truth.hh and not model.truth.hh.flags.writeable
    with pytest.raises(ValueError):
        model.admin.hh[0] = 1
    model.run()  # a month reads it, never writes it
    assert np.array_equal(model.truth.hh, np.repeat(np.arange(300), model.truth.member_counts()))
