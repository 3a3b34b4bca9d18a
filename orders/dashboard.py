"""The orders app's part of the admin's dashboard: sales today and over the last days, with a
bar per day, and the best-sellers. Two queries, whatever the size of the shop."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from .models import Order, OrderItem

PERIOD_DAYS = 30
BEST_SELLERS = 5


@dataclass(frozen=True)
class Day:
    day: date
    orders: int
    revenue: Decimal
    bar_height: float  # percent of the best day's revenue

    @property
    def bar_top(self) -> float:
        return 100 - self.bar_height


@dataclass(frozen=True)
class Sales:
    days: list[Day]  # oldest first, every day of the period, today last
    best_sellers: list[dict]
    since: datetime  # the period's first moment

    @property
    def today(self) -> Day:
        return self.days[-1]

    @property
    def orders(self) -> int:
        return sum(day.orders for day in self.days)

    @property
    def revenue(self) -> Decimal:
        return sum((day.revenue for day in self.days), Decimal("0.00"))


def sales(*, days: int = PERIOD_DAYS) -> Sales:
    today = timezone.localdate()
    first_day = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first_day, time.min))
    by_day = {row["day"]: row for row in Order.objects.daily_sales(since)}
    best = max((row["revenue"] for row in by_day.values()), default=Decimal(0))
    series = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        row = by_day.get(day, {"orders": 0, "revenue": Decimal("0.00")})
        height = float(row["revenue"] / best * 100) if best else 0.0
        series.append(Day(day, row["orders"], row["revenue"], height))
    best_sellers = list(OrderItem.objects.best_sellers(since, BEST_SELLERS))
    return Sales(days=series, best_sellers=best_sellers, since=since)
