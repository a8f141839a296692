"""The system's trading configuration: versioned, validated, audited, read live.

:func:`trading_settings` returns the version in force (the highest :class:`TradingConfig` row, or
the defaults below before the first save); every caller reads it when it acts — the order gate
(size limits), the breaker rules (risk limits, trading hours), the flatten preview (default
costs) — so a saved change applies to the next order without a restart. :func:`config_save`
writes a new version (never edits one) after :meth:`TradingSettings.validate`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from quant.trading.errors import TradingError
from quant.trading.ops_models import TradingConfig


class ConfigInvalid(ValueError):
    """A configuration that fails validation; ``str(exc)`` names the field and the rule."""


@dataclass(frozen=True)
class TradingSettings:
    """Units: times are local wall-clock in ``timezone``; percentages of equity; money in dollars;
    costs in basis points of traded value; ``stale_data_days`` calendar days. A P&L limit or
    ``stale_data_days`` of 0 turns that rule off (the defaults: history replays would trip them)."""

    market_open: dt.time = dt.time(9, 30)
    market_close: dt.time = dt.time(16, 0)
    timezone: str = "America/New_York"
    trading_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    holidays: tuple[dt.date, ...] = ()
    max_daily_loss_pct: float = 0.0  # 0 = off until an admin sets a limit (paper replays of history)
    max_drawdown_pct: float = 0.0
    reject_storm_count: int = 20
    reject_storm_minutes: int = 5
    stale_data_days: int = 0
    max_order_shares: Decimal = Decimal(1_000_000)
    max_order_value: Decimal = Decimal(10_000_000)
    commission_bps: Decimal = Decimal(0)
    slippage_bps: Decimal = Decimal(5)
    version: int = field(default=0, compare=False)

    def validate(self) -> TradingSettings:
        """Return self, or raise :class:`ConfigInvalid` with the first broken rule."""
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigInvalid(f"timezone: unknown time zone {self.timezone!r}") from None
        rules = [
            (self.market_open < self.market_close, "market_close: must be after market_open"),
            (bool(self.trading_days) and all(0 <= d <= 6 for d in self.trading_days),
             "trading_days: choose at least one weekday"),
            (0 <= self.max_daily_loss_pct <= 100, "max_daily_loss_pct: must be 0 (off) to 100 %"),
            (0 <= self.max_drawdown_pct <= 100, "max_drawdown_pct: must be 0 (off) to 100 %"),
            (1 <= self.reject_storm_count <= 10_000, "reject_storm_count: must be 1 to 10,000 rejects"),
            (1 <= self.reject_storm_minutes <= 1440, "reject_storm_minutes: must be 1 to 1,440 minutes"),
            (0 <= self.stale_data_days <= 365, "stale_data_days: must be 0 (off) to 365 days"),
            (self.max_order_shares > 0, "max_order_shares: must be positive shares"),
            (self.max_order_value > 0, "max_order_value: must be positive dollars"),
            (0 <= self.commission_bps <= 1000, "commission_bps: must be 0 to 1,000 bps"),
            (0 <= self.slippage_bps <= 1000, "slippage_bps: must be 0 to 1,000 bps"),
        ]  # fmt: skip
        for ok, message in rules:
            if not ok:
                raise ConfigInvalid(message)
        return self

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key == "version":
                continue
            if isinstance(value, dt.time):
                value = value.strftime("%H:%M")
            elif isinstance(value, Decimal):
                value = f"{value.normalize():f}"
            elif key == "holidays":
                value = [d.isoformat() for d in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], *, version: int = 0) -> TradingSettings:
        """Parse stored or submitted values (unknown keys are refused; missing ones take defaults)."""
        known = {f.name for f in fields(cls)} - {"version"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigInvalid(f"{unknown[0]}: not a configuration field")
        base = cls()
        values: dict[str, Any] = {}
        try:
            for key, raw in data.items():
                default = getattr(base, key)
                if isinstance(default, dt.time):
                    values[key] = dt.time.fromisoformat(str(raw))
                elif isinstance(default, Decimal):
                    values[key] = Decimal(str(raw))
                    if not values[key].is_finite():
                        raise InvalidOperation
                elif key == "holidays":
                    values[key] = tuple(sorted(dt.date.fromisoformat(str(d)) for d in raw))
                elif key == "trading_days":
                    values[key] = tuple(sorted({int(d) for d in raw}))
                elif isinstance(default, float):
                    values[key] = float(raw)
                elif isinstance(default, int):
                    values[key] = int(raw)
                else:
                    values[key] = str(raw)
        except (ValueError, TypeError, InvalidOperation):
            raise ConfigInvalid(f"{key}: {raw!r} is not a valid value") from None
        return replace(base, version=version, **values)

    # --- what the code asks ----------------------------------------------------------------------
    def is_trading_day(self, day: dt.date) -> bool:
        return day.weekday() in self.trading_days and day not in self.holidays

    def market_open_at(self, when: dt.datetime) -> bool:
        """Whether ``when`` (aware) falls inside the trading hours of a trading day."""
        local = when.astimezone(zoneinfo.ZoneInfo(self.timezone))
        return self.is_trading_day(local.date()) and self.market_open <= local.time() < self.market_close


def trading_settings() -> TradingSettings:
    """The configuration in force (one small query: read at each use, so changes apply at once)."""
    row = TradingConfig.objects.order_by("-version").values("version", "data").first()
    if row is None:
        return TradingSettings()
    return TradingSettings.from_json(row["data"], version=row["version"])


def config_save(*, values: TradingSettings, user: Any, reason: str) -> TradingConfig:
    """Validate and store ``values`` as the next version; the caller audits the change."""
    if not reason.strip():
        raise ConfigInvalid("reason: write why the configuration changes")
    values.validate()
    try:
        with transaction.atomic():
            last = TradingConfig.objects.select_for_update().order_by("-version").first()
            version = (last.version if last else 0) + 1
            return TradingConfig.objects.create(version=version, data=values.as_json(), reason=reason.strip(),
                                                created_by=user)  # fmt: skip
    except IntegrityError:  # two saves raced for the same version number
        raise TradingError("another change was saved at the same time: reload and try again") from None


def config_diff(old: TradingSettings, new: TradingSettings) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` of the fields that differ (for the audit log)."""
    a, b = old.as_json(), new.as_json()
    return {k: [a[k], b[k]] for k in a if a[k] != b[k]}
