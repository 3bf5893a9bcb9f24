"""The web interface's routes (searcher/web), through WSGI: every feature
of the page, the JSON API against the CLI's JSON, read-only behaviour and
escaping of hostile queries and hostile article text."""
from __future__ import annotations

import csv
import io
import json
import threading
import urllib.request
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from searcher import Archive, InvalidArgument
from searcher.cli import cli
from searcher.web.app import WebApp
from searcher.web.chart import MAX_BARS, Bar, bars
from searcher.web.server import make_app_server
from searcher.web.state import PAGE_SIZE, SearchState, state_from
from tests.webdata import (
    AUTHORS,
    HOSTILE_AUTHOR,
    HOSTILE_BODY,
    HOSTILE_PUBLISHER,
    HOSTILE_TAG,
    HOSTILE_TITLE,
    HOSTILE_URL,
    WORD,
    get,
    records,
    with_word,
    write,
)


@pytest.fixture(scope="module")
def index_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    write(folder / "src")
    with Archive.create(folder / "index") as archive:
        archive.add([folder / "src"])
    return folder / "index"


@pytest.fixture(scope="module")
def archive(index_path):
    with Archive.open(index_path) as opened:
        yield opened


@pytest.fixture(scope="module")
def app(archive):
    return WebApp(archive)


def _total(page) -> int:
    return int(page.doc.xpath('//*[@id="total"]/@data-total')[0])


def _facet_rows(page, name):
    rows = page.doc.xpath(f'//section[@data-facet="{name}"]//li')
    return {row.xpath("./a")[0].text_content(): (row.xpath("./a/@href")[0], int(row.xpath('./span[@class="n"]')[0].text.replace(",", "")))
            for row in rows if row.xpath('./span[@class="n"]')}


SVG = "{http://www.w3.org/2000/svg}"


def _chart(page):
    """The timeline's SVG, parsed as XML (which it must be)."""
    text = page.text
    start = text.index('<svg class="timeline"')
    return etree.fromstring(text[start:text.index("</svg>", start) + len("</svg>")])


def _hit_titles(page) -> list[str]:
    return [a.text_content() for a in page.doc.xpath('//ol[@id="hits"]//a[@class="title"]')]


# -- search, facets, drill-down ----------------------------------------------
def test_the_page_counts_every_match(app):
    page = get(app, f"/?q={WORD}")
    assert page.status == 200
    assert _total(page) == len(with_word(records()))
    assert len(_hit_titles(page)) == PAGE_SIZE


def test_facet_counts_are_those_of_the_records_and_a_click_drills_down(app):
    matching = with_word(records())
    page = get(app, f"/?q={WORD}")
    tags = _facet_rows(page, "tags")
    expected = Counter(tag for record in matching for tag in record.get("tags", []))
    assert {name: count for name, (_link, count) in tags.items()} == dict(expected.most_common(10))
    link, count = tags["Energy"]
    drilled = get(app, link)
    assert _total(drilled) == count == sum("Energy" in r.get("tags", []) for r in matching)
    chip = drilled.doc.xpath('//p[@id="filters"]/a')
    assert [a.text_content() for a in chip] == ["Tags: Energy \u00d7"]
    assert _total(get(app, chip[0].get("href"))) == len(matching)  # removing the filter


def test_two_values_of_one_facet_are_or_and_two_facets_and(app):
    matching = with_word(records())
    either = get(app, f"/?q={WORD}&tags=Energy&tags=Politics")
    assert _total(either) == sum(bool({"Energy", "Politics"} & set(r.get("tags", []))) for r in matching)
    both = get(app, f"/?q={WORD}&tags=Energy&sources=AP")
    assert _total(both) == sum("Energy" in r.get("tags", []) and "AP" in r.get("sources", []) for r in matching)


def test_an_empty_query_lists_the_whole_archive_newest_first(app, archive):
    page = get(app, "/")
    assert _total(page) == len(records())
    dates = [t.text for t in page.doc.xpath('//ol[@id="hits"]//time')]
    newest = archive.search("", sort="-date", limit=1).hits[0]
    assert _hit_titles(page)[0] == newest.title and dates


def test_authors_facet_and_the_all_values_page(app):
    page = get(app, "/")
    authors = _facet_rows(page, "authors")
    expected = Counter(r["author"] for r in records() if r.get("author"))
    assert {name: count for name, (_l, count) in authors.items()} == dict(expected)
    more = page.doc.xpath('//section[@data-facet="tags"]//a[@class="more"]/@href')
    if more:
        whole = get(app, more[0])
        assert whole.status == 200
        listed = len(whole.doc.xpath("//table//tbody/tr"))
        assert listed == len({t for r in records() for t in r.get("tags", [])})


def test_sort_by_date_orders_the_hits(app, archive):
    oldest = get(app, f"/?q={WORD}&sort=date")
    expected = [hit.title for hit in archive.search(WORD, sort="date", limit=PAGE_SIZE).hits]
    assert _hit_titles(oldest) == expected
    assert oldest.doc.xpath('//select[@name="sort"]/option[@selected]/@value') == ["date"]


def test_paging_walks_every_hit_once(app, archive):
    first = get(app, f"/?q={WORD}&sort=date")
    next_link = first.doc.xpath('//a[@id="next"]/@href')[0]
    second = get(app, next_link)
    assert second.doc.xpath('//span[@id="range"]')[0].text_content() == f"{PAGE_SIZE + 1}\u2013{len(with_word(records()))}"
    everything = [hit.title for hit in archive.search(WORD, sort="date", limit=100).hits]
    assert _hit_titles(first) + _hit_titles(second) == everything
    assert "next" not in {a.get("id") for a in second.doc.xpath("//nav//a")}


def test_snippets_mark_the_matched_word(app):
    page = get(app, f"/?q={WORD}")
    marks = page.doc.xpath('//p[@class="snippet"]/mark')
    assert marks and {m.text.lower() for m in marks} == {WORD}


def test_did_you_mean_links_to_the_corrected_query(app):
    page = get(app, "/?q=zebrafsh")
    link = page.doc.xpath('//p[@id="did-you-mean"]/a')
    assert link and link[0].text == WORD
    assert _total(get(app, link[0].get("href"))) == len(with_word(records()))


def test_a_malformed_query_is_shown_with_its_position(app):
    page = get(app, "/?q=" + "%28pipeline+AND")  # "(pipeline AND"
    assert page.status == 400
    error = page.doc.xpath('//div[@id="syntax-error"]')[0]
    assert "position" in error.text_content()
    assert error.xpath(".//pre")[0].text_content().rstrip() == "(pipeline AND"


def test_a_bad_parameter_is_a_message_not_a_crash(app):
    for url, words in (("/?q=x&sort=bogus", "sort must be"), ("/?page=0", "page must be"),
                       ("/api/search?limit=99999", "limit must be"), ("/facet?name=nope", "unknown facet")):
        page = get(app, url)
        assert page.status == 400, url
        assert words in page.text, url


# -- timeline -------------------------------------------------------------------
def test_the_chart_counts_the_matches_and_a_bar_narrows_the_dates(app):
    page = get(app, f"/?q={WORD}")
    chart_bars = _chart(page).findall(f"{SVG}a")
    counts = {bar.get("data-period"): int(bar.get("data-count")) for bar in chart_bars}
    years = Counter(r["date"][:4] for r in with_word(records()))
    # 12 years of months are charted by year; every year in the span is a bar, zeros included.
    assert {p: c for p, c in counts.items() if c} == dict(years)
    assert sorted(counts) == [str(y) for y in range(int(min(years)), int(max(years)) + 1)]
    busiest = max(counts, key=lambda p: counts[p])
    bar = next(b for b in chart_bars if b.get("data-period") == busiest)
    narrowed = get(app, bar.get("href"))
    assert _total(narrowed) == counts[busiest]
    chips = [a.text_content() for a in narrowed.doc.xpath('//p[@id="filters"]/a')]
    assert chips == [f"Since: {busiest} \u00d7", f"Until: {busiest} \u00d7"]


def test_a_narrow_span_is_charted_by_day():
    state = state_from({"since": ["2021-03"], "until": ["2021-04"]})
    assert state.timeline_by() == "day"
    assert state_from({"since": ["2021"], "until": ["2021"]}).timeline_by() == "month"
    assert state_from({"by": ["week"]}).timeline_by() == "week"


def test_too_many_bars_are_summed_into_coarser_periods():
    days = [(f"2020-{m:02d}-{d:02d}", 1) for m in range(1, 13) for d in range(1, 29)]
    months = bars(days)
    assert len(months) == 12 and months[0] == Bar("2020-01", 28)
    many_months = [(f"{y}-{m:02d}", y - 1900) for y in range(1900, 1920) for m in range(1, 13)]
    years = bars(many_months)
    assert len(years) <= MAX_BARS and years[1] == Bar("1901", 12)
    assert Bar("2021-W09", 3).dates == ("2021-03-01", "2021-03-07")


# -- the article view -----------------------------------------------------------
def test_the_article_page_shows_the_whole_article_and_similar_ones(app, archive):
    record = records()[4]
    page = get(app, f"/?q={WORD}")
    link = next(a.get("href") for a in page.doc.xpath('//a[@class="title"]') if a.text_content() == record["title"])
    article = get(app, link)
    assert article.doc.xpath('//h1[@id="article-title"]')[0].text == record["title"]
    body = [p.text for p in article.doc.xpath('//div[@id="article-body"]/p')]
    assert body == record["body"].split("\n\n")
    fields = dict(zip([dt.text for dt in article.doc.xpath("//dl/dt")],
                      [dd.text_content() for dd in article.doc.xpath("//dl/dd")]))
    assert fields["Authors"] == record["author"] and fields["URL"] == record["url"]
    similar = [a.text_content() for a in article.doc.xpath('//section[@id="similar"]//a')]
    assert similar == [hit.title for hit in archive.similar(record["url"], limit=10)]
    back = article.doc.xpath('//a[@id="back"]/@href')[0]
    assert parse_qs(urlsplit(back).query) == {"q": [WORD]}


def test_the_article_page_lists_its_copies(app):
    page = get(app, "/article?id=https://copies.test/0")
    copies = page.doc.xpath('//section[@id="copies"]//a')
    assert [a.text_content() for a in copies] == ["Syndicated story in Daily Two"]


def test_an_unknown_article_is_a_404_page(app):
    page = get(app, "/article?id=nope")
    assert page.status == 404
    assert page.doc.xpath('//p[@id="error"]')[0].text == "no article with id 'nope'"


# -- exports and the JSON API ---------------------------------------------------
def test_the_csv_export_is_the_whole_result_set(app, archive):
    page = get(app, f"/?q={WORD}&sort=date")
    export = get(app, page.doc.xpath('//a[@id="export-csv"]/@href')[0])
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text)))
    expected = archive.search(WORD, sort="date", limit=100, snippets=False).hits
    assert len(rows) == len(with_word(records())) > PAGE_SIZE
    assert [row["id"] for row in rows] == [hit.id for hit in expected]
    assert [row["rank"] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]


def test_json_and_json_lines_exports_agree(app):
    whole = get(app, f"/export.json?q={WORD}").json()
    lines = [json.loads(line) for line in get(app, f"/export.jsonl?q={WORD}").text.splitlines()]
    assert whole == lines and len(whole) == len(with_word(records()))


def test_an_export_of_a_malformed_query_is_a_json_error(app):
    page = get(app, "/export.csv?q=%28oops")
    assert page.status == 400 and "error" in page.json()


def _cli_json(index_path, *args):
    result = CliRunner().invoke(cli, [*args, "--index", str(index_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_api_answers_with_the_clis_json(app, index_path):
    assert get(app, f"/api/search?q={WORD}&sort=date&limit=5&facet=tags").json() == \
        _cli_json(index_path, "search", WORD, "--sort", "date", "--limit", "5", "--facet", "tags")
    assert get(app, f"/api/timeline?q={WORD}&by=year").json() == \
        _cli_json(index_path, "timeline", WORD, "--by", "year")
    assert get(app, f"/api/facets?facet=authors&q={WORD}").json() == \
        _cli_json(index_path, "facets", "authors", WORD)
    assert get(app, "/api/similar?id=https://news.test/4").json() == \
        _cli_json(index_path, "similar", "https://news.test/4")
    assert get(app, "/api/copies?id=https://copies.test/0").json() == \
        _cli_json(index_path, "duplicates", "https://copies.test/0")
    show = CliRunner().invoke(cli, ["show", "https://news.test/4", "--index", str(index_path), "--format", "json"])
    assert get(app, "/api/article?id=https://news.test/4").json() == json.loads(show.output)
    stats = get(app, "/api/stats").json()
    assert stats["articles"] == len(records())


def test_api_errors_are_json(app):
    page = get(app, "/api/search?q=%22unclosed")
    assert page.status == 400
    assert page.headers["Content-Type"].startswith("application/json") and page.json()["status"] == 400
    assert get(app, "/api/article?id=nope").status == 404


# -- read-only, static files ---------------------------------------------------
def test_only_get_and_head_are_answered(app):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        page = get(app, "/?q=x", method=method)
        assert page.status == 405 and page.headers["Allow"] == "GET, HEAD"
    head = get(app, f"/?q={WORD}", method="HEAD")
    assert head.status == 200 and head.body == b""


def test_static_files_are_the_packages_own(app):
    page = get(app, "/static/style.css")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/css")
    for name in ("../app.py", "..%2Fapp.py", "/etc/passwd", ".hidden", "nope.css", "../templates/base.html"):
        assert get(app, "/static/" + name).status == 404, name
    assert get(app, "/etc/passwd").status == 404


def test_every_page_forbids_inline_scripts(app):
    for url in ("/", f"/?q={WORD}", "/article?id=https://news.test/4", "/nope", "/api/stats"):
        policy = get(app, url).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy


# -- escaping -------------------------------------------------------------------
HOSTILE_QUERIES = ['"><script>alert(1)</script>', "<img src=x onerror=alert(1)>", "' onmouseover='alert(1)",
                   'title:"</title><script>x</script>"', "(<b>", "javascript:alert(1)", "tags:<u>x</u>"]


def _not_injected(page) -> None:
    """Nothing from a query or an article became markup: no script but our
    file, no element or handler attribute the page does not write itself."""
    doc = page.doc
    assert [s.get("src") for s in doc.xpath("//script")] == ["/static/app.js"]
    assert not doc.xpath("//img | //b | //u | //i | //svg//*[@onload]")
    assert not doc.xpath("//@*[starts-with(name(), 'on')]")
    assert len(doc.xpath("//head/title")) == 1 and not doc.xpath("//body//title[not(ancestor::svg)]")
    for href in doc.xpath("//@href"):
        assert not href.strip().lower().startswith(("javascript:", "data:")), href


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_are_escaped(app, query):
    from urllib.parse import urlencode

    for path in ("/", "/facet", f"/article?id={WORD}&"):
        page = get(app, path + ("" if path.endswith("&") else "?") + urlencode({"q": query, "name": "tags"}))
        assert page.status in (200, 400, 404)
        _not_injected(page)
        assert page.doc.xpath('//input[@id="q"]/@value') == [query]  # shown back as typed, as text
    api = get(app, "/api/search?" + urlencode({"q": query}))
    assert api.status in (200, 400) and api.headers["Content-Type"].startswith("application/json")


def test_hostile_article_text_is_escaped_everywhere(app):
    pages = [get(app, "/?q=hostile"), get(app, "/?q=zebrafish&sort=-date"), get(app, "/"),
             get(app, f"/article?id={HOSTILE_URL}"), get(app, "/facet?name=tags"), get(app, "/facet?name=publisher"),
             get(app, "/facet?name=authors"), get(app, "/facet?name=sources")]
    for page in pages:
        assert page.status == 200
        for value in (HOSTILE_TITLE, HOSTILE_BODY, HOSTILE_AUTHOR, HOSTILE_TAG, HOSTILE_PUBLISHER, "<u>src</u>"):
            assert value not in page.text
        _not_injected(page)
    article = pages[3]
    assert article.doc.xpath('//h1[@id="article-title"]')[0].text == HOSTILE_TITLE  # shown, as text
    assert HOSTILE_URL in article.doc.xpath("//dl")[0].text_content()  # the URL shown, not linked
    shown = {a.text_content() for a in pages[2].doc.xpath('//section[@data-facet="tags"]//a')}
    assert HOSTILE_TAG in shown


def test_hostile_values_survive_as_filters(app):
    page = get(app, "/")
    link, count = _facet_rows(page, "tags")[HOSTILE_TAG]
    assert _total(get(app, link)) == count == 1


# -- state in the URL -----------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(q=st.text(max_size=30), sort=st.sampled_from(["", "date", "-date", "relevance"]),
       match=st.sampled_from(["all", "any"]), page=st.integers(1, 500),
       tags=st.lists(st.text(min_size=1, max_size=8).filter(str.strip), max_size=3, unique=True),
       since=st.sampled_from(["", "2019", "2019-03-04"]), plain=st.booleans(),
       by=st.sampled_from(["auto", "year", "day"]))
def test_a_state_survives_its_url(q, sort, match, page, tags, since, plain, by):
    tags = [t for t in tags if t == t.strip()]
    state = SearchState(q=q, sort=sort, match=match, page=page, since=since, plain=plain, by=by,
                        filters=(("tags", tuple(tags)),) if tags else ())
    assert state_from(parse_qs(urlsplit(state.url()).query, keep_blank_values=True)) == state


# -- the server -----------------------------------------------------------------
def test_the_server_answers_on_loopback(archive):
    server = make_app_server(archive, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(f"{base}/?q={WORD}", timeout=10) as response:
            assert response.status == 200 and WORD in response.read().decode()
        with pytest.raises(InvalidArgument, match="cannot listen on 127.0.0.1"):
            make_app_server(archive, "127.0.0.1", server.server_port)
    finally:
        server.shutdown()
        server.server_close()


def test_serve_on_a_busy_port_is_one_line(index_path, archive):
    server = make_app_server(archive, "127.0.0.1", 0)
    try:
        result = CliRunner().invoke(cli, ["serve", "--index", str(index_path), "--port", str(server.server_port)])
    finally:
        server.server_close()
    assert result.exit_code == InvalidArgument.exit_code
    assert result.output.count("\n") == 1 and "cannot listen on" in result.output


def test_every_author_is_listed_once(app):
    page = get(app, "/?q=report")
    assert set(_facet_rows(page, "authors")) <= set(AUTHORS)


def test_the_date_boxes_narrow_the_search(app):
    matching = with_word(records())
    page = get(app, f"/?q={WORD}&since=2015&until=2016-06")
    assert _total(page) == sum("2015-01-01" <= r["date"][:10] <= "2016-06-30" for r in matching)
    assert page.doc.xpath('//input[@id="since"]/@value') == ["2015"]
    assert page.doc.xpath('//input[@id="until"]/@value') == ["2016-06"]
    bad = get(app, f"/?q={WORD}&since=someday")
    assert bad.status == 400 and "cannot read date 'someday'" in bad.doc.xpath('//p[@id="error"]')[0].text


def test_ctrl_c_stops_the_server_in_one_line(index_path):
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "searcher", "serve", "--index", str(index_path), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        first = process.stderr.readline()
        url = first.split(" at ", 1)[1].split(" ", 1)[0]
        deadline = time.monotonic() + 20
        while True:  # the line is said once the socket listens
            try:
                with urllib.request.urlopen(url + "api/stats", timeout=5) as response:
                    assert json.load(response)["articles"] == len(records())
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _out, rest = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0
    assert first.startswith("Serving the archive at http://127.0.0.1:")
    assert rest.splitlines() == ['127.0.0.1 "GET /api/stats HTTP/1.1" 200 ' + rest.split(" 200 ")[1].split()[0], "Stopped."]


def test_pages_answered_on_many_threads_are_those_of_one(app):
    from concurrent.futures import ThreadPoolExecutor

    urls = [f"/?q={WORD}", f"/?q={WORD}&sort=date&page=2", "/?tags=Energy", "/article?id=https://news.test/4",
            "/api/timeline?by=year", "/facet?name=authors", f"/export.csv?q={WORD}", "/api/stats"] * 10
    alone = [get(app, url).body for url in urls]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda url: get(app, url).body, urls))
    assert together == alone
