"""The ids the published request examples name: records that exist in `make demo`."""

from __future__ import annotations

# Xero: the emulator's demo organisation (EmulatorConfig(seed="demo")). Its ids come from a
# seeded generator and its history is laid out relative to today, so they never change;
# tests/quality/test_examples_run.py checks each is still the record described here.
TENANT_ID = "ae2ab026-0b53-4e7c-ba65-f0407a6e75f5"  # Harbourside Joinery Ltd
XERO_CONTACT_ID = "89165932-2f5f-48e6-92ef-126697ab2783"  # Aroha Interiors, a customer
XERO_SUPPLIER_ID = "b284a451-0321-4085-bf60-cba9ba55d1f3"  # Timberland Supplies, a bill unpaid
XERO_INVOICE_ID = "d5dd494c-35cd-4975-bac8-60d05b7f03c1"  # INV-0010 to Aroha, AUTHORISED
XERO_DRAFT_INVOICE_ID = "519906d7-5651-47e6-816b-3e91ac551ed9"  # INV-0167, a DRAFT sale

# CRM: fixed ids the demo gives its records (ledgerlink.crm.examples.seed_example_records).
CUSTOMER_ID = "a5fbd945-aa20-4603-a9a8-ef0daff44025"  # Aroha Interiors, linked to Xero's
CRM_CONTACT_ID = "92d1e3e2-7814-44df-82cc-541ced9430bc"  # its primary contact (the deal's)
SECONDARY_CONTACT_ID = "c04663de-0400-47c9-8cb5-6f350a03e4d2"  # its accounts person
PRODUCT_ID = "2c0ab83d-3d0b-4133-8e8a-6e6c396b2ff9"  # Kitchen cabinet module
PLAN_PRODUCT_ID = "32a340df-09fd-4b54-a9bb-76ca5ff036a1"  # a monthly care plan
DEAL_ID = "5383e565-c34f-4dc4-aa1b-b0d92a73144c"  # the customer's showroom fit-out
DEAL_PRODUCT_ID = "1cb52ca7-28a6-4d0a-8747-4e0ff8473dd4"  # the deal's cabinet line

# Automations: the demo integration's partner function
# (ledgerlink.automations.examples.seed_example_partner_function).
PARTNER_FUNCTION_ID = "734e0e32-fa45-4b04-9874-6fea51330de9"
