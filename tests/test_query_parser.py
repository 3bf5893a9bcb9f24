"""The query-language parser: text in, engine-neutral tree out."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.errors import QuerySyntaxError
from searcher.query.parser import NEAR_DEFAULT_DISTANCE, parse
from searcher.query.tree import (
    FIELDS,
    And,
    AtLeast,
    DateRange,
    Fuzzy,
    MatchAll,
    Near,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)

T = Term


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def err(query: str, default_operator: str = "and") -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query, default_operator)
    assert info.value.query == query
    return info.value


# ---- words and operators -------------------------------------------------

@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_empty_query_matches_all(query):
    assert parse(query) == MatchAll()


def test_bare_words_are_anded():
    assert parse("putin xi") == And((T("putin"), T("xi")))
    assert parse("putin") == T("putin")


def test_words_keep_their_text():
    assert parse("COVID-19 U.S. O'Brien AT&T TCP/IP Gazprom") == And((
        T("COVID-19"), T("U.S."), T("O'Brien"), T("AT&T"), T("TCP/IP"), T("Gazprom")))


def test_colon_in_a_non_field_word_is_kept():
    assert parse("10:30") == T("10:30")
    assert parse("http://example.com/a") == T("http://example.com/a")


def test_default_operator_or():
    assert parse("putin xi", "or") == Or((T("putin"), T("xi")))
    assert parse("putin xi", "OR") == Or((T("putin"), T("xi")))


def test_bad_default_operator():
    with pytest.raises(ValueError):
        parse("a", "xor")


def test_explicit_operators():
    assert parse("a AND b") == And((T("a"), T("b")))
    assert parse("a OR b") == Or((T("a"), T("b")))
    assert parse("a AND b", "or") == And((T("a"), T("b")))
    assert parse("a OR b", "or") == Or((T("a"), T("b")))


def test_lowercase_operators_are_words():
    assert parse("a and b or not c") == And(tuple(T(w) for w in "a and b or not c".split()))
    assert parse("a near/3 b pre c") == And(tuple(T(w) for w in "a near/3 b pre c".split()))


def test_or_binds_loosest():
    assert parse("a b OR c") == Or((And((T("a"), T("b"))), T("c")))
    assert parse("a OR b c") == Or((T("a"), And((T("b"), T("c")))))
    assert parse("a AND b OR c AND d") == Or((And((T("a"), T("b"))), And((T("c"), T("d")))))


def test_or_mode_juxtaposition_is_or_level():
    assert parse("a b AND c", "or") == Or((T("a"), And((T("b"), T("c")))))
    assert parse("a b OR c", "or") == Or((T("a"), T("b"), T("c")))


def test_not_binds_tighter_than_and():
    assert parse("a NOT b") == And((T("a"), Not(T("b"))))
    assert parse("a AND NOT b") == And((T("a"), Not(T("b"))))
    assert parse("NOT a b") == And((Not(T("a")), T("b")))


def test_minus_and_plus():
    assert parse("a -b") == And((T("a"), Not(T("b"))))
    assert parse("+a +b") == And((T("a"), T("b")))
    assert parse('-"gas pipeline" x') == And((Not(Phrase(("gas", "pipeline"))), T("x")))
    assert parse("a -(b OR c)") == And((T("a"), Not(Or((T("b"), T("c"))))))
    assert parse("-title:x y") == And((Not(T("x", "title")), T("y")))


def test_lone_sign_and_inner_hyphen_are_words():
    assert parse("a - b") == And((T("a"), T("-"), T("b")))
    assert parse("x-ray") == T("x-ray")


def test_signed_operator_word_is_a_word():
    assert parse("a -AND") == And((T("a"), Not(T("AND"))))
    assert parse("+OR") == T("OR")


def test_only_negations_subtract_from_everything():
    assert parse("NOT b") == And((MatchAll(), Not(T("b"))))
    assert parse("-a -b") == And((MatchAll(), Not(T("a")), Not(T("b"))))
    assert parse("-b", "or") == And((MatchAll(), Not(T("b"))))


def test_negation_inside_or_is_anchored():
    assert parse("a OR NOT b") == Or((T("a"), And((MatchAll(), Not(T("b"))))))


def test_double_negation_cancels():
    assert parse("NOT NOT a") == T("a")
    assert parse("a --b") == And((T("a"), T("b")))


def test_or_mode_negation_excludes_from_whole_group():
    expected = And((Or((T("a"), T("b"))), Not(T("c"))))
    assert parse("a b -c", "or") == expected
    assert parse("a -c b", "or") == expected
    assert parse("-c a b", "or") == expected
    assert parse("a OR b NOT c", "or") == expected
    assert parse("a NOT b", "or") == And((T("a"), Not(T("b"))))


def test_or_mode_explicit_or_keeps_negation_an_alternative():
    assert parse("NOT a OR b", "or") == Or((And((MatchAll(), Not(T("a")))), T("b")))


def test_parentheses_group():
    assert parse("(a OR b) c") == And((Or((T("a"), T("b"))), T("c")))
    assert parse("a (b OR (c d))") == And((T("a"), Or((T("b"), And((T("c"), T("d")))))))


def test_trees_are_minimal():
    assert parse("((a))") == T("a")
    assert parse("a (b c) AND (d e)") == And(tuple(T(w) for w in "abcde"))
    assert parse("a OR (b OR (c OR d))") == Or(tuple(T(w) for w in "abcd"))
    assert parse("(a)") == T("a")


# ---- phrases ---------------------------------------------------------------

def test_phrase():
    assert parse('"gas pipeline"') == Phrase(("gas", "pipeline"))
    assert parse('"  gas \t pipeline "') == Phrase(("gas", "pipeline"))


def test_phrase_slop_and_boost():
    assert parse('"gas pipeline"~3') == Phrase(("gas", "pipeline"), slop=3)
    assert parse('"gas pipeline"^1.5') == Phrase(("gas", "pipeline"), boost=1.5)
    assert parse('"gas pipeline"~2^3') == Phrase(("gas", "pipeline"), slop=2, boost=3.0)


def test_one_word_phrase_is_a_literal_term():
    assert parse('"pipeline"') == T("pipeline")
    assert parse('"gr?y"') == T("gr?y")
    assert parse('"AND"') == T("AND")
    assert parse('"pipeline"^2') == T("pipeline", boost=2.0)


def test_phrase_next_to_words():
    assert parse('a"b c"d') == And((T("a"), Phrase(("b", "c")), T("d")))


# ---- fields ----------------------------------------------------------------

@pytest.mark.parametrize("field", [f for f in FIELDS if f not in ("date", "url", "id")])
def test_every_field(field):
    assert parse(f"{field}:x") == T("x", field)


@pytest.mark.parametrize("alias, field", [
    ("authors", "author"), ("sources", "source"), ("tags", "tag"), ("headline", "title"),
    ("text", "body"), ("language", "lang"), ("TITLE", "title"), ("Headline", "title"),
])
def test_field_aliases_and_case(alias, field):
    assert parse(f"{alias}:x") == T("x", field)


def test_field_on_phrase_and_group():
    assert parse('title:"gas pipeline"') == Phrase(("gas", "pipeline"), "title")
    assert parse("title:(putin OR xi)") == Or((T("putin", "title"), T("xi", "title")))
    assert parse("title:(a body:b)") == And((T("a", "title"), T("b", "body")))


def test_field_applies_to_one_clause_only():
    assert parse("title:a b") == And((T("a", "title"), T("b")))


def test_field_value_after_space():
    assert parse("title: pipeline") == T("pipeline", "title")
    assert parse('title: "gas pipeline"') == Phrase(("gas", "pipeline"), "title")


def test_field_on_wildcard_fuzzy_boost():
    assert parse("title:pipel*") == Prefix("pipel", "title")
    assert parse("author:khurelsuk~2") == Fuzzy("khurelsuk", 2, "author")
    assert parse("title:pipeline^2") == T("pipeline", "title", 2.0)


def test_url_and_id_values_are_literal():
    assert parse("url:https://example.com/a?b=1&c=*") == T("https://example.com/a?b=1&c=*", "url")
    assert parse("id:abc:123^2") == T("abc:123^2", "id")
    assert parse('url:"https://x.com/a (b)"') == T("https://x.com/a (b)", "url")
    assert parse("url:(a OR b)") == Or((T("a", "url"), T("b", "url")))


def test_non_letter_prefix_is_not_a_field():
    assert parse("x1:y") == T("x1:y")
    assert parse(":y") == T(":y")


def test_other_colons_stay_in_value():
    assert parse("title:10:30") == T("10:30", "title")


# ---- boosts ----------------------------------------------------------------

def test_boosts():
    assert parse("pipeline^2") == T("pipeline", boost=2.0)
    assert parse("pipeline^.5") == T("pipeline", boost=0.5)
    assert parse("(a OR b)^2") == Or((T("a", boost=2.0), T("b", boost=2.0)))


def test_group_boost_multiplies():
    assert parse("(a^3 (b)^2)^2") == And((T("a", boost=6.0), T("b", boost=4.0)))
    assert parse("(x NEAR y)^2") == Near(T("x", boost=2.0), T("y", boost=2.0), 5)
    assert parse("(date:2022)^2") == DateRange(utc(2022, 1, 1), utc(2023, 1, 1))


# ---- wildcards and fuzzy ---------------------------------------------------

def test_wildcards():
    assert parse("pipel*") == Prefix("pipel")
    assert parse("gr?y") == Wildcard("gr?y")
    assert parse("*stan") == Wildcard("*stan")
    assert parse("p*l*e") == Wildcard("p*l*e")
    assert parse("pipel?*") == Wildcard("pipel?*")
    assert parse("pipel*^2") == Prefix("pipel", boost=2.0)


def test_star_alone_matches_all():
    assert parse("*") == MatchAll()
    assert parse("* a") == T("a")
    assert parse("a OR *") == MatchAll()


def test_fuzzy():
    assert parse("khurelsuk~") == Fuzzy("khurelsuk", 1)
    assert parse("khurelsuk~2") == Fuzzy("khurelsuk", 2)
    assert parse("khurelsuk~0") == Fuzzy("khurelsuk", 0)
    assert parse("khurelsuk~3^2") == Fuzzy("khurelsuk", 3, boost=2.0)


# ---- proximity -------------------------------------------------------------

def test_near_and_pre():
    assert parse("xi NEAR/5 putin") == Near(T("xi"), T("putin"), 5, ordered=False)
    assert parse("xi PRE/5 putin") == Near(T("xi"), T("putin"), 5, ordered=True)
    assert parse("xi NEAR/0 putin") == Near(T("xi"), T("putin"), 0)


def test_near_default_distance():
    assert NEAR_DEFAULT_DISTANCE == 5
    assert parse("xi NEAR putin") == Near(T("xi"), T("putin"), 5)
    assert parse("xi PRE putin") == Near(T("xi"), T("putin"), 5, ordered=True)


def test_near_operands_phrases_and_fields():
    assert parse('"gas pipeline" NEAR/3 gazprom') == Near(Phrase(("gas", "pipeline")),
                                                          T("gazprom"), 3)
    assert parse("title:xi NEAR/3 title:putin") == Near(T("xi", "title"), T("putin", "title"), 3)
    assert parse("title:(xi NEAR/3 putin)") == Near(T("xi", "title"), T("putin", "title"), 3)


def test_near_binds_tighter_than_and_or_not():
    near = Near(T("b"), T("c"), 2)
    assert parse("a b NEAR/2 c") == And((T("a"), near))
    assert parse("a OR b NEAR/2 c") == Or((T("a"), near))
    assert parse("a NOT b NEAR/2 c") == And((T("a"), Not(near)))


def test_near_chain_is_and_of_pairs():
    assert parse("a NEAR/3 b PRE/2 c") == And((Near(T("a"), T("b"), 3),
                                               Near(T("b"), T("c"), 2, ordered=True)))


# ---- atleast ---------------------------------------------------------------

def test_atleast():
    assert parse("atleast3(pipeline)") == AtLeast(3, T("pipeline"))
    assert parse("ATLEAST3(pipeline)") == AtLeast(3, T("pipeline"))
    assert parse("atleast3(title:pipeline)") == AtLeast(3, T("pipeline", "title"))
    assert parse("title:atleast3(pipeline)") == AtLeast(3, T("pipeline", "title"))
    assert parse('atleast1000("pipeline")^2') == AtLeast(1000, T("pipeline", boost=2.0))
    assert parse("gas atleast2(pipeline)") == And((T("gas"), AtLeast(2, T("pipeline"))))


def test_atleast_without_group_is_a_word():
    assert parse("atleast3") == T("atleast3")


# ---- dates -----------------------------------------------------------------

@pytest.mark.parametrize("query, start, end", [
    ("date:2022", utc(2022, 1, 1), utc(2023, 1, 1)),
    ("date:2022-09", utc(2022, 9, 1), utc(2022, 10, 1)),
    ("date:2022-12", utc(2022, 12, 1), utc(2023, 1, 1)),
    ("date:2022-9", utc(2022, 9, 1), utc(2022, 10, 1)),
    ("date:2022-09-16", utc(2022, 9, 16), utc(2022, 9, 17)),
    ("date:2022-12-31", utc(2022, 12, 31), utc(2023, 1, 1)),
    ("date:[2022-09-01 TO 2022-09-30]", utc(2022, 9, 1), utc(2022, 10, 1)),
    ("date:[2022 TO 2023]", utc(2022, 1, 1), utc(2024, 1, 1)),
    ("date:{2022 TO 2025}", utc(2023, 1, 1), utc(2025, 1, 1)),
    ("date:[2022-09 TO 2022-10}", utc(2022, 9, 1), utc(2022, 10, 1)),
    ("date:[2022-01-01 TO *]", utc(2022, 1, 1), None),
    ("date:[* TO 2022-01-01]", None, utc(2022, 1, 2)),
    ("date:[* TO *]", None, None),
    ("date:>=2022-01-01", utc(2022, 1, 1), None),
    ("date:>2022", utc(2023, 1, 1), None),
    ("date:<2022-09", None, utc(2022, 9, 1)),
    ("date:<=2022-09-15", None, utc(2022, 9, 16)),
    ("date:[September 1, 2022 TO September 30, 2022]", utc(2022, 9, 1), utc(2022, 10, 1)),
    ('date:"September 2022"', utc(2022, 9, 1), utc(2022, 10, 1)),
    ('date:"16 Sep 2022"', utc(2022, 9, 16), utc(2022, 9, 17)),
    ("date:2022-09-16T10:30", utc(2022, 9, 16, 10, 30), utc(2022, 9, 16, 10, 31)),
    ("date:2022-09-16T10:30+02:00", utc(2022, 9, 16, 8, 30), utc(2022, 9, 16, 8, 31)),
    ("DATE:2022", utc(2022, 1, 1), utc(2023, 1, 1)),
])
def test_dates(query, start, end):
    node = parse(query)
    assert node == DateRange(start, end)
    for bound in (node.start, node.end):
        assert bound is None or bound.utcoffset().total_seconds() == 0


def test_dates_combine_with_words_and_groups():
    assert parse("gazprom date:2022") == And((T("gazprom"),
                                              DateRange(utc(2022, 1, 1), utc(2023, 1, 1))))
    assert parse("date:(2021 OR >=2023)") == Or((DateRange(utc(2021, 1, 1), utc(2022, 1, 1)),
                                                 DateRange(utc(2023, 1, 1), None)))


# ---- errors: message and position ----------------------------------------

@pytest.mark.parametrize("query, message, position", [
    ('"gas pipeline', "unclosed quote", 0),
    ('a "b', "unclosed quote", 2),
    ('"a" "b', "unclosed quote", 4),
    ('""', "empty quotes", 0),
    ("(a OR b", "missing closing parenthesis", 0),
    ("a (b (c)", "missing closing parenthesis", 2),
    ("a)", "unexpected ')'", 1),
    ("(a))", "unexpected ')'", 3),
    (")", "unexpected ')'", 0),
    ("foo:bar", "unknown field 'foo' (fields: title, body, author,", 0),
    ("a Foo:bar", "unknown field 'Foo'", 2),
    ("a (zz:(b))", "unknown field 'zz'", 3),
    ("putin AND", "nothing after 'AND'", 6),
    ("putin OR", "nothing after 'OR'", 6),
    ("putin NOT", "nothing after 'NOT'", 6),
    ("(a OR) b", "nothing after 'OR'", 3),
    ("a AND OR b", "nothing after 'AND'", 2),
    ("AND putin", "nothing before 'AND'", 0),
    ("(OR a)", "nothing before 'OR'", 1),
    ("title:", "missing value after 'title:'", 0),
    ("a title: OR b", "missing value after 'title:'", 2),
    ("xi NEAR/x putin", "bad NEAR distance 'x'", 3),
    ("xi NEAR/ putin", "bad NEAR distance ''", 3),
    ("xi PRE/1001 putin", "bad PRE distance '1001'", 3),
    ("xi NEAR/3", "'NEAR/3' needs a word or quoted phrase", 3),
    ("NEAR/3 xi", "nothing before 'NEAR/3'", 0),
    ("xi NEAR/3 -putin", "'NEAR/3' needs a word or quoted phrase", 3),
    ("xi* NEAR/3 putin", "'NEAR/3' needs a word or quoted phrase", 4),
    ("xi NEAR/3 (a OR b)", "'NEAR/3' needs a word or quoted phrase", 3),
    ("title:xi NEAR/3 putin", "both sides of 'NEAR/3' must search the same field", 9),
    ("date:2022-13", "cannot read date '2022-13'", 5),
    ("date:2022-02-30", "cannot read date '2022-02-30'", 5),
    ("date:pipeline", "cannot read date 'pipeline'", 5),
    ("date:September", "cannot read date 'September'", 5),
    ("date:>=soon", "cannot read date 'soon'", 7),
    ("date:[2022 TO someday]", "cannot read date 'someday'", 14),
    ("date:[2022 TO]", "a date range needs the form [start TO end]", 5),
    ("date:[2022 to 2023]", "a date range needs the form [start TO end]", 5),
    ("date:[2022 TO 2023", "unclosed range '['", 5),
    ("date:[2023 TO 2022]", "empty date range", 5),
    ('date:"[2022 TO 2023"', "a date range needs the form", 6),
    ("date:", "missing value after 'date:'", 0),
    ("title:[a TO b]", "ranges are only supported for date:", 6),
    ("()", "empty group '()'", 0),
    ("a ( ) b", "empty group '()'", 2),
    ("atleast3()", "empty group '()'", 8),
    ("pipeline^x", "bad boost '^x'", 8),
    ("pipeline^", "bad boost '^'", 8),
    ("pipeline^0", "bad boost '^0'", 8),
    ("title:pipeline^-1", "bad boost '^-1'", 14),
    ('"gas pipeline"^x', "bad boost '^x'", 14),
    ('"gas pipeline"~2^x', "bad boost '^x'", 16),
    ("(a b)^x", "bad boost '^x'", 5),
    ("(a b) ^2", "nothing before '^2'", 6),
    ('"gas pipeline"~x', "bad phrase slop '~x'", 14),
    ('"gas pipeline"~', "bad phrase slop '~'", 14),
    ('"gas pipeline"~1^2~3', "bad phrase modifier", 14),
    ("khurelsuk~4", "bad fuzzy distance '~4'", 9),
    ("khurelsuk~x", "bad fuzzy distance '~x'", 9),
    ("pipel*~2", "mixes a wildcard with '~'", 0),
    ("a~b~c", "misplaced '~' or '^'", 0),
    ("~2", "nothing before '~2'", 0),
    ("atleast0(pipeline)", "atleast count must be from 1 to 1000", 0),
    ("atleast1001(pipeline)", "atleast count must be from 1 to 1000", 0),
    ("atleast3(gas pipeline)", "atleast3(...) takes a single word", 0),
    ('atleast3("gas pipeline")', "atleast3(...) takes a single word", 0),
    ("atleast3(pipel*)", "atleast3(...) takes a single word", 0),
    ("atleast3(pipeline", "missing closing parenthesis", 8),
    ("(" * 150 + "a" + ")" * 150, "nested too deeply", 100),
    ("-" * 150 + "a", "nested too deeply", 100),
])
def test_errors(query, message, position):
    error = err(query)
    assert message in str(error)
    assert error.position == position


def test_error_message_mentions_one_based_position():
    assert str(err("putin AND")).endswith("at position 7")


def test_errors_in_or_mode():
    assert err("a OR", "or").position == 2
    assert err("a (b", "or").position == 2


# ---- properties ------------------------------------------------------------

NODE_TYPES = (Term, Phrase, Prefix, Wildcard, Fuzzy, Near, AtLeast, DateRange, And, Or, Not,
              MatchAll)
SYNTAX = st.lists(st.sampled_from(list('ab:"()*?~^+-/[]{}<>= 0123456789')
                                   + ["AND ", " OR ", "NOT ", " NEAR/", " PRE/", "title:",
                                      "date:", "url:", "atleast", "TO", " TO ", "2022"]),
                  max_size=25).map("".join)


def check_shape(node, top=True):
    """Minimal and well-formed: no one-child or same-type-nested And/Or, Not only in And."""
    assert isinstance(node, NODE_TYPES)
    if isinstance(node, (And, Or)):
        assert len(node.children) >= 2
        for child in node.children:
            assert type(child) is not type(node)
            assert not isinstance(child, Not) or isinstance(node, And)
            check_shape(child, top=False)
    elif isinstance(node, Not):
        assert not top and not isinstance(node.child, Not)
        check_shape(node.child, top=False)
    elif isinstance(node, Near):
        assert isinstance(node.left, (Term, Phrase)) and isinstance(node.right, (Term, Phrase))
    elif isinstance(node, AtLeast):
        assert isinstance(node.term, Term)


def parse_or_error(text, mode):
    try:
        node = parse(text, mode)
    except QuerySyntaxError as error:
        assert error.position is not None and 0 <= error.position <= len(text)
        assert error.query == text
        return None
    check_shape(node)
    return node


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["and", "or"]))
def test_any_text_gives_a_tree_or_a_syntax_error(text, mode):
    parse_or_error(text, mode)


@settings(max_examples=300, deadline=None)
@given(SYNTAX, st.sampled_from(["and", "or"]))
def test_syntax_heavy_text_gives_a_tree_or_a_syntax_error(text, mode):
    parse_or_error(text, mode)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=6), min_size=1, max_size=6))
def test_plain_words_parse_to_their_conjunction(words):
    node = parse(" ".join(words))
    expected = [T(w) for w in words]
    assert node == (expected[0] if len(words) == 1 else And(tuple(expected)))


def test_parser_imports_no_engine():
    code = ("import sys, searcher.query.parser; "
            "assert not any(m.split('.')[0] == 'whoosh' for m in sys.modules), 'whoosh imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
