"""The engine's memory habits: reused random-number buffers, lazy ids, and the admin view's
refresh when a true array is replaced."""

import numpy as np
import pytest

from reliefsim.model import ReliefModel
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


def test_household_ids_are_stable_and_new_households_get_new_ones():
    model = ReliefModel("baseline", households=2000, months=12, seed=1, story=False)
    hid = model.pop.hid.copy()
    assert (hid >= 0).sum() == 2000 and model.pop.ids[int(np.argmax(hid >= 0))].startswith("h")
    model.run()
    stayed = (model.pop.hid == hid) & (hid >= 0)
    assert stayed.mean() > 0.8                       # most households keep their slot and id
    new = (model.pop.hid >= 0) & (model.pop.hid != hid)
    assert new.any() and model.pop.hid[new].min() >= 2000   # newcomers get fresh ids


def test_linked_department_sees_a_replaced_true_array_after_its_lag():
    """Departments skip fields whose true array is unchanged; a replaced array is copied."""
    model = ReliefModel("baseline", households=2000, months=6, seed=3, story=False,
                        overrides={"departments.housing.lag_months": 1})
    linked = model.monitor.linked["housing"] & model.pop.occupied
    model.step()
    model.step()                                   # floor space unchanged: copies are skipped
    assert np.array_equal(model.admin.floor_space_pc[linked], model.truth.floor_space_pc[linked])
    new_space = model.truth.floor_space_pc + 1.0   # the truth's arrays are replaced, not edited
    model.truth.floor_space_pc = new_space
    model.step()                                   # lag 1: not seen yet
    assert not np.array_equal(model.admin.floor_space_pc[linked], new_space[linked])
    model.step()
    assert np.array_equal(model.admin.floor_space_pc[linked], new_space[linked])
    # unlinked households are seen only by home visits and their own declarations
    unlinked = ~model.monitor.linked["housing"] & model.pop.occupied
    assert (model.admin.floor_space_pc[unlinked] != new_space[unlinked]).mean() > 0.5


def test_static_fields_of_linked_households_match_the_truth_after_skipped_copies():
    """Fields that only births and moves change (edited in place for the households they touch,
    which the departments copy on their own) stay equal to the truth for linked households."""
    model = ReliefModel("baseline", households=3000, months=8, seed=6, story=False)
    model.run()
    f, admin, linked = model.truth, model.admin, model.monitor.linked
    occupied = model.pop.occupied
    for dept, name in (("housing", "floor_space_pc"), ("public_security", "registered")):
        mask = linked[dept] & occupied
        assert np.array_equal(getattr(admin, name)[mask], getattr(f, name)[mask]), (dept, name)
    members = (linked["education"] & occupied)[f.hh] & f.alive
    assert np.array_equal(admin.tertiary_track[members], f.tertiary_track[members])


def test_admin_view_shares_the_read_only_member_index_with_the_truth():
    model = ReliefModel("baseline", households=300, months=1, seed=1, story=False)
    assert model.admin.hh is model.truth.hh and not model.truth.hh.flags.writeable
    with pytest.raises(ValueError):
        model.admin.hh[0] = 1
    model.run()  # a month reads it, never writes it
    assert np.array_equal(model.truth.hh,
                          np.repeat(np.arange(model.pop.n), model.truth.member_counts()))


def test_read_subset_reads_what_subset_copies():
    model = ReliefModel("baseline", households=2000, months=3, seed=2, story=False)
    model.step()
    households = np.flatnonzero(model.pop.hid >= 0)[::7]
    eager, lazy = model.truth.subset(households), model.truth.read_subset(households)
    assert "wage" not in vars(lazy)                      # nothing gathered before it is read
    for name, value in vars(eager).items():
        if not name.startswith("_"):
            assert np.array_equal(getattr(lazy, name), value), name
    assert np.array_equal(lazy.size(), eager.size())
    with pytest.raises(AttributeError):
        lazy.no_such_field  # noqa: B018


def test_reveal_where_equals_reveal_of_the_same_households():
    model = ReliefModel("baseline", households=2000, months=3, seed=2, story=False)
    model.step()
    truth = model.truth
    linked = np.random.default_rng(1).random(model.pop.n) < 0.4
    by_index, by_mask = truth.copy(), truth.copy()
    for facts in (by_index, by_mask):  # something to overwrite
        facts.wage[:] = -1.0
        facts.rent[:] = -1.0
    fields = (("wage", "works"), ("rent", "car"))
    by_index.reveal(truth, np.flatnonzero(linked), *fields)
    by_mask.reveal_where(truth, linked, linked[truth.hh], *fields)
    for name in fields[0] + fields[1]:
        assert np.array_equal(getattr(by_index, name), getattr(by_mask, name)), name
