"""The seed's pagination object (records, limit, offset, previous_page, next_page) and its links."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import URL

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class LinkPagination(BaseModel):
    """Where a page sits in the whole result set, with links to its neighbours (the seed's
    `pagination`; the CRM routes' `Pagination` counts `total` instead and has no links)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "records": 45, "limit": 20, "offset": 20,
        "previous_page": "http://localhost:8000/api/v3/integration/"
                         "7d4c1f0e-3b1a-4c55-9d8e-2f6b8a1c9e10/automation?limit=20&offset=0",
        "next_page": "http://localhost:8000/api/v3/integration/"
                     "7d4c1f0e-3b1a-4c55-9d8e-2f6b8a1c9e10/automation?limit=20&offset=40"}]})

    records: int = Field(description="Total number of records matching the request (all pages).")
    limit: int = Field(description="Maximum number of records per page.")
    offset: int = Field(description="Number of records skipped before this page.")
    previous_page: str = Field(description="URL of the previous page; an empty string on the "
                                           "first page (as the seed shows).")
    next_page: str | None = Field(default=None, description="URL of the next page; null on the "
                                                            "last page.")


def paginate(url: URL, *, total: int, limit: int, offset: int) -> LinkPagination:
    """The pagination object for one page; links keep every other query parameter of `url`."""
    previous_page = ""
    if offset > 0:
        previous_page = str(url.include_query_params(limit=limit, offset=max(0, offset - limit)))
    next_page = None
    if offset + limit < total:
        next_page = str(url.include_query_params(limit=limit, offset=offset + limit))
    return LinkPagination(records=total, limit=limit, offset=offset, previous_page=previous_page,
                      next_page=next_page)
