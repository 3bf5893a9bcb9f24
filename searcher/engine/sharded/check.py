"""``searcher check`` on a sharded archive: every shard checked as an index,
the manifest against the articles of all shards, each article in its shard."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from searcher.errors import IndexNotFound, ShardUnavailable
from searcher.results import CheckReport, ProblemKind

from .layout import read_layout, shard_name, shard_of

_EXAMPLES = 5


def check_shard(folder: Path, deep: bool, clean: bool) -> Optional[tuple[CheckReport, set[str]]]:
    """One shard's check and the ids it holds (None: its folder is missing); runs where the shard is."""
    from searcher.engine.whoosh.check import check_index

    if not folder.is_dir():
        return None
    ids: set[str] = set()
    return check_index(folder, deep=deep, clean=clean, ids=ids), ids


def check_sharded(root: Path, deep: bool = True, clean: bool = False) -> CheckReport:
    """Every shard checked here, in the archive's folder."""
    root = Path(root)
    if not root.is_dir():
        raise IndexNotFound(f"no index at {root}")
    layout = read_layout(root)
    folders = layout.folders(root)
    return combined_check(root, layout.count, {n: check_shard(folders[n], deep, clean) for n in range(layout.count)})


def combined_check(root: Path, count: int, answers: dict[int, Any]) -> CheckReport:
    """The archive's report from each shard's check_shard answer (or the
    ShardUnavailable that kept it from answering), the manifest here."""
    from searcher.engine.whoosh.check import check_manifest, read_manifest

    report = CheckReport(path=str(root))
    present: set[str] = set()
    for number in range(count):
        name = shard_name(number)
        answer = answers[number]
        if answer is None or isinstance(answer, ShardUnavailable):
            why = "is missing" if answer is None else f"cannot be checked: {answer}"
            report.add_problem(ProblemKind.SHARD_MISSING, f"shard {name} {why} ({root / name})")
            continue
        shard_report, ids = answer
        _add(report, shard_report, name)
        misplaced = sorted(i for i in ids if shard_of(i, count) != number)
        if misplaced:
            report.add_problem(ProblemKind.WRONG_SHARD, f"{name} holds {len(misplaced)} articles of other "
                               f"shards: {', '.join(map(repr, misplaced[:_EXAMPLES]))}")
        present |= ids
    check_manifest(read_manifest(root, report), present, report)
    report.articles = len(present)
    return report


def _add(report: CheckReport, shard: CheckReport, name: str) -> None:
    """One shard's findings, named, into the archive's report."""
    report.segments += shard.segments
    report.generation = max(report.generation, shard.generation)
    report.verified += shard.verified
    report.writer = report.writer if report.writer is not None else shard.writer
    report.newer_toc_lost = report.newer_toc_lost or shard.newer_toc_lost
    for attribute in ("leftovers", "cleaned", "unchecksummed", "checksummed_now", "stale_rebuilds"):
        getattr(report, attribute).extend(f"{name}/{item}" for item in getattr(shard, attribute))
    for problem in shard.problems:
        report.add_problem(problem.kind, f"{name}: {problem.message}")
