"""Shards' answers combined into the archive's: pages merged by their order,
totals and counts summed, statistics added. Each function is exact: what
one index of every article would answer (ties in the order aside: there an
index keeps the order articles were added, shards keep shard order)."""
from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import replace
from typing import Optional

from searcher.query.periods import ranked
from searcher.results import Stats

from ..base import CorpusStats, DayCounts, Execution, Plan


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
    entries = heapq.merge(*[[(key, shard, place, hit) for place, (key, hit) in enumerate(zip(part.order, part.page))]
                            for shard, part in zip(numbers, parts)])
    page = list(entries)[plan.offset:plan.offset + plan.limit]
    facets = {}
    for name in plan.facets:
        counts: Counter = Counter()
        for part in parts:
            counts.update(dict(part.facets.get(name, ())))
        facets[name] = ranked(counts, plan.facet_limit)
    terms: dict[str, frozenset[str]] = {}
    for part in parts:
        for field, words in part.terms.items():
            terms[field] = terms.get(field, frozenset()) | words
    merged = Execution(total=sum(part.total for part in parts), page=[hit for _, _, _, hit in page],
                       facets=facets, terms=terms, order=[key for key, _, _, _ in page])
    merged.sources = [shard for _, shard, _, _ in page]
    return merged


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
