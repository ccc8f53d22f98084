"""Row ids as clients send them (GraphQL `ID`s are strings): one parser for every entry point.
`int()` alone takes " 7", "1_000", "٣" and 40-digit numbers, and raises on "abc"; a pk lookup
with a string raises too. Either way a resolver ended in "Unexpected error."."""

MAX_PK = 2**63 - 1  # bigint


def pk_or_none(value: object) -> int | None:
    """The row id in `value` (an int, or a string of ASCII digits within bigint), else None:
    no row has that id, so callers answer "not found"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        pk = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        pk = int(value) if len(value) <= len(str(MAX_PK)) else MAX_PK + 1
    else:
        return None
    return pk if 0 <= pk <= MAX_PK else None


def pk_or_zero(value: object) -> int:
    """For lookups: the row id in `value`, else 0, which no row has (ids start at 1), so the
    lookup finds nothing and the caller answers "not found" as for any missing row."""
    return pk_or_none(value) or 0
