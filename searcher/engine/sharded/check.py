"""``searcher check`` on a sharded archive: every shard checked as an index,
the manifest against the articles of all shards, each article in its shard."""
from __future__ import annotations

from pathlib import Path

from searcher.errors import IndexNotFound
from searcher.results import CheckReport, ProblemKind

from .layout import read_layout, shard_of

_EXAMPLES = 5


def check_sharded(root: Path, deep: bool = True, clean: bool = False) -> CheckReport:
    from searcher.engine.whoosh.check import check_index, check_manifest, read_manifest

    root = Path(root)
    if not root.is_dir():
        raise IndexNotFound(f"no index at {root}")
    layout = read_layout(root)
    report = CheckReport(path=str(root))
    present: set[str] = set()
    for number, folder in enumerate(layout.folders(root)):
        if not folder.is_dir():
            report.add_problem(ProblemKind.SHARD_MISSING, f"shard {folder.name} is missing ({folder})")
            continue
        ids: set[str] = set()
        _add(report, check_index(folder, deep=deep, clean=clean, ids=ids), folder.name)
        misplaced = sorted(i for i in ids if shard_of(i, layout.count) != number)
        if misplaced:
            report.add_problem(ProblemKind.WRONG_SHARD, f"{folder.name} holds {len(misplaced)} articles of other "
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
