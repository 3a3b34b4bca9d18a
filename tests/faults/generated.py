"""What the Hypothesis tests send, and how each example stays on its own.

Values: what people and programs really put in forms and URLs (empty, blanks, NUL bytes,
negative and huge numbers, scientific notation, NaN and infinities, non-ASCII digits, right-to-
left marks, emoji, markup and SQL, very long text) and arbitrary Unicode text and bytes (bytes
that are not UTF-8 included), percent-encoded into query strings and form bodies exactly as a
client can send them.

Isolation: each example runs in `example()`, a savepoint rolled back at its end, with a test
client of its own (no cookie or session carried over), so examples never see each other's rows
and Hypothesis can replay and shrink any of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from urllib.parse import quote_from_bytes

from django.db import transaction
from django.http import QueryDict
from django.test import Client
from hypothesis import strategies as st

FORM = "application/x-www-form-urlencoded"

NASTY = [
    "", " ", "\t\n", "\x00", "a\x00b", "0", "-0", "00", "-1", "1", "2", "5", "6", "999", "1000",
    "1.5", "1,5", "1.0", "1e3", "1E+2", "-1e3", "1e-5", "1e999999999", "NaN", "-Infinity", "inf",
    "0x1F", "1_000", "１２", "٣", "²", "\ufeff1", "+1", " 3 ", "9" * 40, "-" + "9" * 40,
    "true", "off", "None", "null", "[]", "{}", "<script>alert(1)</script>", "' OR 1=1 --",
    "%00", "%", "\u202eevil", "🛒", "ß" * 3, "../../etc/passwd", "a" * 5000,
]  # fmt: skip


def nasty_text(max_size: int = 300) -> st.SearchStrategy[str]:
    """Text as forms receive it: the usual suspects, numbers in every notation, any Unicode."""
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=max_size),
        st.integers().map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
        st.from_regex(r"\A[+-]?\d{0,25}(\.\d{0,12})?([eE][+-]?\d{1,12})?\Z"),
    )


def raw_value(max_size: int = 300) -> st.SearchStrategy[bytes]:
    """A parameter's bytes: text as UTF-8, or any bytes at all (not necessarily UTF-8)."""
    return st.one_of(
        nasty_text(max_size).map(lambda text: text.encode()),
        st.binary(max_size=64),
    )


def mostly(usual: st.SearchStrategy, unusual: st.SearchStrategy) -> st.SearchStrategy:
    """`usual` about three times in four, else `unusual`: a state machine spends its steps on
    sequences that get somewhere, the single-form tests take care of the odd input."""
    return st.sampled_from([True, True, True, False]).flatmap(
        lambda pick: usual if pick else unusual
    )


def encode(pairs: Sequence[tuple[str, bytes]]) -> str:
    """`name=value&...`, every byte percent-encoded as a client may send it."""
    return "&".join(
        f"{quote_from_bytes(name.encode(), safe='')}={quote_from_bytes(value, safe='')}"
        for name, value in pairs
    )


def params(
    names: Sequence[str], values: Mapping[str, st.SearchStrategy[bytes]] | None = None
) -> st.SearchStrategy[list[tuple[str, bytes]]]:
    """Some of `names` (a few repeated, an unknown one now and then), with generated values;
    `values` gives some names a strategy of sensible values, used most of the time."""
    values = values or {}

    def value_for(name: str) -> st.SearchStrategy[bytes]:
        generic = raw_value()
        return mostly(values[name], generic) if name in values else generic

    name = mostly(st.sampled_from(list(names)), st.sampled_from(["utm_source", "", "q[]"]))
    return st.lists(name.flatmap(lambda n: st.tuples(st.just(n), value_for(n))), max_size=8)


def forms(
    valid: Mapping[str, bytes], odd: Mapping[str, st.SearchStrategy[bytes]]
) -> st.SearchStrategy[dict[str, bytes]]:
    """A form's fields: all `valid`, or one of them `odd`, or all of them odd: each field's
    own handling gets tried, not only the first field the form happens to check."""
    one_odd = st.sampled_from(sorted(odd)).flatmap(
        lambda name: odd[name].map(lambda value: {**valid, name: value})
    )
    return st.one_of(st.just(dict(valid)), one_odd, st.fixed_dictionaries(dict(odd)))


def as_submitted(body: str) -> QueryDict:
    """The form data the shop reads from a body (Django's own decoding of it)."""
    return QueryDict(body, encoding="utf-8")


def carries_nul(data: QueryDict) -> bool:
    """Whether a NUL is in any field's name or value: the shop refuses those with a 400 before
    any form sees them (ecommerce.errors.RefuseNulBytes)."""
    return any("\x00" in text for name, values in data.lists() for text in (name, *values))


@contextmanager
def example() -> Iterator[Client]:
    """One example: a fresh client, and everything it writes rolled back at the end."""
    with transaction.atomic():
        yield Client()
        transaction.set_rollback(True)


def assert_not_server_error(response) -> None:
    # The test client raises a view's exception (a 500) itself; a 5xx may still be returned.
    assert response.status_code < 500, (response.status_code, response.content[:500])
