"""Pagination maths, link order and URIs, and the 400s for bad page parameters."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from emulator.apivideo.errors import AttributeInvalid, OutOfRange
from emulator.apivideo.pagination import PageRequest, page_bounds, pagination, parse_page_request

PATH = "/analytics/videos/vi1"


def rels(p: dict) -> list[str]:
    return [link["rel"] for link in p["links"]]


def test_defaults():
    assert parse_page_request(MultiDict()) == PageRequest(1, 25)
    assert parse_page_request(MultiDict({"currentPage": "", "pageSize": ""})) == PageRequest(1, 25)


@pytest.mark.parametrize("page, size", [("1", "1"), ("7", "100"), ("+2", "025"), ("2147483647", "50")])
def test_accepted(page, size):
    req = parse_page_request(MultiDict({"currentPage": page, "pageSize": size}))
    assert (req.page, req.size) == (int(page), int(size))


@pytest.mark.parametrize("name, value", [("currentPage", "abc"), ("currentPage", "1.5"), ("pageSize", "1e2"),
                                         ("pageSize", " 5"), ("currentPage", "0x10"), ("pageSize", "٣"),
                                         ("currentPage", "9" * 100)])
def test_not_integers(name, value):
    with pytest.raises(AttributeInvalid) as info:
        parse_page_request(MultiDict({name: value}))
    assert info.value.body() == {"type": "https://docs.api.video/docs/attributeinvalid",
                                 "title": "This attribute is invalid.", "name": name, "status": 400}


def test_range_style():
    with pytest.raises(OutOfRange) as info:
        parse_page_request(MultiDict({"pageSize": "101"}))
    body = info.value.body()
    assert body == {"type": "https://docs.api.video/docs/attributeinvalid",
                    "title": "This parameter is out of the allowed range of values.", "name": "pageSize",
                    "status": 400, "range": {"min": 1, "max": 100},
                    "problems": [{"type": "https://docs.api.video/docs/attributeinvalid",
                                  "title": "This parameter is out of the allowed range of values.",
                                  "name": "pageSize", "status": 400}]}
    assert list(body) == ["type", "title", "name", "status", "range", "problems"]


def test_every_range_problem_is_listed():
    with pytest.raises(OutOfRange) as info:
        parse_page_request(MultiDict({"currentPage": "0", "pageSize": "-3"}))
    body = info.value.body()
    assert body["name"] == "currentPage" and body["range"] == {"min": 1}
    assert [p["name"] for p in body["problems"]] == ["currentPage", "pageSize"]


def test_page_beyond_int32_is_out_of_range():
    with pytest.raises(OutOfRange) as info:
        parse_page_request(MultiDict({"currentPage": "2147483648"}))
    assert info.value.body()["range"] == {"min": 1, "max": 2147483647}


def test_links_middle_page():
    p = pagination(PageRequest(3, 10), 95, 10, PATH, "period=2024&currentPage=3&pageSize=10")
    assert p["currentPage"] == 3 and p["pagesTotal"] == 10 and p["itemsTotal"] == 95
    assert p["currentPageItems"] == 10 and p["pageSize"] == 10
    assert list(p) == ["currentPage", "currentPageItems", "pageSize", "pagesTotal", "itemsTotal", "links"]
    assert p["links"] == [
        {"rel": "self", "uri": f"{PATH}?period=2024&currentPage=3&pageSize=10"},
        {"rel": "first", "uri": f"{PATH}?period=2024&currentPage=1&pageSize=10"},
        {"rel": "previous", "uri": f"{PATH}?period=2024&currentPage=2&pageSize=10"},
        {"rel": "next", "uri": f"{PATH}?period=2024&currentPage=4&pageSize=10"},
        {"rel": "last", "uri": f"{PATH}?period=2024&currentPage=10&pageSize=10"},
    ]


def test_first_and_last_pages():
    assert rels(pagination(PageRequest(1, 10), 95, 10, PATH, "")) == ["self", "first", "next", "last"]
    assert rels(pagination(PageRequest(10, 10), 95, 5, PATH, "")) == ["self", "first", "previous", "last"]
    assert rels(pagination(PageRequest(1, 25), 3, 3, PATH, "")) == ["self", "first", "last"]


def test_empty_result_points_first_and_last_at_page_one():
    p = pagination(PageRequest(1, 25), 0, 0, PATH, "period=2024")
    assert (p["itemsTotal"], p["pagesTotal"], p["currentPageItems"]) == (0, 0, 0)
    assert p["links"] == [{"rel": "self", "uri": f"{PATH}?period=2024&currentPage=1&pageSize=25"},
                          {"rel": "first", "uri": f"{PATH}?period=2024&currentPage=1&pageSize=25"},
                          {"rel": "last", "uri": f"{PATH}?period=2024&currentPage=1&pageSize=25"}]


def test_page_past_the_last():
    p = pagination(PageRequest(7, 25), 30, 0, PATH, "")
    assert rels(p) == ["self", "first", "previous", "last"]
    assert p["links"][2]["uri"].endswith("currentPage=6&pageSize=25")
    assert p["links"][3]["uri"].endswith("currentPage=2&pageSize=25")
    assert page_bounds(PageRequest(7, 25), 30) == (30, 30)


def test_other_parameters_kept_raw_and_in_order():
    query = "metadata%5BAuthor%5D=John%20Doe&pageSize=5&metadata[Format]=Tutorial&period=2024-W03&x=&&currentPage=2"
    p = pagination(PageRequest(2, 5), 12, 5, PATH, query)
    assert p["links"][0]["uri"] == (f"{PATH}?metadata%5BAuthor%5D=John%20Doe&metadata[Format]=Tutorial"
                                    "&period=2024-W03&x=&currentPage=2&pageSize=5")


def test_page_bounds():
    assert page_bounds(PageRequest(1, 25), 0) == (0, 0)
    assert page_bounds(PageRequest(2, 25), 30) == (25, 30)
    assert page_bounds(PageRequest(2147483647, 100), 30) == (30, 30)
