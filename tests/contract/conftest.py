"""Contract tests: the README's promises, checked against every backend.

One small invented news archive (``ARTICLES``) is built once per backend
named in ``searcher.engine.BACKENDS``, through the public API only; each
test compares the backend's answers with answers the model (model.py)
computes from the same Article objects.
"""
from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone

import pytest

from searcher import Archive, Article
from searcher.engine import BACKENDS, DEFAULT_BACKEND

from . import model

pytest.importorskip("nltk.stem.porter")  # the model's independent stemmer (test extra)

UTC = timezone.utc
# One article is dated two days before the session starts, for relative spans (--since 7d).
NOW = datetime.now(UTC)


def build_articles() -> list[Article]:
    """A dozen invented articles: near misses for every query form, partial
    dates, an undated article, a date whose zone moves it into another year,
    multi-valued names, accents, ids from a URL, a record id and the content."""
    return [
        Article(title="Cyprus gas pipeline review",
                body="The review of the subsea gas pipeline from Cyprus found the pipeline sound. "
                     "Engineers will inspect the pipeline again next spring.",
                authors=["Lena Hoffmann"], date=datetime(2021, 3, 4, 9, 30, tzinfo=UTC), sources=["Reuters"],
                tags=["Energy News"], url="https://contract.test/energy/cyprus-gas-pipeline-review",
                publisher="Example News"),
        Article(title="Mongolia coal exports climb",
                body="Coal exports from Mongolia rose again. A planned gas export pipeline through Mongolia "
                     "is still under study.",
                authors=["Bat Erdene", "Lena Hoffmann"], date=datetime(2021, 6, 30, 23, 0, tzinfo=UTC),
                sources=["Xinhua", "Reuters"], tags=["World News", "Energy News"],
                url="https://contract.test/world/mongolia-coal-exports", publisher="Example News Agency"),
        Article(title="Pipeline politics in the Caucasus",
                body="The pipeline still carries Azeri gas west. Critics say the route was chosen for politics, not cost.",
                authors=["Giorgi Beridze"], date=datetime(2019, 11, 2, 8, 0, tzinfo=UTC), sources=["BBC"],
                tags=["Politics News", "World News"], url="https://contract.test/politics/caucasus-pipeline",
                publisher="Southwire"),
        Article(title="Floods in Kazakhstan",
                body="Spring floods forced thousands from their homes in northern Kazakhstan.",
                date=datetime(2021, 1, 1, tzinfo=UTC), date_precision="year", sources=["Xinhua"],
                tags=["World News"], url="https://contract.test/world/kazakhstan-floods", publisher="Example News"),
        Article(title="Flood defences upgraded",
                body="The city finished its flood defences along the river before the autumn rains.",
                authors=["Ana Costa"], date=datetime(2022, 9, 1, tzinfo=UTC), date_precision="month",
                sources=["Reuters"], tags=["Environment"], url="https://contract.test/env/flood-defences",
                publisher="Example News"),
        Article(title="Gas prices rise for households",  # undated; its id is made from the content
                body="Households pay more for gas this winter, operators say pipeline maintenance costs rose "
                     "and blame the weather.",
                authors=["Lena Hoffmann"], tags=["Energy News"], publisher="Example News"),
        Article(title="Mongolian herders face a hard winter",
                body="Herders on the Mongolian steppe lost livestock to the dzud. Aid agencies in Mongolya, "
                     "as one report misspelt it, asked for help, and for gas by rail or pipeline.",
                authors=["Bat Erdene"], date=datetime(2024, 1, 1, 0, 0, tzinfo=UTC), sources=["Xinhua"],
                tags=["World News"], url="https://contract.test/world/mongolian-herders", publisher="Steppe Times"),
        Article(title="Gas and pipeline firms merge",  # 00:30 at +02:00 is 2023-12-31 in UTC
                body="Two gas and pipeline companies agreed to merge, creating the largest operator in the region.",
                authors=["Ana Costa"], date=datetime(2024, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),
                sources=["Bloomberg"], tags=["Business News"], url="https://contract.test/business/gas-merger",
                publisher="Example News"),
        Article(title="New pipelines for the north",
                body="Three new pipelines will carry gas north by 2026. The gas pipeline network doubles.",
                authors=["Lena Hoffmann"], date=datetime(2024, 5, 17, 12, 0, tzinfo=UTC), sources=["Reuters", "AP"],
                tags=["Energy News", "Politics News"], url="https://contract.test/energy/northern-pipelines",
                publisher="Example News"),
        Article(title="Bank of England holds rates",
                body="The Bank of England kept rates on hold. Economists at a bank in England expected the move.",
                authors=["Priya Shah"], date=datetime(2022, 11, 3, 12, 0, tzinfo=UTC), sources=["Reuters"],
                tags=["Business News"], url="https://contract.test/business/boe-rates", publisher="City Wire"),
        Article(title="Rates and the bank",
                body="A bank England watchers follow, the bank of the England team, cut rates.",
                authors=["Priya Shah", "José Álvarez"], date=datetime(2020, 2, 29, 18, 0, tzinfo=UTC),
                sources=["Bloomberg"], tags=["Business News"], url="https://contract.test/business/rates-bank",
                publisher="City Wire"),
        Article(title="Zürich court rules on pipeline permit",
                body="A court in Zürich ruled that the permit for the gas line was valid.",
                authors=["José Álvarez"], date=datetime(2020, 7, 14, 10, 0, tzinfo=UTC), sources=["SRF"],
                tags=["Law"], url="https://contract.test/law/zurich-permit", publisher="Alpine Daily"),
        Article(title="Pipeline, pipeline everywhere",
                body="Another pipeline was announced today.",
                date=NOW - timedelta(days=2), sources=["AP"], tags=["Energy News"],
                url="https://contract.test/energy/pipeline-everywhere", publisher="Example News"),
        Article(id="cy-mn-trade-2021", title="Cyprus and Mongolia sign trade deal",
                body="Officials from Cyprus and Mongolia signed an agreement on wine, cashmere and gas for a "
                     "pipeline study.",
                authors=["Eleni Georgiou"], date=datetime(2021, 11, 20, 15, 0, tzinfo=UTC), sources=["Kathimerini"],
                tags=["World News", "Business News"], publisher="Example News"),
    ]


def engine_options(name: str) -> dict:
    """``engine=name`` for Archive.create/open where they take it; before they
    did, only the default backend can be reached (others skip)."""
    takes = all("engine" in inspect.signature(method).parameters for method in (Archive.create, Archive.open))
    if takes:
        return {"engine": name}
    if name != DEFAULT_BACKEND:
        pytest.skip(f"Archive.create/open take no engine= yet: backend {name!r} cannot be chosen")
    return {}


@pytest.fixture(scope="session")
def articles() -> list[Article]:
    return build_articles()


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def archive(backend_name, articles, tmp_path_factory):
    """The fixture archive on one backend, built once and opened read-only."""
    path = tmp_path_factory.mktemp(f"contract-{backend_name}") / "index"
    options = engine_options(backend_name)
    with Archive.create(path, **options) as building:
        report = building.add(list(build_articles()), jobs=1)
        assert report.new == len(articles) and not report.skipped
    with Archive.open(path, **options) as opened:
        yield opened


@pytest.fixture(scope="session")
def by_id(articles) -> dict[str, Article]:
    assert len({a.id for a in articles}) == len(articles)
    return {a.id: a for a in articles}


@pytest.fixture(scope="session")
def expect(articles):
    """The ids of the fixture articles a model predicate accepts."""
    return lambda pred: model.matching(articles, pred)
