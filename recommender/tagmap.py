"""A 2-D map of the tag vocabulary coloured by category (t-SNE of the text embeddings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recommender.tagging import CATEGORIES
from recommender.vocabulary import Vocabulary


def plot_tag_map(vocab: Vocabulary, path: Path, labels_per_category: int = 6, seed: int = 0) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    reduced = PCA(n_components=min(50, len(vocab) - 1), random_state=seed).fit_transform(vocab.embeddings)
    xy = TSNE(n_components=2, init="pca", random_state=seed, perplexity=min(30, len(vocab) - 1)).fit_transform(reduced)
    fig, ax = plt.subplots(figsize=(13, 10), dpi=110)
    cmap = plt.get_cmap("tab10")
    cats = np.array(vocab.categories)
    for i, cat in enumerate(CATEGORIES):
        mask = cats == cat
        if not mask.any():
            continue
        ax.scatter(xy[mask, 0], xy[mask, 1], s=8, color=cmap(i), alpha=0.7, label=f"{cat} ({mask.sum()})")
        # Label the most used tags of each category so the map can be read.
        top = sorted(np.flatnonzero(mask), key=lambda j: -vocab.counts[j])[:labels_per_category]
        for j in top:
            ax.annotate(vocab.tags[j], xy[j], fontsize=8, color=cmap(i))
    ax.set_title(f"Suggestify tag vocabulary: {len(vocab)} tags by category (t-SNE of MiniLM embeddings)")
    ax.legend(loc="best", markerscale=2, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
