from . import bank_connection, psd2_authorisation, sync_engine
