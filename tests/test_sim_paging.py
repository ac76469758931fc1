"""Cursor paging shared by the ERP, invoice-automation and tax-engine simulators."""

from __future__ import annotations

import pytest

from ledgerpact.generators.simulators.behaviours.paging import (
    BadCursor,
    decode_cursor,
    encode_cursor,
    next_link,
    page_of,
)

ITEMS = [{"id": f"S-{n:03d}", "date": f"2026-01-{n % 28 + 1:02d}"} for n in range(1, 24)]


def _walk(items: list[dict[str, str]], key, limit: int, *, reverse: bool = False,
          extra: dict[str, str] | None = None) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = {"limit": limit, **(extra or {})} | ({"cursor": cursor} if cursor else {})
        chunk, cursor, used = page_of(items, key, query, reverse=reverse)
        assert used == limit
        pages.append([item["id"] for item in chunk])
        if cursor is None:
            return pages


@pytest.mark.parametrize("reverse", [False, True])
def test_pages_cover_every_item_once_in_key_order(reverse: bool) -> None:
    key = lambda item: (item["date"], item["id"])  # noqa: E731
    pages = _walk(list(reversed(ITEMS)), key, 5, reverse=reverse)
    flat = [i for page in pages for i in page]
    expected = [item["id"] for item in sorted(ITEMS, key=key, reverse=reverse)]
    assert flat == expected and [len(p) for p in pages] == [5, 5, 5, 5, 3]
    # a scalar key (the invoice-automation and tax-engine lists) pages the same way
    assert _walk(ITEMS, lambda item: item["id"], 10) == [
        [f"S-{n:03d}" for n in range(1, 11)], [f"S-{n:03d}" for n in range(11, 21)],
        ["S-021", "S-022", "S-023"]]


def test_a_page_stays_stable_when_items_are_added_before_the_cursor() -> None:
    first, cursor, _ = page_of(ITEMS, lambda item: item["id"], {"limit": 4})
    assert cursor is not None and [i["id"] for i in first] == ["S-001", "S-002", "S-003", "S-004"]
    grown = [{"id": "S-000"}, *ITEMS]
    second, _, _ = page_of(grown, lambda item: item["id"], {"limit": 4, "cursor": cursor})
    assert [i["id"] for i in second] == ["S-005", "S-006", "S-007", "S-008"]


def test_foreign_cursors_are_refused() -> None:
    assert decode_cursor(encode_cursor(("a", 1))) == ("a", 1)
    for bad in ("nonsense!", "%%%", encode_cursor([]).replace("W", "x"), "eyJhIjoxfQ"):
        with pytest.raises(BadCursor) as caught:
            page_of(ITEMS, lambda item: item["id"], {"cursor": bad})
        assert isinstance(caught.value, ValueError) and "not issued by this server" in str(
            caught.value)
    numeric = encode_cursor([5])  # a cursor of another list: keys of another type
    with pytest.raises(BadCursor):
        page_of(ITEMS, lambda item: item["id"], {"cursor": numeric})


def test_the_next_link_keeps_the_filters() -> None:
    link = next_link("/suppliers", {"status": "active", "flag": True, "cursor": "old"},
                     "NEW", 7)
    assert link == '</suppliers?status=active&flag=true&cursor=NEW&limit=7>; rel="next"'
