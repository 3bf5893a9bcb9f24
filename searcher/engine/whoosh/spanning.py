"""One shard's part of a sharded archive's near-copy groups (issue 16).

The archive's groups are made from every shard's signatures at once
(engine/sharded/copies.py) and handed to each shard as ``GivenGroups``:
a group number per docnum, and whether the group has copies elsewhere.
Groups wholly in this shard are counted here; of those that span shards
a shard reports what the archive's count needs (their earliest matching
copy, their facet values), and the sharded backend adds them up once.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from searcher.article import Article
from searcher.errors import GroupsChanged

from ..base import GivenGroups, SharedStories
from .documents import to_article


def check_given(facets, given: GivenGroups) -> None:
    """GroupsChanged when ``given`` was made for another version of this shard."""
    if given.key != facets.index_key or len(given.labels) != facets.reader.doc_count_all():
        raise GroupsChanged("the archive changed while its near-copy groups were read: try again")


def own_part(given: GivenGroups, docnums: np.ndarray) -> np.ndarray:
    """Those of ``docnums`` whose group is wholly in this shard."""
    return docnums[~given.spanning[docnums]]


def shared_stories(facets, given: GivenGroups, matches: np.ndarray, value_facets: tuple[str, ...] = (),
                   coarse: frozenset[int] = frozenset()) -> SharedStories:
    """The spanning groups among ``matches``: each one's earliest matching
    copy, and the (value, group) pairs of ``value_facets``."""
    spanning = matches[given.spanning[matches]]
    found = SharedStories()
    if not len(spanning):
        return found
    earliest = facets.earliest_of_groups(spanning.tolist(), given.labels)
    keys = np.frombuffer(facets.date_order(newest_first=False), dtype=np.int64)
    days = facets.dates().days
    found.earliest = {int(given.labels[d]): (int(keys[d]), int(days[d]), d in coarse) for d in earliest}
    for name in value_facets:
        column = facets.values(name)
        pairs = {(value, int(given.labels[d])) for d in spanning.tolist() for value in column.count([d])}
        found.values[name] = sorted(pairs)
    return found


def group_copies(facets, stored_id, given: GivenGroups, matches: np.ndarray,
                 wanted: list[int]) -> dict[int, tuple[int, Counter, tuple[int, str]]]:
    """For each wanted group: its matching copies here, their outlets, and
    the (date key, article id) of its earliest copy here (matching or not)."""
    keys = np.frombuffer(facets.date_order(newest_first=False), dtype=np.int64)
    matched = given.labels[matches]
    found = {}
    for label in wanted:
        members = np.flatnonzero(given.labels == label)
        if not len(members):
            continue
        hits = matches[matched == label]
        outlets = facets.values("publisher").count(hits.tolist())
        first = members[keys[members] == keys[members].min()].tolist()
        found[label] = (len(hits), outlets, (int(keys[first[0]]), min(stored_id(d) for d in first)))
    return found


def members(searcher, facets, given: GivenGroups, docnums: list[int]) -> list[tuple[Article, int]]:
    """(article, date key) of each docnum (a group's copies in this shard)."""
    check_given(facets, given)
    keys = np.frombuffer(facets.date_order(newest_first=False), dtype=np.int64)
    return [(to_article(searcher.stored_fields(int(d))), int(keys[d])) for d in docnums]
