"""Queue outbox messages the only way server code may: through a source document that vouches for them.

``finance.outbox.test.document`` (addon ``finance_bridge_outbox_test``) is the reference
implementation of the ``finance.outbox.source`` contract, not a mock: the send-time check runs in
full against it.
"""


def source_document(env, key, message_type, payload, connection=None, company=None):
    company = company or (connection.company_id if connection else env.company)
    return env["finance.outbox.test.document"].sudo().create({
        "name": key, "message_type": message_type, "content": payload, "company_id": company.id,
        "connection_id": connection.id if connection else False})


def queue_message(env, key, message_type, payload, connection=None, company=None):
    """Create a released source document for ``payload`` and return the message it queued."""
    return source_document(env, key, message_type, payload, connection, company)._release()
