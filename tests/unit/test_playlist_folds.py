from types import SimpleNamespace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.playlist_folds import without_labels

TAGS = ["rock", "hard rock", "indie"]


def _index(n_tracks: int) -> SimpleNamespace:
    vocab = SimpleNamespace(column={t: i for i, t in enumerate(TAGS)}.get)
    return SimpleNamespace(vocab=vocab, row_of={f"t{i}": i for i in range(n_tracks)},
                           track_tags=sp.csr_matrix((n_tracks, len(TAGS)), dtype=np.float32))


def test_a_hidden_playlists_labels_fall_back_to_what_the_artist_carries() -> None:
    index = _index(3)
    playlists = pd.DataFrame({"playlist_id": ["p1", "p2"], "genre": ["rock", "rock"],
                              "subgenre": ["hard rock", "indie"], "track_ids": [["t0", "t1"], ["t1"]]})
    tags = sp.csr_matrix(np.array([[0.3, 0.3, 0.0], [0.3, 0.3, 0.3], [0.0, 0.0, 0.5]], np.float32))
    from_artists = sp.csr_matrix(np.array([[0.8, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.5]], np.float32))
    hidden = np.array([True, False])
    out = without_labels(tags, index, playlists, hidden, from_artists).toarray()
    assert np.allclose(out[0], [0.8, 0.0, 0.0])  # p1's labels gone; its artist is a rock act
    assert out[1, 0] == np.float32(0.3) and out[1, 2] == np.float32(0.3)  # p2, still visible, also says rock
    assert out[1, 1] == 0.0  # only p1 said hard rock
    assert out[2].tolist() == [0.0, 0.0, 0.5]  # in no playlist: untouched
