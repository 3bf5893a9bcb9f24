"""Near-copy answers of a sharded archive: the archive's groups (copies.py)
given to the shards, and their answers made those of one index.

A collapsed page: each shard sends the first hits of its first
offset + limit groups; merged in order, a group's first entry is its best
hit in the archive (gather.merged_execution). A group on the page with
copies in other shards is then asked of every shard for its matching
copies, outlets and earliest copy. Story counts add the groups wholly in
one shard to the distinct spanning groups the shards report.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Optional

import numpy as np

from searcher.article import Article
from searcher.errors import GroupsChanged
from searcher.nearcopies import named_outlets

from ..base import Copies, DayCounts, Execution, GivenGroups, Plan
from . import gather
from .copies import ArchiveGroups, merged_shared

if TYPE_CHECKING:
    from searcher.query import tree
    from searcher.query.request import Filters

    from .backend import ShardedBackend

Combined = dict[int, tuple[int, Counter, tuple[int, str]]]


def complete_copies(backend: "ShardedBackend", plan: Plan, merged: Execution, groups: ArchiveGroups,
                    given: list[GivenGroups], shards: list[int]) -> None:
    """The page's spanning groups counted over every shard (their copies,
    outlets and earliest copy: what one shard alone cannot say)."""
    wanted = sorted({label for label in merged.groups if groups.spans(plan.similarity, label)})
    if not wanted:
        return
    combined = _combined(backend, plan.node, plan.filters, given, wanted, shards)
    for place, label in enumerate(merged.groups):
        if label in combined:
            count, outlets, head = combined[label]
            merged.copies[place] = Copies(head[1], count, named_outlets(outlets))


def _combined(backend: "ShardedBackend", node: Optional["tree.Node"], filters: Optional["Filters"],
              given: list[GivenGroups], wanted: list[int], shards: list[int]) -> Combined:
    answers = backend._all_of({shard: ("group_copies", (node, filters, given[shard], wanted)) for shard in shards})
    combined: Combined = {}
    for answer in answers.values():
        for label, (count, outlets, head) in answer.items():
            known = combined.get(label)
            if known is None:
                combined[label] = (count, Counter(outlets), head)
            else:
                combined[label] = (known[0] + count, known[1] + outlets, min(known[2], head))
    return combined


def facet_stories(backend: "ShardedBackend", node: "tree.Node", filters: Optional["Filters"], name: str,
                  similarity: float) -> Counter:
    given = backend.groups().given(similarity)
    answers = backend._all_of({shard: ("shard_facet", (node, filters, name, part)) for shard, part in enumerate(given)})
    counts = gather.summed_counts([counted for counted, _ in answers.values()])
    counts.update(gather.shared_counts(merged_shared([shared for _, shared in answers.values()]), name))
    return counts


def day_stories(backend: "ShardedBackend", node: "tree.Node", filters: Optional["Filters"], by: str,
                similarity: float) -> DayCounts:
    given = backend.groups().given(similarity)
    parts, missing = backend._partial("days", node, filters, by, similarity, given=given)
    summed = gather.summed_days(list(parts.values()))
    for _, day, coarse in merged_shared([part.shared for part in parts.values()]).earliest.values():
        summed.total += 1
        if coarse:
            summed.coarse += 1
        else:
            summed.per_day[day] += 1
    summed.missing = missing
    return summed


def article_copies(backend: "ShardedBackend", article_id: str,
                   similarity: float) -> Optional[list[tuple[Article, float]]]:
    """As one index's: the article first, then its copies by date."""
    groups = backend.groups()
    shard = backend._shard(article_id)
    found = backend.runner.call(shard, "docnum_of", article_id)
    if found is None:
        return None
    key, docnum = found
    if key != groups.keys[shard]:
        raise GroupsChanged("the archive changed while its near-copy groups were read: try again")
    row = groups.row(shard, docnum)
    given = groups.given(similarity)
    by_shard = groups.members(similarity, row)
    answers = backend._all_of({s: ("group_members", (given[s], docnums)) for s, docnums in by_shard.items()})
    entries = sorted((groups.row(s, d) != row, date_key, groups.row(s, d), article)
                     for s, docnums in by_shard.items() for d, (article, date_key) in zip(docnums, answers[s]))
    rows = np.array([entry[2] for entry in entries], dtype=np.int64)
    return [(entry[3], float(s)) for entry, s in zip(entries, groups.similarities(row, rows).tolist())]


def top_stories(backend: "ShardedBackend", limit: int,
                similarity: float) -> list[tuple[Article, int, tuple[str, ...]]]:
    """As one index's: most copies first, then the earliest story, then by group id."""
    groups = backend.groups()
    largest = groups.largest(similarity, limit)
    if not largest:
        return []
    given = groups.given(similarity)
    combined = _combined(backend, None, None, given, [label for label, _, _ in largest], list(range(len(given))))
    ranked = sorted((-size, first, combined[label][2][1], size, named_outlets(combined[label][1]))
                    for label, size, first in largest)[:limit]
    articles = backend.fetch([head for _, _, head, _, _ in ranked])
    return [(article, size, named) for (_, _, _, size, named), article in zip(ranked, articles) if article is not None]
