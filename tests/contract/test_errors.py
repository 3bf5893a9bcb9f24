"""Errors are the library's own: QuerySyntaxError with the position of the
problem, InvalidArgument for an option value the library does not know,
ArticleNotFound for an id the archive does not hold."""
from __future__ import annotations

import pytest

from searcher import ArticleNotFound, InvalidArgument, QuerySyntaxError, SearcherError

# Malformed query -> the text at the problem's position (its first occurrence).
MALFORMED = [
    ('gas "pipeline', '"'),                 # unclosed quote
    ("(gas OR pipeline", "("),              # missing closing parenthesis
    ("gas pipeline)", ")"),                 # unexpected ')'
    ("gas OR", "OR"),                       # nothing after OR
    ("gas AND", "AND"),
    ("gas NOT", "NOT"),
    ("OR gas", "OR"),                       # nothing before OR
    ("pipeline ()", "("),                   # empty group
    ("colour:red gas", "colour"),           # unknown field
    ("gas NEAR/x pipeline", "NEAR/x"),      # bad distance
    ("gas NEAR/3 (a OR b)", "NEAR/3"),      # NEAR takes words or phrases
    ("title:gas NEAR/3 body:pipeline", "NEAR/3"),  # both sides one field
    ("date:2021-13", "2021-13"),            # no such month
    ("gas date:[2021 TO", "["),             # unclosed range
    ("date:[2022 TO 2021]", "["),           # a range that ends before it starts
    ("gas^0", "^"),                         # boost must be positive
    ('"gas pipeline"~x', "~"),              # bad slop
    ("mongolya~9", "~"),                    # fuzzy distance out of range
    ("gas title:", "title:"),               # a field with no value
    ("atleast0(pipeline)", "atleast0"),
    ("atleast3(gas pipeline)", "atleast3"),  # one word only
    ('pipeline ""', '""'),                  # empty quotes
    ("tag:[a TO b]", "["),                  # ranges only for dates
]


@pytest.mark.parametrize("query, at", MALFORMED)
def test_a_malformed_query_names_its_position(archive, query, at):
    with pytest.raises(QuerySyntaxError) as caught:
        archive.search(query)
    position = query.index(at)
    assert caught.value.position == position
    assert f"at position {position + 1}" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("call", ["facet", "timeline"])
def test_facets_and_timelines_read_the_same_language(archive, call):
    with pytest.raises(QuerySyntaxError) as caught:
        archive.facet("tags", '(gas "pipe') if call == "facet" else archive.timeline('(gas "pipe')
    assert caught.value.position == 5


@pytest.mark.parametrize("options", [{"since": "someday"}, {"until": "the end"}, {"since": "2022", "until": "2021"}])
def test_an_unreadable_or_empty_date_span_is_a_syntax_error(archive, options):
    with pytest.raises(QuerySyntaxError):
        archive.search("pipeline", **options)
    with pytest.raises(QuerySyntaxError):
        archive.timeline("pipeline", **options)


@pytest.mark.parametrize("call", [
    lambda a: a.search("pipeline", sort="title"),
    lambda a: a.search("pipeline", sort="-relevance"),
    lambda a: a.search("pipeline", match="some"),
    lambda a: a.search("pipeline", facets=["colour"]),
    lambda a: a.search("pipeline", facets=["tag"]),       # a filter key, not a facet name
    lambda a: a.search("pipeline", filters={"colour": "red"}),
    lambda a: a.facet("colour"),
    lambda a: a.facet("colour", "pipeline", filters={"tag": "Law"}),
    lambda a: a.facet("tags", filters={"colour": "red"}),
    lambda a: a.timeline("pipeline", by="decade"),
    lambda a: a.timeline("pipeline", match="some"),
    lambda a: a.timeline("pipeline", filters={"colour": "red"}),
], ids=["sort", "sort-", "match", "facet", "facet-key", "filter", "facet()", "facet()-query", "facet()-filter",
        "timeline-by", "timeline-match", "timeline-filter"])
def test_an_unknown_option_value_is_an_invalid_argument(archive, call):
    with pytest.raises(InvalidArgument) as caught:
        call(archive)
    assert isinstance(caught.value, (SearcherError, ValueError)) and "\n" not in str(caught.value)


@pytest.mark.parametrize("article_id", ["https://contract.test/nowhere", "", "cy-mn-trade-2021 "])
def test_an_unknown_id_is_article_not_found(archive, article_id):
    with pytest.raises(ArticleNotFound):
        archive.get(article_id)
    with pytest.raises(ArticleNotFound):
        archive.similar(article_id)
