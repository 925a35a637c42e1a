import numpy as np
import pytest
import scipy.sparse as sp

from recommender.closeness import closeness_to, unit_rows


def test_closeness_is_the_cosine_with_the_named_rows_mean_profile() -> None:
    """Two rows of X with different tags: a row carrying both tags is closest, one carrying one of them is
    between (cos 45°), one sharing none is 0; the scale of a row's weights does not count."""
    tags = sp.csr_matrix(np.array([[1, 0, 0], [0, 2, 0], [3, 3, 0], [0, 0.5, 0], [0, 0, 1], [0, 0, 0]], np.float32))
    close = closeness_to(unit_rows(tags), np.array([0, 1]))
    assert close[2] == pytest.approx(1.0, abs=1e-5)
    assert close[0] == pytest.approx(np.sqrt(0.5), abs=1e-5)
    assert close[3] == pytest.approx(close[0], abs=1e-5)
    assert close[4] == close[5] == 0
    assert not closeness_to(unit_rows(tags), np.array([], dtype=int)).any()
