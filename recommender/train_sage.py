"""Full-batch training of the GraphSAGE models (pyg-lib/torch-sparse have no wheels for this
torch, so no neighbour loaders; the default graph fits in memory many times over).

Each epoch hides a random share of the listening and tag edges from message passing and
asks the model to predict them from the rest — the situation of a held-out interaction
or a new user — with a softmax over all candidates (Mult-DAE style), weighted by log plays.
What a user's message passing already saw is left out of their softmax: it is never a
candidate when serving, and counting it as a wrong answer pushed users away from their own artists.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import HeteroData
from tqdm import tqdm

from recommender.graph import ARTIST_TAG, LISTENS, PLAYS, TRACK_TAG, reverse
from recommender.sage import EdgeDict, GraphSAGE, SageConfig

log = logging.getLogger(__name__)

HIDDEN_EDGES = (PLAYS, LISTENS, TRACK_TAG, ARTIST_TAG)
ALL = 1 << 62
MAX_GRAD_NORM = 5.0
# An epoch whose loss is this many times the best so far has diverged (seed 2 at the peak learning rate went
# from 40 to 600): back to the best weights, at a lower learning rate from then on.
DIVERGED = 2.0
RECOVERY_LR_SCALE = 0.5


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def all_edges(data: HeteroData) -> EdgeDict:
    return {rel: data[rel].edge_index for rel in data.edge_types}


def _split(data: HeteroData, share: float, gen: torch.Generator) -> tuple[EdgeDict, dict[tuple, Tensor]]:
    """Message-passing edges and, for each hidden relation, the supervision edges' positions."""
    edges = all_edges(data)
    supervised: dict[tuple, Tensor] = {}
    for rel in HIDDEN_EDGES:
        ei = data[rel].edge_index
        mask = torch.rand(ei.shape[1], generator=gen, device=ei.device) < share
        supervised[rel] = mask.nonzero().flatten()
        edges[rel] = ei[:, ~mask]
        edges[reverse(rel)] = edges[rel].flip(0)
    return edges, supervised


def _softmax_loss(logits: Tensor, rows: Tensor, cols: Tensor, weight: Tensor | None = None) -> Tensor:
    nll = -torch.log_softmax(logits, dim=1)[rows, cols]
    if weight is None:
        return nll.mean()
    return (nll * weight).sum() / weight.sum()


def _row_batch(rows: Tensor, cols: Tensor, limit: int, gen: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
    """Keep the edges of at most `limit` distinct rows (edge order kept): rows kept, edge rows re-indexed, cols."""
    unique = rows.unique()
    if len(unique) > limit:
        unique = unique[torch.randperm(len(unique), generator=gen, device=rows.device)[:limit]]
    lookup = torch.full((int(rows.max()) + 1,), -1, dtype=torch.long, device=rows.device)
    lookup[unique] = torch.arange(len(unique), device=rows.device)
    keep = lookup[rows] >= 0
    return unique, lookup[rows[keep]], cols[keep]


def _unseen(logits: Tensor, users: Tensor, seen: Tensor) -> Tensor:
    """`logits` (one row per user in `users`) with the items each user's message passing saw masked out."""
    if not seen.shape[1]:
        return logits
    lookup = torch.full((int(max(users.max(), seen[0].max())) + 1,), -1, dtype=torch.long, device=users.device)
    lookup[users] = torch.arange(len(users), device=users.device)
    rows = lookup[seen[0]]
    keep = rows >= 0
    # In place (the logits are a fresh users × items tensor: a copy costs more than the mask); finite, never NaN.
    return logits.index_put_((rows[keep], seen[1][keep]), torch.tensor(-1e9, device=logits.device))


def losses(model: GraphSAGE, data: HeteroData, gen: torch.Generator) -> dict[str, Tensor]:
    cfg = model.config
    edges, sup = _split(data, cfg.supervised_share, gen)
    h = model(data.x_dict, edges, data["user"].num_nodes)[-1]
    out: dict[str, Tensor] = {}

    ei, w = data[PLAYS].edge_index, data[PLAYS].edge_weight
    s = sup[PLAYS]
    if len(s):
        users, rows, cols = _row_batch(ei[0, s], ei[1, s], ALL, gen)
        # Every artist is a candidate: one nobody plays in training must still learn to rank low.
        logits = _unseen(h["user"][users] @ h["artist"].T + model.artist_bias, users, edges[PLAYS])
        out["cf"] = _softmax_loss(logits, rows, cols, torch.log1p(w[s]))
    ei = data[LISTENS].edge_index
    s = sup[LISTENS]
    if len(s):
        users, rows, cols = _row_batch(ei[0, s], ei[1, s], ALL, gen)
        logits = _unseen(h["user"][users] @ h["track"].T + model.track_bias, users, edges[LISTENS])
        out["listens"] = _softmax_loss(logits, rows, cols)

    g = {t: model.tag_space(h[t]) for t in ("tag", "track", "artist")}
    ei = data[TRACK_TAG].edge_index
    s = sup[TRACK_TAG]
    if len(s):  # tag → which tracks fit it (the Tag model)
        tags, rows, cols = _row_batch(ei[1, s], ei[0, s], cfg.tag_batch, gen)
        out["tag_track"] = _softmax_loss(g["tag"][tags] @ g["track"].T, rows, cols)
    ei = data[ARTIST_TAG].edge_index
    s = sup[ARTIST_TAG]
    if len(s):  # artist → its tags
        artists, rows, cols = _row_batch(ei[0, s], ei[1, s], cfg.artist_batch, gen)
        out["artist_tag"] = _softmax_loss(g["artist"][artists] @ g["tag"].T, rows, cols)
    return out


def train(data: HeteroData, config: SageConfig, progress: bool = True,
          on_epoch: Callable[[int, GraphSAGE], None] | None = None, on: torch.device | None = None
          ) -> tuple[GraphSAGE, list[dict[str, float]]]:
    """Train from scratch with fixed seeds on `on` (default: a GPU when there is one); returns the model (on the
    CPU, eval mode) and the loss history."""
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    dev = on or device()
    data = data.clone().to(dev)  # the same path on every device; the caller's graph stays where it is
    gen = torch.Generator(device=dev).manual_seed(config.seed)
    in_dims = {t: data[t].x.shape[1] for t in ("artist", "track", "tag")}
    model = GraphSAGE(in_dims, list(data.edge_types), data["artist"].num_nodes, data["track"].num_nodes,
                      config).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=config.epochs, pct_start=0.1)
    history: list[dict[str, float]] = []
    best_loss, best_state, lr_scale = float("inf"), None, 1.0
    started = time.perf_counter()
    bar = tqdm(range(config.epochs), desc="train graphsage", unit="epoch", disable=not progress)
    for epoch in bar:
        model.train()
        parts = losses(model, data, gen)
        loss = torch.stack(list(parts.values())).sum()
        total = loss.item()
        if best_state is not None and not (total < DIVERGED * best_loss):  # NaN included
            model.load_state_dict(best_state)
            opt.state.clear()  # the diverged steps' moments would push it the same way again
            lr_scale *= RECOVERY_LR_SCALE
            log.warning("epoch %d: loss %.1f against a best of %.1f; back to the best weights, learning rate x%.2f",
                        epoch, total, best_loss, lr_scale)
            parts = losses(model, data, gen)
            loss = torch.stack(list(parts.values())).sum()
            total = loss.item()
        if total < best_loss:
            best_loss, best_state = total, {k: v.detach().clone() for k, v in model.state_dict().items()}
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
        opt.step()
        sched.step()
        for group in opt.param_groups:  # the schedule sets each step's rate afresh; a recovery scales it down
            group["lr"] *= lr_scale
        record = {k: round(v.item(), 4) for k, v in parts.items()}
        history.append(record)
        bar.set_postfix(record)
        if on_epoch is not None:
            on_epoch(epoch, model)
    log.info("trained %d epochs in %.1f s on %s", config.epochs, time.perf_counter() - started, dev)
    return model.cpu().eval(), history
