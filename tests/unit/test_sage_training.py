"""GraphSAGE training details on tensors alone."""

from __future__ import annotations

import torch

from recommender.train_sage import _unseen


def test_training_softmax_leaves_out_what_message_passing_saw() -> None:
    # Users 5 and 7 are in the batch (rows 0 and 1); user 9 is not. Seen pairs: (7, 1), (5, 3), (9, 0).
    out = _unseen(torch.zeros(2, 4), torch.tensor([5, 7]), torch.tensor([[7, 5, 9], [1, 3, 0]]))
    assert out[1, 1] < -1e8 and out[0, 3] < -1e8
    assert int((out == 0).sum()) == 6
