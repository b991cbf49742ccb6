"""ISO 20022 payment statuses and reason codes → what happens to a payment line.

Pure logic (no ORM): the status event model asks ``action_for`` what a status
means for a line in a given state and applies it; ``reason_text`` turns an ISO
ExternalStatusReason1Code / ExternalReturnReason1Code into words a treasurer
reads on the exception activity.
"""
from dataclasses import dataclass

# Line states (finance.payment.batch.line.state) in the order a payment moves through them.
IN_FLIGHT = ("in_process", "accepted")
FINAL = ("paid", "rejected", "returned", "excluded")

# Statuses that keep a payment in process: received, technically / customer-profile accepted,
# settlement in process, pending.
IN_PROCESS = frozenset({"RCVD", "ACTC", "ACCP", "ACSP", "PDNG", "ACWC", "ACWP"})
ACCEPTED = frozenset({"ACTC", "ACCP", "ACSP", "ACWC", "ACWP"})
SETTLED = frozenset({"ACSC", "ACCC", "BOOK"})
REJECTED = frozenset({"RJCT", "CANC"})
RETURNED = frozenset({"RTRN"})
PARTIAL = frozenset({"PART"})

# ExternalStatusReason1Code / ExternalReturnReason1Code (ISO 20022 external code sets), the codes
# banks use most in pain.002 and camt.053/054 returns. Unknown codes are shown as they are.
REASON_TEXTS = {
    "AC01": "Incorrect account number: the account number is either invalid or missing",
    "AC02": "Invalid debtor account number",
    "AC03": "Invalid creditor account number",
    "AC04": "Closed account number: the account is closed",
    "AC06": "Blocked account: the account is blocked",
    "AC13": "Invalid debtor account type",
    "AG01": "Transaction forbidden on this type of account",
    "AG02": "Invalid bank operation code",
    "AM01": "Zero amount",
    "AM02": "Amount exceeds the maximum allowed",
    "AM04": "Insufficient funds: the amount is not covered by the account balance",
    "AM05": "Duplication: this payment appears to be a duplicate",
    "AM09": "Wrong amount",
    "BE01": "Inconsistent with end customer: the creditor name does not match the account",
    "BE04": "Missing creditor address",
    "BE05": "Unrecognised initiating party",
    "CNOR": "Creditor bank is not registered under this BIC in the clearing system",
    "DNOR": "Debtor bank is not registered under this BIC in the clearing system",
    "DT01": "Invalid date",
    "DUPL": "Duplicate payment",
    "ED05": "Settlement failed",
    "FF01": "Invalid file format",
    "FOCR": "Return following a cancellation request",
    "MD07": "End customer deceased",
    "MS02": "Not specified reason, customer generated",
    "MS03": "Not specified reason, agent generated",
    "NARR": "Reason given in the narrative",
    "RC01": "Bank identifier (BIC) incorrect",
    "RR01": "Missing debtor account or identification (regulatory)",
    "RR02": "Missing debtor name or address (regulatory)",
    "RR03": "Missing creditor name or address (regulatory)",
    "RR04": "Regulatory reason",
    "SL01": "Specific service offered by the debtor agent",
    "TM01": "Received after the cut-off time",
}


def reason_text(code, text=None):
    """``AC04 — Closed account number…`` (plus the bank's own words when it sent some)."""
    if not code and not text:
        return ""
    label = REASON_TEXTS.get((code or "").upper(), "Reason code not in the ISO list" if code else "")
    head = f"{code} — {label}" if code else ""
    if text and text.strip() and text.strip() not in label:
        return f"{head}: {text.strip()}" if head else text.strip()
    return head


@dataclass(frozen=True)
class LineAction:
    """What to do with one payment line: its new state (or None: nothing) and why."""

    new_state: str | None
    reverse: bool = False        # reverse the payment's journal entry and re-open the bills
    settle: bool = False         # mark the payment paid and reconcile it
    exception: bool = False      # open an exception activity
    note: str = ""


NOTHING = LineAction(None, note="no change")


def action_for(status, line_state, amount_matches=True):
    """The action a status (of one transaction) has on a line currently in ``line_state``.

    Late and duplicated events change nothing: a status never moves a line backwards (an ACTC after
    ACSC, a second RJCT), and a final line only leaves its state through a return after settlement.
    ``PART`` at transaction level (a partial settlement) is kept in process for a person to look at.
    """
    if status in RETURNED:
        if line_state == "paid":
            return LineAction("returned", reverse=True, exception=True, note="returned after settlement")
        if line_state in IN_FLIGHT:
            return LineAction("rejected", reverse=True, exception=True, note="returned before settlement")
        return NOTHING
    if status == "BOOK" and line_state == "paid" and amount_matches:
        # Settled by an ACSC first, booked on the statement now: reconcile with the line (nothing else).
        return LineAction(None, settle=True, note="booked on the statement")
    if line_state in FINAL or line_state not in IN_FLIGHT:
        return NOTHING
    if status in IN_PROCESS:
        if line_state == "in_process" and status in ACCEPTED:
            return LineAction("accepted", note="accepted by the bank, settlement in process")
        return NOTHING
    if status in SETTLED:
        if not amount_matches:
            return LineAction(None, exception=True, note="booked with another amount")
        return LineAction("paid", settle=True, note="settled")
    if status in REJECTED:
        return LineAction("rejected", reverse=True, exception=True, note="rejected by the bank")
    if status in PARTIAL:
        return LineAction(None, exception=True, note="partially processed")
    return NOTHING


def group_status_applies_to_lines(status):
    """A group or payment-information status without transaction detail: RJCT and ACSC/ACCP/ACTC
    apply to every line; PART needs the transaction statuses and changes nothing by itself."""
    return status not in PARTIAL


def batch_state(line_states):
    """The batch state the states of its (non-excluded) lines add up to, or None (leave it)."""
    states = [s for s in line_states if s != "excluded"]
    if not states:
        return None
    bad = sum(1 for s in states if s in ("rejected", "returned"))
    if bad == len(states):
        return "rejected"
    if bad:
        return "partially_rejected"
    if all(s == "paid" for s in states):
        return "settled"
    if all(s in ("accepted", "paid") for s in states):
        return "accepted"
    return None
