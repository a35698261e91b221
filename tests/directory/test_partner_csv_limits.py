"""The CSV import's file limits at their edges: 10,000 rows and 5 MB are read, one more is not.

(The admin screen's refusal, and that it writes nothing, is in tests/web/test_csv_import.py.)
"""

from __future__ import annotations

import pytest

from directory.partner_csv import MAX_BYTES, MAX_ROWS, CsvError, parse

HEADER = b"name,description\n"
SPLIT = "Split it into smaller files."


def rows(count: int) -> bytes:
    return HEADER + b"".join(b"Partner %d,\n" % n for n in range(count))


def of_size(size: int) -> bytes:
    """A valid CSV of exactly SIZE bytes in 1,000 rows."""
    body = size - len(HEADER)
    line, extra = divmod(body, 1000)
    cells = [b"P%d," % n for n in range(1000)]
    lines = [c + b"x" * (line - len(c) - 1) + b"\n" for c in cells]
    lines[-1] = lines[-1][:-1] + b"x" * extra + b"\n"
    data = HEADER + b"".join(lines)
    assert len(data) == size
    return data


def test_the_limits_are_the_documented_ones():
    assert (MAX_ROWS, MAX_BYTES) == (10_000, 5 * 1024 * 1024)


def test_a_file_of_exactly_10000_rows_is_read():
    parsed = parse(rows(MAX_ROWS))
    assert len(parsed) == MAX_ROWS
    assert parsed[-1] == (MAX_ROWS + 1, {"name": f"Partner {MAX_ROWS - 1}", "description": ""})


def test_one_row_more_is_refused():
    with pytest.raises(CsvError) as refused:
        parse(rows(MAX_ROWS + 1))
    assert str(refused.value) == f"The file has more than 10,000 rows. {SPLIT}"


def test_a_file_of_exactly_5_mb_is_read():
    assert len(parse(of_size(MAX_BYTES))) == 1000


@pytest.mark.parametrize(
    ("size", "said"),
    [
        (MAX_BYTES + 1, "5,242,881 bytes; the limit is 5,242,880 bytes"),
        (MAX_BYTES + 30_000, "5.03 MB; the limit is 5 MB"),
        (6 * 1024 * 1024, "6 MB; the limit is 5 MB"),
    ],
)
def test_one_byte_more_is_refused(size, said):
    with pytest.raises(CsvError) as refused:
        parse(of_size(size))
    assert str(refused.value) == f"The file is {said}. {SPLIT}"
