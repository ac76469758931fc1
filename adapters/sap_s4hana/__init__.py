"""Reference adapter: the canonical ``erp-finance`` API and ``finance-events`` over an SAP
S/4HANA-style OData v2 service (the ``sap-s4hana-odata`` contract)."""
