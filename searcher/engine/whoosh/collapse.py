"""Near-copy groups in answers: one hit per story, an article's copies,
the most republished stories (issue 16; the groups: copies.py).

A collapsed page is the first hit of each group in the query's own order
(Elasticsearch's collapse): the order is total (score or date, then
docnum), so page 2 goes on where page 1 stopped. Only as much of the order
as the page needs is sorted: the best ``4 * (offset + limit)`` matches,
more only when those hold too few groups.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Optional, Sequence

import numpy as np

from searcher.article import Article
from searcher.nearcopies import containments, largest_groups, named_outlets

from ..base import Copies
from .columns import FacetCache
from .documents import to_article

Ranked = list[tuple[int, Optional[float]]]


def collapsed(first: Callable[[int], Sequence[tuple[int, Any]]], total: int, labels: np.ndarray, offset: int,
              limit: int) -> Ranked:
    """Entries ``offset`` to ``offset + limit`` of the groups' first hits;
    ``first(k)``: the best ``k`` matches in order."""
    wanted = offset + limit
    size = max(64, 4 * wanted)
    while True:
        ranked = first(size)
        heads = np.sort(np.unique(labels[np.fromiter((d for d, _ in ranked), np.int64, len(ranked))],
                                  return_index=True)[1])
        if len(heads) >= wanted or size >= total:
            return [ranked[i] for i in heads[offset:wanted].tolist()]
        size *= 4


def page_copies(facets: FacetCache, stored_id: Callable[[int], str], labels: np.ndarray, alone: np.ndarray,
                page: list[int], page_ids: list[str], matches: np.ndarray) -> list[Copies]:
    """Each page entry's group among the matches: its id, copies and outlets
    (an article alone is its own group: nothing to look up)."""
    members = _members_among(labels, [d for d in page if not alone[d]], matches)
    each = [[docnum] if alone[docnum] else members[int(labels[docnum])] for docnum in page]
    values = iter(facets.values("publisher").by_doc([d for hits in each for d in hits]))
    found = []
    for docnum, article_id, hits in zip(page, page_ids, each):
        outlets = Counter(value for _ in hits for value in next(values))
        head = docnum if alone[docnum] else representative(facets, labels, docnum, stored_id)
        found.append(Copies(article_id if head == docnum else stored_id(head), len(hits), named_outlets(outlets)))
    return found


def _members_among(labels: np.ndarray, page: list[int], matches: np.ndarray) -> dict[int, list[int]]:
    """The matches of each of these docnums' groups, in one pass over the matches."""
    if not page:
        return {}
    wanted = np.unique(labels[np.asarray(page, dtype=np.int64)])
    matched = labels[matches]
    keep = np.isin(matched, wanted)
    kept, kept_labels = matches[keep], matched[keep]
    return {label: kept[kept_labels == label].tolist() for label in wanted.tolist()}


def representative(facets: FacetCache, labels: np.ndarray, docnum: int, stored_id: Callable[[int], str]) -> int:
    """The earliest-dated live copy of ``docnum``'s group (undated last; on
    the same date, the smallest article id: docnums change when segments merge)."""
    members = np.flatnonzero(labels == labels[docnum])
    if len(members) == 1:
        return docnum
    keys = np.frombuffer(facets.date_order(newest_first=False), dtype=np.int64)[members]
    earliest = members[keys == keys.min()].tolist()
    return earliest[0] if len(earliest) == 1 else min(earliest, key=stored_id)


def similarities(facets: FacetCache, docnum: int, members: np.ndarray) -> np.ndarray:
    """Each member's estimated containment against ``docnum``."""
    hashes, sizes = facets.copies().rows(np.concatenate(([docnum], members)))
    if sizes[0] == 0:
        return np.where(members == docnum, 1.0, 0.0)
    return containments(hashes, sizes, np.zeros(len(members), dtype=np.int64), np.arange(1, len(members) + 1))


def labels_at(facets: FacetCache, similarity: float) -> np.ndarray:
    """Each docnum's group at ``similarity``; IndexOutdated for an index
    made before signatures were (its articles would all look alone)."""
    groups = facets.copies()
    if not groups.signed:
        raise unsigned()
    return groups.labels(similarity)


def unsigned() -> Exception:
    from searcher.errors import IndexOutdated

    return IndexOutdated("this index was made before near-copy signatures: run 'searcher rebuild' "
                         "to add them (copies, --collapse and story counts need them)")


def article_copies(snapshot, article_id: str, similarity: float) -> Optional[list[tuple[Article, float]]]:
    """The article's group, itself first, then by date (earliest first), each
    with its estimated containment against the article; None when not here."""
    searcher = snapshot.searcher
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        return None
    labels = labels_at(snapshot.facets, similarity)
    members = np.flatnonzero(labels == labels[docnum])
    keys = np.frombuffer(snapshot.facets.date_order(newest_first=False), dtype=np.int64)[members]
    ordered = members[np.lexsort((members, keys, members != docnum))]
    found = similarities(snapshot.facets, docnum, ordered)
    return [(to_article(searcher.stored_fields(int(d))), float(s)) for d, s in zip(ordered.tolist(), found.tolist())]


def top_stories(snapshot, limit: int, similarity: float) -> list[tuple[Article, int, tuple[str, ...]]]:
    """The ``limit`` groups with the most copies: (representative, copies,
    outlets); equal counts, the earliest story first, then by group id."""
    facets, searcher = snapshot.facets, snapshot.searcher
    labels = labels_at(facets, similarity)
    sizes = facets.copies().sizes
    keys = np.frombuffer(facets.date_order(newest_first=False), dtype=np.int64)
    ids = stored_id(searcher)
    found = []
    for label, count, first in largest_groups(labels, sizes > 0, keys, limit):
        members = np.flatnonzero(labels == label)
        outlets = facets.values("publisher").count(members.tolist())
        named = named_outlets(outlets)
        head = representative(facets, labels, int(members[0]), ids)
        found.append((-count, first, ids(head), head, count, named))
    return [(to_article(searcher.stored_fields(head)), count, named)
            for _, _, _, head, count, named in sorted(found)[:limit]]


def stored_id(searcher) -> Callable[[int], str]:
    return lambda docnum: searcher.stored_fields(docnum)["id"]
