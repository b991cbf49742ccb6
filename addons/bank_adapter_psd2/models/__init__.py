from . import bank_connection, sync_engine
