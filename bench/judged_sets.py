"""The judged collections bench/relevance.py scores on (issue 15).

- **TIME** (../shared/eval/time): 423 TIME articles of 1963, 42 queries
  written by people, judged by people (the development queries).
- **Reuters-21578 topics** (../shared/corpora/reuters21578), built here: no
  judged news collection ships its data inside a package on PyPI (the
  ir_datasets / pyserini kinds download at run time, which we do not
  allow), so the second collection is made from Reuters' topic labels, as
  text-categorisation work has long done. Documents: the articles our
  Reuters reader reads that carry at least one TOPICS label (the ones an
  indexer judged; 11k of the 21,578), title and body. Queries: one per
  topic with at least ``MIN_RELEVANT`` of those articles, written from the
  topic's name in Lewis' cat-descriptions_120396.txt ("Money/Foreign
  Exchange (MONEY-FX)" -> "money foreign exchange"); the commodity codes,
  listed there without a name, are spelled out as words (``SPELLED``).
  Relevant: the articles labelled with the topic (grade 1). The labels
  judge every document for every topic, so there are no unjudged
  documents; what they miss is an article about a topic its indexer did not
  label.

Each collection is (docs JSONL path, [(query id, text)], qrels).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TIME_DIR = SHARED / "eval" / "time"
REUTERS_DIR = SHARED / "corpora" / "reuters21578"
DOCS, QUERIES, QRELS = "time-docs.jsonl", "time-queries.tsv", "time-qrels.txt"
MIN_RELEVANT = 10

Qrels = dict[str, dict[str, int]]
Collection = tuple[Path, list[tuple[str, str]], Qrels]

# Commodity codes the descriptions list bare, as a reader would write them.
SPELLED = {
    "ALUM": "aluminium", "F-CATTLE": "feeder cattle", "L-CATTLE": "live cattle", "HOG": "hogs",
    "CITRUSPULP": "citrus pulp", "CORNGLUTENFEED": "corn gluten feed", "PALMKERNEL": "palm kernel",
    "CASTORSEED": "castor seed", "COTTONSEED": "cotton seed", "SUNSEED": "sunflower seed",
    "SUN-MEAL": "sunflower meal", "SUN-OIL": "sunflower oil", "LIN-MEAL": "linseed meal",
    "LIN-OIL": "linseed oil", "RAPE-MEAL": "rapeseed meal", "RAPE-OIL": "rapeseed oil",
    "SOY-MEAL": "soybean meal", "SOY-OIL": "soybean oil", "VEG-OIL": "vegetable oil",
    "MEAL-FEED": "meal feed", "IRON-STEEL": "iron steel", "STRATEGIC-METAL": "strategic metals",
    "PORK-BELLY": "pork bellies", "RED-BEAN": "red beans", "OAT": "oats", "POTATO": "potatoes",
}


def read_queries(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, text = line.split("\t", 1)
            rows.append((qid.strip(), text.strip()))
    return rows


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, _, doc, rel = line.split()
            qrels.setdefault(qid, {})[doc] = int(rel)
    return qrels


def time_collection(folder: Path = TIME_DIR) -> Collection:
    return folder / DOCS, read_queries(folder / QUERIES), read_qrels(folder / QRELS)


def topic_names(descriptions: Path) -> dict[str, str]:
    """Topic code -> query text, from the "Subject Codes" part of the descriptions."""
    text = descriptions.read_text(encoding="latin-1")
    subjects = text.split("****Subject Codes", 1)[1].split("@heading", 1)[0]
    names: dict[str, str] = {}
    for line in subjects.splitlines():
        line = line.strip()
        named = re.fullmatch(r"(.+?)\s*\(([A-Z0-9-]+)\)", line)
        if named and not line.startswith("**"):
            names[named.group(2).lower()] = named.group(1)
        elif re.fullmatch(r"[A-Z][A-Z0-9-]+", line):
            names[line.lower()] = SPELLED.get(line, line.replace("-", " "))
    return {code: " ".join(re.findall(r"[A-Za-z0-9]+", name)).lower() for code, name in names.items()}


def reuters_collection(work: Path, folder: Path = REUTERS_DIR) -> Collection:
    """Write the Reuters topic collection's documents to ``work`` (JSONL) and return it."""
    from searcher.article import Article
    from searcher.readers import reuters
    from searcher.readers.source import Source

    names = topic_names(folder / "cat-descriptions_120396.txt")
    docs = work / "reuters-topics.jsonl"
    labelled: dict[str, list[str]] = {}
    with docs.open("w", encoding="utf-8") as out:
        for path in sorted(folder.glob("reut2-*.sgm")):
            for record in reuters.read(Source.from_path(path)):
                topics = [t.split(":", 1)[1] for t in getattr(record, "tags", ()) if t.startswith("topic:")]
                if not isinstance(record, Article) or not topics or not (record.title or record.body):
                    continue
                out.write(json.dumps({"id": record.id, "title": record.title, "body": record.body}) + "\n")
                for topic in topics:
                    labelled.setdefault(topic, []).append(record.id)
    queries, qrels = [], {}
    for number, topic in enumerate(sorted(t for t in labelled if t in names and len(labelled[t]) >= MIN_RELEVANT), 1):
        qid = str(number)
        queries.append((qid, names[topic]))
        qrels[qid] = {doc: 1 for doc in labelled[topic]}
    return docs, queries, qrels
