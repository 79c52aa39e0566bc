"""The land fit calculator of parcel pages: what buying a parcel costs and whether a
project's planned investment and tax meet the parcel's thresholds (GLOSSARY "Buying
land"). Pure arithmetic on Decimals; rates come from settings (basis points)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")


def _money(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LandFit:
    area_mu: Decimal
    land_price: Decimal  # 万元, at the starting price
    deposit: Decimal | None  # 万元, as the announcement states
    deed_tax: Decimal  # 万元
    stamp_duty: Decimal  # 万元
    deed_tax_percent: Decimal
    stamp_duty_percent: Decimal
    intensity: Decimal | None  # 万元/亩 the project implies
    intensity_min: Decimal | None  # 万元/亩 the parcel asks
    tax_per_mu: Decimal | None  # 万元/亩/年 the project implies
    tax_per_mu_min: Decimal | None

    @property
    def total(self):
        """Land price with deed tax and stamp duty (the deposit is part of the price)."""
        return self.land_price + self.deed_tax + self.stamp_duty

    @property
    def intensity_ok(self):
        return _meets(self.intensity, self.intensity_min)

    @property
    def tax_ok(self):
        return _meets(self.tax_per_mu, self.tax_per_mu_min)


def _meets(value, minimum):
    """True or False against a stated minimum; None when either is unknown."""
    if value is None or minimum is None:
        return None
    return value >= minimum


def land_fit(parcel, investment=None, annual_tax=None):
    """investment: planned total investment (万元); annual_tax: expected tax a year (万元)."""
    price = parcel.starting_price
    mu = parcel.area_mu
    deed_bp, stamp_bp = Decimal(settings.LAND_DEED_TAX_BP), Decimal(settings.LAND_STAMP_DUTY_BP)
    per_mu = mu > 0
    return LandFit(
        area_mu=mu,
        land_price=price,
        deposit=parcel.deposit,
        deed_tax=_money(price * deed_bp / 10000),
        stamp_duty=_money(price * stamp_bp / 10000),
        deed_tax_percent=(deed_bp / 100).normalize(),
        stamp_duty_percent=(stamp_bp / 100).normalize(),
        intensity=_money(investment / mu) if investment is not None and per_mu else None,
        intensity_min=parcel.investment_intensity,
        tax_per_mu=_money(annual_tax / mu) if annual_tax is not None and per_mu else None,
        tax_per_mu_min=parcel.tax_per_mu,
    )
