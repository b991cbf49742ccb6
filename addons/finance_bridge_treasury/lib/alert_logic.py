"""Alert bookkeeping: which alerts to open and which to close (pure set logic, no database)."""


def breaches(value, threshold, comparator=">"):
    """True when a measured value breaches the rule's threshold."""
    if value is None:
        return False
    if comparator == "<=":
        return value <= threshold
    return value > threshold


def plan(open_keys, breaching_keys):
    """(to_open, to_close): an alert opens once per subject and closes when it clears."""
    open_keys, breaching_keys = set(open_keys), set(breaching_keys)
    return sorted(breaching_keys - open_keys), sorted(open_keys - breaching_keys)
