"""Pure logic of the payment release workflow (no Odoo imports; testable without a database)."""
