from . import bank_connection, bank_profile
