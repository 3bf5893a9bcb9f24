"""Shards' answers combined into the archive's: pages merged by their order,
totals and counts summed, statistics added. Each function is exact: what
one index of every article would answer (ties in the order aside: there an
index keeps the order articles were added, shards keep shard order)."""
from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import replace
from itertools import islice
from typing import Iterator, Optional

from searcher.query import fields
from searcher.query.periods import count_by_period, ranked
from searcher.results import Stats

from ..base import CorpusStats, DayCounts, Execution, Plan, SharedStories
from .copies import merged_shared


def shard_plan(plan: Plan) -> Plan:
    """What each shard answers: the first offset + limit of its matches (the
    archive's page is among them) and every facet value (a value's count is
    a sum over shards, and a value outside one shard's top may be in the
    archive's)."""
    return replace(plan, offset=0, limit=plan.offset + plan.limit, facet_limit=None)


def summed_stats(parts: list[CorpusStats]) -> CorpusStats:
    total = CorpusStats()
    for part in parts:
        total = total.add(part)
    return total


def merged_execution(plan: Plan, parts: list[Execution], numbers: Optional[list[int]] = None) -> Execution:
    """The archive's answer; ``numbers``: each part's shard (default: its place),
    ties broken by it, and kept as ``sources`` of the page's entries."""
    numbers = numbers if numbers is not None else list(range(len(parts)))
    by_shard = dict(zip(numbers, parts))
    entries = heapq.merge(*[[(key, shard, place) for place, key in enumerate(part.order)]
                            for shard, part in zip(numbers, parts)])
    wanted = plan.offset + plan.limit
    chosen = _first_of_groups(entries, by_shard, wanted) if plan.collapse else list(islice(entries, wanted))
    page = chosen[plan.offset:]
    shared = merged_shared([part.shared for part in parts]) if any(p.shared is not None for p in parts) else None
    facets = {}
    for name in plan.facets:
        counts: Counter = Counter()
        for part in parts:
            counts.update(dict(part.facets.get(name, ())))
        if shared is not None and plan.stories:
            counts.update(shared_counts(shared, name))
        facets[name] = ranked(counts, plan.facet_limit)
    terms: dict[str, frozenset[str]] = {}
    for part in parts:
        for field, words in part.terms.items():
            terms[field] = terms.get(field, frozenset()) | words
    merged = Execution(total=sum(part.total for part in parts), page=[by_shard[s].page[p] for _, s, p in page],
                       facets=facets, terms=terms, order=[key for key, _, _ in page])
    merged.sources = [shard for _, shard, _ in page]
    if any(part.groups for part in parts):
        merged.copies = [by_shard[s].copies[p] for _, s, p in page]
        merged.groups = [by_shard[s].groups[p] for _, s, p in page]
    if shared is not None:
        merged.stories = sum(part.stories or 0 for part in parts) + len(shared.earliest)
    return merged


def _first_of_groups(entries: Iterator[tuple[float, int, int]], by_shard: dict[int, Execution],
                     wanted: int) -> list[tuple[float, int, int]]:
    """The first ``wanted`` entries of distinct groups: each group's best hit
    in the archive (a shard's first offset + limit groups hold the archive's)."""
    seen: set[int] = set()
    chosen = []
    for key, shard, place in entries:
        label = by_shard[shard].groups[place]
        if label not in seen:
            seen.add(label)
            chosen.append((key, shard, place))
            if len(chosen) == wanted:
                break
    return chosen


def shared_counts(shared: SharedStories, name: str) -> Counter:
    """Stories per value of facet ``name`` among the groups that span shards
    (a period: at each group's earliest matching copy)."""
    if name in fields.VALUE_FACETS:
        return Counter(value for value, _ in shared.values.get(name, ()))
    return count_by_period(Counter(day for _, day, _ in shared.earliest.values()), name)


def summed_days(parts: list[DayCounts]) -> DayCounts:
    per_day: Counter = Counter()
    for part in parts:
        per_day.update(part.per_day)
    return DayCounts(per_day=per_day, total=sum(p.total for p in parts), coarse=sum(p.coarse for p in parts))


def summed_counts(parts: list[Counter]) -> Counter:
    counts: Counter = Counter()
    for part in parts:
        counts.update(part)
    return counts


def merged_suggestions(parts: list[dict[str, list[str]]], most: int) -> dict[str, list[str]]:
    """Each word's suggestions, the first shards' first. (A word one shard
    holds and another lacks may get the other's suggestions: close words
    that are in the archive, only offered beside the word's own matches.)"""
    merged: dict[str, list[str]] = {}
    for part in parts:
        for word, found in part.items():
            known = merged.setdefault(word, [])
            known.extend(s for s in found if s not in known)
    return {word: found[:most] for word, found in merged.items()}


def merged_stats(parts: list[Stats], top: int, path: str, size_bytes: int) -> Stats:
    def top_values(name: str) -> list[tuple[str, int]]:
        counts: Counter = Counter()
        for part in parts:
            counts.update(dict(getattr(part, name)))
        return ranked(counts, top)

    firsts = [p.first_date for p in parts if p.first_date is not None]
    lasts = [p.last_date for p in parts if p.last_date is not None]
    return Stats(articles=sum(p.articles for p in parts), first_date=min(firsts) if firsts else None,
                 last_date=max(lasts) if lasts else None, undated=sum(p.undated for p in parts),
                 top_tags=top_values("top_tags"), top_sources=top_values("top_sources"),
                 top_authors=top_values("top_authors"), size_bytes=size_bytes, path=path)
