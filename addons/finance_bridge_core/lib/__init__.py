"""Pure logic of the core: no ORM imports, testable without a database."""
