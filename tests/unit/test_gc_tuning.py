import gc

import pytest

from collector.gc_tuning import YOUNG_GENERATION_THRESHOLD, settle_after_start


@pytest.fixture
def restored_gc():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settling_freezes_what_lives_and_collects_the_young_generation_less_often(restored_gc):
    before = gc.get_threshold()
    alive = [[] for _ in range(100)]  # containers: the objects gc tracks
    settle_after_start()
    assert gc.get_freeze_count() >= len(alive)
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, before[1], before[2])
    assert before[0] < YOUNG_GENERATION_THRESHOLD
