"""Tests of the selection filter parser (SPEC §8)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from animaltrack.errors import ParseError, ValidationError
from animaltrack.selection.parser import (
    FIELDS,
    FieldFilter,
    FilterAST,
    normalize_tag,
    parse_filter,
)

ULID = "01HV8Z3K5Q2W9X7Y6T4R3P2N1M"


def ff(field, *values, negated=False):
    return FieldFilter(field=field, values=tuple(values), negated=negated)


def ast(*filters):
    return FilterAST(tuple(filters))


# --- forms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sex:female", ast(ff("sex", "female"))),
        ('location:"Strip 1"', ast(ff("location", "Strip 1"))),
        ("location:Pond", ast(ff("location", "Pond"))),
        ("sex:female|male", ast(ff("sex", "female", "male"))),
        ('location:Pond|"Strip 1"|"a|b"', ast(ff("location", "Pond", "Strip 1", "a|b"))),
        ('location:"Strip 1"|Pond', ast(ff("location", "Strip 1", "Pond"))),
        ("-tag:sick", ast(ff("tag", "sick", negated=True))),
        ("-tag:sick|lame", ast(ff("tag", "sick", "lame", negated=True))),
        ("-tag:a -tag:b", ast(ff("tag", "a", negated=True), ff("tag", "b", negated=True))),
        (
            'species:duck location:"Strip 1" -tag:sick sex:female',
            ast(
                ff("species", "duck"),
                ff("location", "Strip 1"),
                ff("tag", "sick", negated=True),
                ff("sex", "female"),
            ),
        ),
        ("SEX:FEMALE", ast(ff("sex", "female"))),
        ("Life_Stage:Adult", ast(ff("life_stage", "adult"))),
        ("Species:Duck", ast(ff("species", "duck"))),
        ("LOCATION:Strip", ast(ff("location", "Strip"))),
        ("  sex:female \t\n species:duck  ", ast(ff("sex", "female"), ff("species", "duck"))),
        ("sex:female|female|FEMALE", ast(ff("sex", "female"))),
        ("location:Pond|pond|POND", ast(ff("location", "Pond"))),
        ('location:" Strip 1 "', ast(ff("location", "Strip 1"))),
        ('nickname:"Big Daisy"', ast(ff("nickname", "Big Daisy"))),
        ("nickname:daisy", ast(ff("nickname", "daisy"))),
        ("tag:a:b", ast(ff("tag", "a:b"))),
        ('sex:"female"', ast(ff("sex", "female"))),
        ("sex:female\tspecies:goose", ast(ff("sex", "female"), ff("species", "goose"))),
    ],
)
def test_parses_forms(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", ["", " ", "   \t\n  "])
def test_empty_filter_has_no_filters(text):
    assert parse_filter(text) == FilterAST()
    assert parse_filter(text).filters == ()


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("sex", ["female", "male", "unknown"]),
        ("life_stage", ["hatchling", "juvenile", "subadult", "adult"]),
        ("repro_status", ["intact", "castrated", "unknown"]),
        ("status", ["alive", "dead", "harvested", "sold", "merged_into"]),
        ("identified", ["true", "false"]),
    ],
)
def test_enum_fields_accept_each_value_in_any_case(field, values):
    for value in values:
        assert parse_filter(f"{field}:{value}") == ast(ff(field, value))
        assert parse_filter(f"{field}:{value.upper()}") == ast(ff(field, value))
    assert parse_filter(f"{field}:{'|'.join(values)}") == ast(ff(field, *values))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sex:purple", "'purple' is not a sex; expected one of: female, male, unknown"),
        (
            "life_stage:old",
            "'old' is not a life stage; expected one of: hatchling, juvenile, subadult, adult",
        ),
        (
            "repro_status:Spayed",
            "'Spayed' is not a reproductive status; expected one of: intact, castrated, unknown",
        ),
        (
            "status:missing",
            "'missing' is not a status; expected one of: alive, dead, harvested, sold, merged_into",
        ),
        (
            "identified:yes",
            "'yes' is not a valid value for identified; expected one of: true, false",
        ),
    ],
)
def test_enum_fields_reject_other_values(text, message):
    with pytest.raises(ParseError) as info:
        parse_filter(text)
    assert info.value.reason == message
    assert info.value.position == text.index(":") + 1


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        (" My  Tag(1)", "my--tag1"),
        ("Sick", "sick"),
        ("  lame  ", "lame"),
        ("a\tb", "a-b"),
        ("broody:2024", "broody:2024"),
        ("snake_case-ok", "snake_case-ok"),
        ("Café!", "caf"),
        ("x" * 32, "x" * 32),
    ],
)
def test_normalize_tag(raw, tag):
    assert normalize_tag(raw) == tag


@pytest.mark.parametrize("raw", ["", "   ", "(!)", "éé", "x" * 33, " My Tag " + "x" * 30])
def test_normalize_tag_refuses_empty_or_long(raw):
    with pytest.raises(ValidationError) as info:
        normalize_tag(raw)
    assert info.value.field == "tag"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('tag:" My  Tag(1)"', ast(ff("tag", "my--tag1"))),
        ("tag:Sick|SICK|sick!", ast(ff("tag", "sick"))),
        ("-tag:Lame", ast(ff("tag", "lame", negated=True))),
    ],
)
def test_tag_values_are_normalised(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "position"),
    [("tag:(!)", 4), ("sex:female tag:" + "x" * 33, 15), ('tag:a|"(((("', 6)],
)
def test_bad_tag_is_a_parse_error_at_the_value(text, position):
    with pytest.raises(ParseError) as info:
        parse_filter(text)
    assert info.value.position == position
    assert isinstance(info.value.__cause__, ValidationError)


@pytest.mark.parametrize("written", [ULID, ULID.lower(), "01hv8z3K5q2w9x7y6t4r3p2n1m"])
def test_id_is_upper_cased(written):
    assert parse_filter(f"id:{written}") == ast(ff("id", ULID))


@pytest.mark.parametrize(
    "bad",
    [
        "42",
        ULID[:-1],
        ULID + "0",
        "01HV8Z3K5Q2W9X7Y6T4R3P2N1I",  # I is not Crockford base32
        "01HV8Z3K5Q2W9X7Y6T4R3P2N1U",
        "81HV8Z3K5Q2W9X7Y6T4R3P2N1M",  # overflows 128 bits
    ],
)
def test_bad_id_is_refused(bad):
    with pytest.raises(ParseError) as info:
        parse_filter(f"sex:male id:{bad}")
    assert info.value.position == 12
    assert "not an animal id" in info.value.reason


def test_species_is_lower_cased_but_not_checked():
    assert parse_filter("species:Muscovy|DUCK") == ast(ff("species", "muscovy", "duck"))


def test_has():
    parsed = parse_filter("-tag:sick species:duck")
    assert parsed.has("tag")
    assert parsed.has("species")
    assert parsed.has("SPECIES")
    assert not parsed.has("sex")
    assert not FilterAST().has("tag")


def test_fields():
    assert FIELDS == {
        "location",
        "species",
        "sex",
        "life_stage",
        "repro_status",
        "identified",
        "tag",
        "status",
        "nickname",
        "id",
    }


@pytest.mark.parametrize(
    ("parsed", "text"),
    [
        (ast(), ""),
        (ast(ff("location", "Strip 1")), 'location:"Strip 1"'),
        (ast(ff("location", "a|b", "Pond")), 'location:"a|b"|Pond'),
        (ast(ff("tag", "sick", negated=True), ff("sex", "male")), "-tag:sick sex:male"),
    ],
)
def test_str_is_canonical(parsed, text):
    assert str(parsed) == text
    assert parse_filter(text) == parsed


def test_str_refuses_a_value_with_a_quote():
    with pytest.raises(ValueError):
        str(ast(ff("nickname", 'say "hi"')))


# --- errors ----------------------------------------------------------------------------------


def error(text):
    with pytest.raises(ParseError) as info:
        parse_filter(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("colour:red", 0),
        ("sex:female colour:red", 11),
        ("-colour:red", 1),
        ("life-stage:adult", 0),
        ("colour red", 0),
    ],
)
def test_unknown_field(text, position):
    err = error(text)
    assert err.position == position
    assert err.reason.startswith("unknown field '")
    assert "expected one of: id, identified, life_stage, location, nickname," in err.reason


def test_unknown_field_message():
    assert error("colour:red").reason == (
        "unknown field 'colour'; expected one of: id, identified, life_stage, location, "
        "nickname, repro_status, sex, species, status, tag"
    )
    assert str(error("colour:red")) == error("colour:red").message
    assert error("colour:red").message.endswith("(at position 0)")


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("sex", 3),
        ("sex female", 3),
        ("species:duck  sex", 17),
        ('sex"female"', 3),
        ("-tag|x", 4),
        ("SEX", 3),
    ],
)
def test_missing_colon(text, position):
    err = error(text)
    assert err.position == position
    assert err.reason.startswith("expected ':' after '")


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("sex:", 4),
        ("sex: species:duck", 4),
        ("sex:female|", 11),
        ("sex:female| species:duck", 11),
        ("sex:|female", 4),
        ("sex:female||male", 11),
        ('location:""', 9),
        ('location:"   "', 9),
        ('location:Pond|""', 14),
    ],
)
def test_empty_value(text, position):
    err = error(text)
    assert err.position == position
    assert err.reason.startswith("expected a value for ")


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ('location:"Strip 1', 9),
        ('location:"', 9),
        ('sex:female location:Pond|"Strip 1', 25),
        ('location:"a"|"b', 13),
    ],
)
def test_unterminated_quote(text, position):
    err = error(text)
    assert err.position == position
    assert "never closed" in err.reason


@pytest.mark.parametrize(
    ("text", "position", "char"),
    [
        ('location:Str"ip', 12, '"'),
        ('location:Strip"1"', 14, '"'),
        ("-", 0, "-"),
        ("sex:female - tag:x", 11, "-"),
        ("sex:female -", 11, "-"),
        ('location:"Strip 1"x', 18, "x"),
        ('location:"a""b"', 12, '"'),
        ('location:"Strip 1":', 18, ":"),
        ("|sex:female", 0, "|"),
        ("sex:female |male", 11, "|"),
        (":female", 0, ":"),
        ('"sex":female', 0, '"'),
        ("-:female", 1, ":"),
        ("-|x", 1, "|"),
    ],
)
def test_stray_character(text, position, char):
    err = error(text)
    assert err.position == position
    assert text[position] == char
    assert f"'{char}'" in err.reason


# --- round trip ------------------------------------------------------------------------------

_ENUM_VALUES = {
    "sex": ("female", "male", "unknown"),
    "life_stage": ("hatchling", "juvenile", "subadult", "adult"),
    "repro_status": ("intact", "castrated", "unknown"),
    "status": ("alive", "dead", "harvested", "sold", "merged_into"),
    "identified": ("true", "false"),
}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_free_text = st.text(
    alphabet=st.characters(blacklist_characters='"', blacklist_categories=("Cs",)),
    min_size=1,
    max_size=12,
).filter(lambda v: v == v.strip() and v != "")

_VALUE_STRATEGIES = {
    **{field: st.sampled_from(values) for field, values in _ENUM_VALUES.items()},
    "species": st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=10),
    "tag": st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789:_-", min_size=1, max_size=32),
    "id": st.builds(
        lambda first, rest: first + rest,
        st.sampled_from("01234567"),
        st.text(alphabet=_CROCKFORD, min_size=25, max_size=25),
    ),
    "location": _free_text,
    "nickname": _free_text,
}


@st.composite
def field_filters(draw):
    field = draw(st.sampled_from(sorted(FIELDS)))
    unique_by = str.casefold if field in ("location", "nickname") else None
    values = draw(
        st.lists(_VALUE_STRATEGIES[field], min_size=1, max_size=4, unique_by=unique_by)
        if unique_by
        else st.lists(_VALUE_STRATEGIES[field], min_size=1, max_size=4, unique=True)
    )
    return FieldFilter(field=field, values=tuple(values), negated=draw(st.booleans()))


@settings(deadline=None, derandomize=True, max_examples=200)
@given(st.lists(field_filters(), max_size=6))
def test_str_round_trips(filters):
    parsed = FilterAST(tuple(filters))
    assert parse_filter(str(parsed)) == parsed
