"""Scale facts and query latency of one existing index (issue 5, 1M target).

    python bench/scale.py INDEX [--rounds 3] [--kinds term,and,...] [--no-e2e] [--no-limits]
                          [--storage product|whoosh|nommap|mapped] [--spec FILE]

Three parts, all read-only on INDEX:

1. Segments and the Whoosh 2.7.4 fixed-width limits: per segment its
   documents, its compound file size and the sizes of the parts that have a
   fixed-width limit (the stored-fields column, whose offsets Whoosh keeps
   in a 32-bit array: OverflowError past 4 GiB; the longest posting list,
   whose byte length the term info packs as a signed 32-bit int: struct.error
   past 2 GiB; the .pst and .trm files, copied whole into memory when a
   compound segment is opened, see below). Each is divided by the segment's
   documents and extrapolated to the documents per segment at which it would
   reach its limit.
2. Opening: time to ``Archive.open`` and run a first search, and this
   process's resident memory before and after (anonymous and file-backed).
   With Whoosh's own FileStorage (``--storage whoosh``) its CompoundStorage
   wraps each part of a memory-mapped ``.seg`` in ``BytesIO(memoryview)``,
   which copies it, so a reader costs about the size of every segment's .pst
   and .trm in RAM; ``--storage`` compares that with the other ways.
3. Query latency with bench/query.py's query mix (its ``pick_queries``, run on
   a sample of this index's stored articles, and the same ``Archive.search``
   call): one untimed warm-up pass, then ``--rounds`` timed rounds; p50, p95
   and max per kind and over all kinds. Then ``searcher search WORD --index
   INDEX --format json`` as a new process, median of 7 wall times.

No baseline index is built: on a generated 100k archive a straightforward
Whoosh index takes over half an hour here and its facet queries far longer.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, median, percentile  # noqa: E402

warnings.simplefilter("ignore", SyntaxWarning)

GIB = 1 << 30
STORED_LIMIT = 4 * GIB          # VarBytesColumn offsets: GrowableArray(allow_longs=False), "I"
POSTING_LIST_LIMIT = 2 * GIB    # W3TermInfo.to_bytes: pack_int(self._length), "!i"
E2E_RUNS = 7
STORAGES = ("product", "whoosh", "nommap", "mapped")


def use_storage(kind: str) -> None:
    """How this process opens index folders: as searcher/engine/whoosh/store.py does
    ("product"), Whoosh's FileStorage as it is ("whoosh": compound segments
    mapped, each part copied by BytesIO), with mapping off ("nommap": parts
    read through the file), or the in-tree MappedStorage ("mapped": parts read
    in place from the map)."""
    if kind == "product":
        return
    from searcher.engine.whoosh import store

    if kind == "whoosh":
        from whoosh.filedb.filestore import FileStorage

        store._storage = lambda index_dir: FileStorage(str(index_dir))
    elif kind == "nommap":
        from whoosh.filedb.filestore import FileStorage

        store._storage = lambda index_dir: FileStorage(str(index_dir), supports_mmap=False)
    elif kind == "mapped":
        from searcher.engine.whoosh.accel.mapped import MappedStorage

        store._storage = lambda index_dir: MappedStorage(str(index_dir))
    else:
        raise SystemExit(f"unknown storage {kind!r}")


def _mem() -> dict[str, int]:
    """This process's resident memory in MB (total, anonymous, file-backed)."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def segment_facts(index_dir: Path) -> None:
    from whoosh.filedb.filestore import FileStorage

    from searcher.engine.whoosh.store import INDEX_NAME

    storage = FileStorage(str(index_dir), supports_mmap=False)  # no copies of the parts
    ix = storage.open_index(INDEX_NAME)
    segments = ix._segments()
    total_docs = sum(s.doc_count_all() for s in segments)
    total_bytes = sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file())
    print(f"## Segments: {len(segments)}, {total_docs:,} documents, index folder {total_bytes / 1e6:,.1f} MB "
          f"({total_bytes / max(total_docs, 1) / 1024:.2f} KiB a document)\n")
    print("| segment | docs | deleted | file MB | .pst MB | .trm MB | stored col MB | longest posting list KB "
          "(term) | .pst+.trm copied on open MB |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    worst = {"stored": 0.0, "posting": 0.0, "pst": 0.0}
    rows = []
    for seg in segments:
        docs = seg.doc_count_all()
        name = seg.make_filename(".seg")
        if seg.is_compound():
            cs = seg.open_compound_file(storage)
            sizes = {n: cs.file_length(n) for n in cs.list()}
            cs.close()
            seg_bytes = storage.file_length(name)
        else:
            sizes = {n: storage.file_length(n) for n in seg.list_files(storage)}
            seg_bytes = sum(sizes.values())
        pst = sum(v for k, v in sizes.items() if k.endswith(".pst"))
        trm = sum(v for k, v in sizes.items() if k.endswith(".trm"))
        stored = sum(v for k, v in sizes.items() if k.endswith("._stored.col"))
        # Longest posting list: the byte length packed into each term info.
        longest, longest_term = 0, None
        terms = seg.codec().terms_reader(_seg_storage(storage, seg), seg)
        try:
            for (field, text), info in terms.items():
                if info.is_inlined():
                    continue
                length = info._length[0] if isinstance(info._length, tuple) else info._length  # a 1-tuple in 2.7.4
                if length > longest:
                    longest, longest_term = length, f"{field}:{text[:20]!r}"
        finally:
            terms.close()
        rows.append((docs, seg, seg_bytes, pst, trm, stored, longest, longest_term))
        if docs:
            worst["stored"] = max(worst["stored"], stored / docs)
            worst["posting"] = max(worst["posting"], longest / docs)
            worst["pst"] = max(worst["pst"], (pst + trm) / docs)
    rows.sort(key=lambda row: row[2])
    if len(rows) > 12:  # the smallest three, the median and the largest three
        middle = len(rows) // 2
        shown = rows[:3] + [None] + [rows[middle]] + [None] + rows[-3:]
    else:
        shown = rows
    for row in shown:
        if row is None:
            print("| ... | | | | | | | | |")
            continue
        docs, seg, seg_bytes, pst, trm, stored, longest, longest_term = row
        print(f"| {seg.segid[:8]} | {docs:,} | {seg.deleted_count():,} | {seg_bytes / 1e6:,.1f} | {pst / 1e6:,.1f} "
              f"| {trm / 1e6:,.1f} | {stored / 1e6:,.1f} | {longest / 1024:,.1f} ({longest_term}) "
              f"| {(pst + trm) / 1e6:,.1f} |")
    postings, terms = sum(r[3] for r in rows) / 1e6, sum(r[4] for r in rows) / 1e6
    print(f"\nAll segments: .pst {postings:,.1f} MB, .trm {terms:,.1f} MB, "
          f"stored columns {sum(r[5] for r in rows) / 1e6:,.1f} MB")
    print()
    if total_docs:
        print("Per document, largest segment ratio -> documents per segment at the limit:")
        print(f"  stored column     {worst['stored']:8.0f} B/doc -> 4 GiB at "
              f"{STORED_LIMIT / max(worst['stored'], 1):,.0f} docs (OverflowError, numlists.py GrowableArray)")
        print(f"  longest postings  {worst['posting']:8.1f} B/doc -> 2 GiB at "
              f"{POSTING_LIST_LIMIT / max(worst['posting'], 1e-9):,.0f} docs (struct.error, whoosh3.py pack_int)")
        print(f"  .pst+.trm         {worst['pst']:8.0f} B/doc -> RAM copied per opened reader "
              f"(1M docs: {worst['pst'] * 1e6 / 1e9:,.2f} GB)")
    print()


def _seg_storage(storage, seg):
    if seg.is_compound():
        return seg.open_compound_file(storage)
    return storage


def open_cost(index_dir: Path, word: str) -> None:
    from searcher import Archive

    before = _mem()
    start = time.perf_counter()
    archive = Archive.open(index_dir)
    archive.search(word, limit=10)
    took = time.perf_counter() - start
    after = _mem()
    archive.close()
    print(f"## Open + first search ('{word}'): {took * 1000:,.0f} ms; RSS {before['VmRSS']} -> {after['VmRSS']} MB "
          f"(anonymous {before['RssAnon']} -> {after['RssAnon']}, file-backed {before['RssFile']} -> "
          f"{after['RssFile']})\n")


def pick(index_dir: Path, spec_path: Path | None) -> tuple[dict, float]:
    """bench/query.py's query instances for this index, or the ones saved in
    ``spec_path`` (so that two indexes of the same articles run the same queries)."""
    import json

    import query as qbench

    if spec_path is not None and spec_path.exists():
        return json.loads(spec_path.read_text()), 0.0
    start = time.perf_counter()
    spec = qbench.pick_queries(index_dir)  # samples stored articles; the index is MAIN like a Whoosh default
    picked = time.perf_counter() - start
    if spec_path is not None:
        spec_path.write_text(json.dumps(spec, default=str))
    return spec, picked


def query_latency(index_dir: Path, rounds: int, kinds: list[str] | None, spec_path: Path | None) -> dict:
    import query as qbench

    spec, picked = pick(index_dir, spec_path)
    chosen = {k: v for k, v in spec["kinds"].items() if not kinds or k in kinds}
    engine = qbench._Ours(index_dir, spec)
    totals, _, times = qbench.time_kinds(engine, chosen, rounds)
    source = (f"read from {spec_path}" if not picked
              else f"picked in {picked:.1f} s from {spec['sampled']:,} stored articles")
    print(f"## Query latency, limit {qbench.LIMIT}, {rounds} rounds after a warm-up ({source}), ms\n")
    print("| kind | n | p50 | p95 | max | hits (min-max) |")
    print("|---|--:|--:|--:|--:|--:|")
    every = []
    for kind, values in times.items():
        every += values
        hits = totals[kind]
        print(f"| {qbench.LABELS[kind]} | {len(chosen[kind])} | {percentile(values, 0.5):.1f} "
              f"| {percentile(values, 0.95):.1f} | {max(values):.1f} | {min(hits):,}-{max(hits):,} |")
    print(f"| **all kinds** | {sum(len(v) for v in chosen.values())} | {percentile(every, 0.5):.1f} "
          f"| {percentile(every, 0.95):.1f} | {max(every):.1f} | |")
    print(f"\nRSS of this process after the queries: {_mem()}\n")
    print("Instances (median ms, hits):")
    for kind, queries in chosen.items():
        n = len(queries)
        per = [median(times[kind][i::n]) for i in range(n)]
        print(f"  {kind}: " + "; ".join(f"{q['ours']} {ms:.0f} ms {hits:,}"
                                        for q, ms, hits in zip(queries, per, totals[kind])))
    print()
    return spec


def end_to_end(index_dir: Path, words: dict, storage: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def timed(command: list[str]) -> float:
        runs = []
        for _ in range(E2E_RUNS):
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env)
            runs.append((time.perf_counter() - start) * 1000)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stderr[-2000:]}")
        return median(runs)

    print(f"## `searcher search WORD --index DIR --format json` as a new process, storage {storage}, "
          f"median of {E2E_RUNS} (ms)\n")
    print(f"  {'python -c pass (interpreter start, for scale)':52}{timed([sys.executable, '-c', 'pass']):8.0f}")
    for label in ("frequent", "medium", "rare"):
        word = words[label][0]
        if storage == "product":
            command = [sys.executable, "-m", "searcher"]
        else:
            command = [sys.executable, __file__, "--cli-storage", storage]
        ms = timed(command + ["search", word, "--index", str(index_dir), "--format", "json"])
        print(f"  {label + ' word ' + repr(word):52}{ms:8.0f}")
    print()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--cli-storage":  # the CLI, with another storage
        use_storage(sys.argv[2])
        from searcher.cli import main as cli_main

        sys.argv = ["searcher"] + sys.argv[3:]
        cli_main()
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kinds", help="comma-separated subset of term,and,phrase,near,field,daterange,facets,sorted")
    parser.add_argument("--no-e2e", action="store_true", help="skip the new-process CLI timing")
    parser.add_argument("--no-limits", action="store_true", help="skip the per-segment limit scan")
    parser.add_argument("--spec", type=Path, help="query instances: read from this JSON file when it exists, "
                        "else picked from INDEX and written there (run two indexes on the same queries)")
    parser.add_argument("--open-only", metavar="WORD", help=argparse.SUPPRESS)
    parser.add_argument("--storage", choices=STORAGES, default="product",
                        help="how to open the index: product (as searcher/engine/whoosh/store.py does), whoosh "
                             "(Whoosh's FileStorage), nommap (FileStorage without mmap), mapped (MappedStorage)")
    args = parser.parse_args()
    use_storage(args.storage)
    print(f"# {args.index} (storage: {args.storage})\n")
    index_dir = args.index.resolve()
    if args.open_only:
        open_cost(index_dir, args.open_only)
        return
    if not args.no_limits:
        segment_facts(index_dir)
    kinds = args.kinds.split(",") if args.kinds else None
    if args.rounds > 0:
        spec = query_latency(index_dir, args.rounds, kinds, args.spec)
    else:
        spec, _ = pick(index_dir, args.spec)
    # Opening costs, in a fresh process (this one already holds an open index).
    proc = subprocess.run([sys.executable, __file__, str(index_dir), "--open-only", spec["words"]["rare"][0],
                           "--storage", args.storage],
                          capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    print(proc.stdout + proc.stderr[-2000:])
    if not args.no_e2e:
        end_to_end(index_dir, spec["words"], args.storage)

if __name__ == "__main__":
    main()
