from . import bank_connection, psd2_authorisation
