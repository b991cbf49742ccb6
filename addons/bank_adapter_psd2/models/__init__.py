from . import bank_connection, demo_setup, sync_engine
