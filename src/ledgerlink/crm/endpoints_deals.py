"""HTTP routes of products, deals and deal products (thin: parse, call the service, answer)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from ledgerlink.api.deps import CrmRead, CrmWrite, SessionDep
from ledgerlink.api.ids import RecordId
from ledgerlink.api.responses import error_responses
from ledgerlink.crm import service
from ledgerlink.crm.params import (
    READ_ERRORS,
    WRITE_ERRORS,
    Filter,
    Flag,
    IdFilter,
    Limit,
    Offset,
    Search,
    pagination,
)
from ledgerlink.crm.schemas import ProductCreate, ProductOut, ProductPage, ProductUpdate
from ledgerlink.crm.schemas_deals import (
    DealCreate,
    DealOut,
    DealPage,
    DealProductCreate,
    DealProductOut,
    DealProductPage,
    DealProductUpdate,
    DealUpdate,
)

router = APIRouter()

PRODUCTS = "/products"
PRODUCT = "/products/{product_id}"
DEALS = "/deals"
DEAL = "/deals/{deal_id}"
LINES = "/deals/{deal_id}/products"
LINE = "/deals/{deal_id}/products/{deal_product_id}"
PATCH_DOC = "Only the fields sent change; null clears an optional field."
PUT_DOC = "Replaces every field: omitted optional fields are cleared."
MONEY_DOC = "Money is a string with 2 decimal places (a JSON number is accepted as input)."

# --- products --------------------------------------------------------------------------------


@router.post(PRODUCTS, status_code=status.HTTP_201_CREATED, response_model=ProductOut,
             tags=["products"], summary="Create a product", description=MONEY_DOC,
             responses=WRITE_ERRORS)
async def create_product(body: ProductCreate, session: SessionDep, _: CrmWrite) -> ProductOut:
    """A new product."""
    return ProductOut.model_validate(await service.create_product(session, body.model_dump()))


@router.get(PRODUCTS, response_model=ProductPage, tags=["products"], summary="List products",
            responses=READ_ERRORS)
async def list_products(session: SessionDep, _: CrmRead, limit: Limit = 50, offset: Offset = 0,
                        search: Search = None, category: Filter = None,
                        is_active: Flag = None,
                        code: Filter = None,
                        ) -> ProductPage:
    """Products, oldest first; filter by category (e.g. Usage-Based), activity or code."""
    rows, total = await service.list_products(session, category=category, is_active=is_active,
                                              code=code, search=search, limit=limit,
                                              offset=offset)
    return ProductPage(data=[ProductOut.model_validate(r) for r in rows],
                       pagination=pagination(total, limit, offset))


@router.get(PRODUCT, response_model=ProductOut, tags=["products"], summary="Get a product",
            responses=READ_ERRORS)
async def get_product(product_id: RecordId, session: SessionDep, _: CrmRead) -> ProductOut:
    """One product."""
    return ProductOut.model_validate(await service.get_product(session, product_id))


@router.patch(PRODUCT, response_model=ProductOut, tags=["products"],
              summary="Update a product", description=PATCH_DOC, responses=WRITE_ERRORS)
async def update_product(product_id: RecordId, body: ProductUpdate, session: SessionDep,
                         _: CrmWrite) -> ProductOut:
    """Partial update."""
    product = await service.update_product(session, product_id,
                                           body.model_dump(exclude_unset=True))
    return ProductOut.model_validate(product)


@router.put(PRODUCT, response_model=ProductOut, tags=["products"], summary="Replace a product",
            description=PUT_DOC, responses=WRITE_ERRORS)
async def replace_product(product_id: RecordId, body: ProductCreate, session: SessionDep,
                          _: CrmWrite) -> ProductOut:
    """Full update."""
    product = await service.update_product(session, product_id, body.model_dump())
    return ProductOut.model_validate(product)


@router.delete(PRODUCT, status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               tags=["products"], summary="Delete a product", description=(
                   "Refused (409, `details` names the deals) while deals use it: remove it "
                   "from them first, or deactivate it (`is_active: false`) instead."),
               responses=error_responses(401, 403, 404, 409, 422,
                                         d409="Deals use this product; `details` names them"))
async def delete_product(product_id: RecordId, session: SessionDep, _: CrmWrite) -> Response:
    """Delete a product."""
    await service.delete_product(session, product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- deals -----------------------------------------------------------------------------------


@router.post(DEALS, status_code=status.HTTP_201_CREATED, response_model=DealOut,
             tags=["deals"], summary="Create a deal", responses=WRITE_ERRORS,
             description="`customer_id` and `primary_contact_id`, when given, must exist (else "
                         "422 naming the field). Add products under /deals/{deal_id}/products.")
async def create_deal(body: DealCreate, session: SessionDep, _: CrmWrite) -> DealOut:
    """A new deal."""
    return DealOut.of(await service.create_deal(session, body.model_dump()))


@router.get(DEALS, response_model=DealPage, tags=["deals"], summary="List deals",
            responses=READ_ERRORS, description=MONEY_DOC)
async def list_deals(session: SessionDep, _: CrmRead, limit: Limit = 50, offset: Offset = 0,
                     search: Search = None, customer_id: IdFilter = None,
                     primary_contact_id: IdFilter = None,
                     stage: Filter = None) -> DealPage:
    """Deals with their products and computed value, oldest first."""
    views, total = await service.list_deals(
        session, customer_id=customer_id, primary_contact_id=primary_contact_id,
        stage=stage, search=search, limit=limit, offset=offset)
    return DealPage(data=[DealOut.of(v) for v in views],
                    pagination=pagination(total, limit, offset))


@router.get(DEAL, response_model=DealOut, tags=["deals"], summary="Get a deal",
            responses=READ_ERRORS, description=MONEY_DOC)
async def get_deal(deal_id: RecordId, session: SessionDep, _: CrmRead) -> DealOut:
    """One deal with its products and value."""
    return DealOut.of(await service.get_deal(session, deal_id))


@router.patch(DEAL, response_model=DealOut, tags=["deals"], summary="Update a deal",
              description=PATCH_DOC, responses=WRITE_ERRORS)
async def update_deal(deal_id: RecordId, body: DealUpdate, session: SessionDep,
                      _: CrmWrite) -> DealOut:
    """Partial update."""
    view = await service.update_deal(session, deal_id, body.model_dump(exclude_unset=True))
    return DealOut.of(view)


@router.put(DEAL, response_model=DealOut, tags=["deals"], summary="Replace a deal",
            description=f"{PUT_DOC} Its products are kept.", responses=WRITE_ERRORS)
async def replace_deal(deal_id: RecordId, body: DealCreate, session: SessionDep,
                       _: CrmWrite) -> DealOut:
    """Full update of the deal's own fields."""
    return DealOut.of(await service.update_deal(session, deal_id, body.model_dump()))


@router.delete(DEAL, status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               tags=["deals"], summary="Delete a deal", description=(
                   "Deletes the deal and its products (the lines; the products stay). The "
                   "linked Xero invoice is not touched."),
               responses=error_responses(401, 403, 404, 422))
async def delete_deal(deal_id: RecordId, session: SessionDep, _: CrmWrite) -> Response:
    """Delete a deal."""
    await service.delete_deal(session, deal_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- deal products ---------------------------------------------------------------------------


@router.post(LINES, status_code=status.HTTP_201_CREATED, response_model=DealProductOut,
             tags=["deal products"], summary="Add a product to a deal", responses=WRITE_ERRORS,
             description="`product_id` must name an existing, active product (else 422). "
                         + MONEY_DOC)
async def add_deal_product(deal_id: RecordId, body: DealProductCreate, session: SessionDep,
                           _: CrmWrite) -> DealProductOut:
    """A new line on the deal."""
    line = await service.add_deal_product(session, deal_id, body.model_dump())
    return DealProductOut.model_validate(line)


@router.get(LINES, response_model=DealProductPage, tags=["deal products"],
            summary="List a deal's products", responses=READ_ERRORS)
async def list_deal_products(deal_id: RecordId, session: SessionDep, _: CrmRead,
                             limit: Limit = 50, offset: Offset = 0) -> DealProductPage:
    """The deal's lines in the order they were added."""
    lines, total = await service.list_deal_products(session, deal_id, limit=limit,
                                                    offset=offset)
    return DealProductPage(data=[DealProductOut.model_validate(x) for x in lines],
                           pagination=pagination(total, limit, offset))


@router.get(LINE, response_model=DealProductOut, tags=["deal products"],
            summary="Get a deal product", responses=READ_ERRORS)
async def get_deal_product(deal_id: RecordId, deal_product_id: RecordId, session: SessionDep,
                           _: CrmRead) -> DealProductOut:
    """One line of the deal."""
    line = await service.get_deal_product(session, deal_id, deal_product_id)
    return DealProductOut.model_validate(line)


@router.patch(LINE, response_model=DealProductOut, tags=["deal products"],
              summary="Update a deal product", description=PATCH_DOC, responses=WRITE_ERRORS)
async def update_deal_product(deal_id: RecordId, deal_product_id: RecordId,
                              body: DealProductUpdate, session: SessionDep,
                              _: CrmWrite) -> DealProductOut:
    """Partial update."""
    line = await service.update_deal_product(session, deal_id, deal_product_id,
                                             body.model_dump(exclude_unset=True))
    return DealProductOut.model_validate(line)


@router.put(LINE, response_model=DealProductOut, tags=["deal products"],
            summary="Replace a deal product", description=PUT_DOC, responses=WRITE_ERRORS)
async def replace_deal_product(deal_id: RecordId, deal_product_id: RecordId,
                               body: DealProductCreate, session: SessionDep,
                               _: CrmWrite) -> DealProductOut:
    """Full update."""
    line = await service.update_deal_product(session, deal_id, deal_product_id,
                                             body.model_dump())
    return DealProductOut.model_validate(line)


@router.delete(LINE, status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               tags=["deal products"], summary="Remove a product from a deal",
               responses=WRITE_ERRORS)
async def remove_deal_product(deal_id: RecordId, deal_product_id: RecordId,
                              session: SessionDep, _: CrmWrite) -> Response:
    """Delete the line (the product itself stays)."""
    await service.remove_deal_product(session, deal_id, deal_product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
