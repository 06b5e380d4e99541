"""HTTP routes of the CRM records: customers, CRM contacts, email configurations (+ deals).

Thin: parse, call the service, shape the answer. Reads need `crm:read`, writes `crm:write`.
Products, deals and deal products are in `endpoints_deals` and included here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ledgerlink.api.deps import CrmRead, CrmWrite, SessionDep
from ledgerlink.api.ids import RecordId
from ledgerlink.api.responses import error_responses
from ledgerlink.crm import service
from ledgerlink.crm.endpoints_deals import router as deals_router
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
from ledgerlink.crm.schemas import (
    CrmContactCreate,
    CrmContactOut,
    CrmContactPage,
    CrmContactUpdate,
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerUpdate,
    EmailConfigurationCreate,
    EmailConfigurationOut,
    EmailConfigurationPage,
    EmailConfigurationUpdate,
)
from ledgerlink.inputs import QueryBool

router = APIRouter(prefix="/api/v1")
router.include_router(deals_router)

CUSTOMERS = "/customers"
CUSTOMER = "/customers/{customer_id}"
CONTACTS = "/crm-contacts"
CONTACT = "/crm-contacts/{contact_id}"
CONFIGS = "/email-configurations"
CONFIG = "/email-configurations/{config_id}"
PATCH_DOC = "Only the fields sent change; null clears an optional field."
PUT_DOC = "Replaces every field: omitted optional fields are cleared."


# --- customers -------------------------------------------------------------------------------


@router.post(CUSTOMERS, status_code=status.HTTP_201_CREATED, response_model=CustomerOut,
             tags=["customers"], summary="Create a customer", responses=WRITE_ERRORS)
async def create_customer(body: CustomerCreate, session: SessionDep,
                          _: CrmWrite) -> CustomerOut:
    """A new customer; invoice actions find or create its Xero contact."""
    customer = await service.create_customer(session, body.model_dump())
    return CustomerOut.model_validate(customer)


@router.get(CUSTOMERS, response_model=CustomerPage, tags=["customers"],
            summary="List customers", responses=READ_ERRORS)
async def list_customers(session: SessionDep, _: CrmRead, limit: Limit = 50, offset: Offset = 0,
                         search: Search = None, email: Filter = None,
                         xero_contact_id: IdFilter = None) -> CustomerPage:
    """Customers, oldest first; `search` matches name or email."""
    rows, total = await service.list_customers(
        session, search=search, email=email, xero_contact_id=xero_contact_id,
        limit=limit, offset=offset)
    return CustomerPage(data=[CustomerOut.model_validate(r) for r in rows],
                        pagination=pagination(total, limit, offset))


@router.get(CUSTOMER, response_model=CustomerOut, tags=["customers"], summary="Get a customer",
            responses=READ_ERRORS)
async def get_customer(customer_id: RecordId, session: SessionDep, _: CrmRead) -> CustomerOut:
    """One customer."""
    return CustomerOut.model_validate(await service.get_customer(session, customer_id))


@router.patch(CUSTOMER, response_model=CustomerOut, tags=["customers"],
              summary="Update a customer", description=PATCH_DOC, responses=WRITE_ERRORS)
async def update_customer(customer_id: RecordId, body: CustomerUpdate, session: SessionDep,
                          _: CrmWrite) -> CustomerOut:
    """Partial update."""
    customer = await service.update_customer(session, customer_id,
                                             body.model_dump(exclude_unset=True))
    return CustomerOut.model_validate(customer)


@router.put(CUSTOMER, response_model=CustomerOut, tags=["customers"],
            summary="Replace a customer", description=PUT_DOC, responses=WRITE_ERRORS)
async def replace_customer(customer_id: RecordId, body: CustomerCreate, session: SessionDep,
                           _: CrmWrite) -> CustomerOut:
    """Full update."""
    customer = await service.update_customer(session, customer_id, body.model_dump())
    return CustomerOut.model_validate(customer)


@router.delete(CUSTOMER, status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               tags=["customers"], summary="Delete a customer", description=(
                   "Deletes the customer and its personal data (e.g. a data-retention "
                   "request). While it has deals or CRM contacts the delete is refused (409, "
                   "`details` lists them) unless `cascade=true`, which deletes them too (deals "
                   "with their products). The linked Xero contact is not touched."),
               responses=error_responses(401, 403, 404, 409, 422,
                                         d409="The customer has deals or CRM contacts; "
                                              "`details` names them"))
async def delete_customer(customer_id: RecordId, session: SessionDep, _: CrmWrite,
                          cascade: Annotated[QueryBool, Query(description=(
                              "Also delete the customer's deals and CRM contacts"))] = False,
                          ) -> Response:
    """Delete a customer."""
    await service.delete_customer(session, customer_id, cascade=cascade)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- CRM contacts ----------------------------------------------------------------------------


@router.post(CONTACTS, status_code=status.HTTP_201_CREATED, response_model=CrmContactOut,
             tags=["crm contacts"], summary="Create a CRM contact", responses=WRITE_ERRORS)
async def create_crm_contact(body: CrmContactCreate, session: SessionDep,
                             _: CrmWrite) -> CrmContactOut:
    """A new person; `customer_id`, when given, must name an existing customer (else 422)."""
    contact = await service.create_crm_contact(session, body.model_dump())
    return CrmContactOut.model_validate(contact)


@router.get(CONTACTS, response_model=CrmContactPage, tags=["crm contacts"],
            summary="List CRM contacts", responses=READ_ERRORS)
async def list_crm_contacts(session: SessionDep, _: CrmRead, limit: Limit = 50,
                            offset: Offset = 0, search: Search = None,
                            customer_id: IdFilter = None, email: Filter = None,
                            xero_contact_id: IdFilter = None) -> CrmContactPage:
    """Contacts, oldest first; filter by customer, email or Xero contact."""
    rows, total = await service.list_crm_contacts(
        session, customer_id=customer_id, search=search, email=email,
        xero_contact_id=xero_contact_id, limit=limit, offset=offset)
    return CrmContactPage(data=[CrmContactOut.model_validate(r) for r in rows],
                          pagination=pagination(total, limit, offset))


@router.get(CONTACT, response_model=CrmContactOut, tags=["crm contacts"],
            summary="Get a CRM contact", responses=READ_ERRORS)
async def get_crm_contact(contact_id: RecordId, session: SessionDep,
                          _: CrmRead) -> CrmContactOut:
    """One contact."""
    return CrmContactOut.model_validate(await service.get_crm_contact(session, contact_id))


@router.patch(CONTACT, response_model=CrmContactOut, tags=["crm contacts"],
              summary="Update a CRM contact", description=PATCH_DOC, responses=WRITE_ERRORS)
async def update_crm_contact(contact_id: RecordId, body: CrmContactUpdate,
                             session: SessionDep, _: CrmWrite) -> CrmContactOut:
    """Partial update."""
    contact = await service.update_crm_contact(session, contact_id,
                                               body.model_dump(exclude_unset=True))
    return CrmContactOut.model_validate(contact)


@router.put(CONTACT, response_model=CrmContactOut, tags=["crm contacts"],
            summary="Replace a CRM contact", description=PUT_DOC, responses=WRITE_ERRORS)
async def replace_crm_contact(contact_id: RecordId, body: CrmContactCreate,
                              session: SessionDep, _: CrmWrite) -> CrmContactOut:
    """Full update."""
    contact = await service.update_crm_contact(session, contact_id, body.model_dump())
    return CrmContactOut.model_validate(contact)


@router.delete(CONTACT, status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               tags=["crm contacts"], summary="Delete a CRM contact", description=(
                   "Deletes the person and their personal data (e.g. a data-retention "
                   "request). Deals that had them as primary contact stay, without one. The "
                   "linked Xero contact is not touched."),
               responses=error_responses(401, 403, 404, 422))
async def delete_crm_contact(contact_id: RecordId, session: SessionDep,
                             _: CrmWrite) -> Response:
    """Delete a CRM contact."""
    await service.delete_crm_contact(session, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- email configurations --------------------------------------------------------------------

DEFAULT_DOC = ("Exactly one configuration is the default while any exist: the first one "
               "created becomes it, `is_default: true` moves it, and `is_default: false` on "
               "the default is refused (422). email_mode \"trustpager\" uses the default.")


@router.post(CONFIGS, status_code=status.HTTP_201_CREATED,
             response_model=EmailConfigurationOut, tags=["email configurations"],
             summary="Create an email configuration", description=DEFAULT_DOC,
             responses=WRITE_ERRORS)
async def create_email_configuration(body: EmailConfigurationCreate, session: SessionDep,
                                     _: CrmWrite) -> EmailConfigurationOut:
    """A new sender and branding for invoice emails."""
    config = await service.create_email_configuration(session, body.model_dump())
    return EmailConfigurationOut.model_validate(config)


@router.get(CONFIGS, response_model=EmailConfigurationPage, tags=["email configurations"],
            summary="List email configurations", responses=READ_ERRORS)
async def list_email_configurations(
    session: SessionDep, _: CrmRead, limit: Limit = 50, offset: Offset = 0,
    is_default: Annotated[Flag, Query(description="Only the default (true)")] = None,
) -> EmailConfigurationPage:
    """Email configurations, oldest first."""
    rows, total = await service.list_email_configurations(
        session, is_default=is_default, limit=limit, offset=offset)
    return EmailConfigurationPage(data=[EmailConfigurationOut.model_validate(r) for r in rows],
                                  pagination=pagination(total, limit, offset))


@router.get(CONFIG, response_model=EmailConfigurationOut, tags=["email configurations"],
            summary="Get an email configuration", responses=READ_ERRORS)
async def get_email_configuration(config_id: RecordId, session: SessionDep,
                                  _: CrmRead) -> EmailConfigurationOut:
    """One email configuration."""
    config = await service.get_email_configuration(session, config_id)
    return EmailConfigurationOut.model_validate(config)


@router.patch(CONFIG, response_model=EmailConfigurationOut, tags=["email configurations"],
              summary="Update an email configuration", description=f"{PATCH_DOC} {DEFAULT_DOC}",
              responses=WRITE_ERRORS)
async def update_email_configuration(config_id: RecordId, body: EmailConfigurationUpdate,
                                     session: SessionDep, _: CrmWrite) -> EmailConfigurationOut:
    """Partial update."""
    config = await service.update_email_configuration(session, config_id,
                                                      body.model_dump(exclude_unset=True))
    return EmailConfigurationOut.model_validate(config)


@router.put(CONFIG, response_model=EmailConfigurationOut, tags=["email configurations"],
            summary="Replace an email configuration", description=f"{PUT_DOC} {DEFAULT_DOC}",
            responses=WRITE_ERRORS)
async def replace_email_configuration(config_id: RecordId, body: EmailConfigurationCreate,
                                      session: SessionDep,
                                      _: CrmWrite) -> EmailConfigurationOut:
    """Full update."""
    config = await service.update_email_configuration(session, config_id, body.model_dump())
    return EmailConfigurationOut.model_validate(config)
