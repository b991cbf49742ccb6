"""Due-date horizons of the cash position: pure logic, shared by the SQL and the tests."""
from datetime import date

# Cumulative horizons in days: "today" counts what is due today or overdue.
HORIZONS = (0, 7, 30, 90)


def bucket_of(due: date, today: date) -> int | None:
    """Smallest horizon an item due on ``due`` falls into, or None beyond the last one."""
    days = (due - today).days
    for horizon in HORIZONS:
        if days <= horizon:
            return horizon
    return None


def bucket_sql(due_expr: str, today_expr: str = "CURRENT_DATE") -> str:
    """The SQL twin of ``bucket_of`` (NULL beyond the last horizon)."""
    cases = " ".join(f"WHEN ({due_expr}) - ({today_expr}) <= {h} THEN {h}" for h in HORIZONS)
    return f"(CASE {cases} ELSE NULL END)"


def position_at(balance, transit, buckets: dict, horizon: int):
    """Position at a horizon: balances + in transit + everything due up to that horizon."""
    return balance + transit + sum(v for h, v in buckets.items() if h is not None and h <= horizon)
