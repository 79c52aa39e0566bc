"""The land fit calculator on parcel pages (GLOSSARY "Buying land"), figures by hand."""

from decimal import Decimal

import pytest

from listings.land_fit import land_fit
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def parcel():
    # 11,875.3 ㎡ = 17.81 亩 at a starting price of 1,104 万元
    return factories.make_parcel(
        deposit=D("220.8"), investment_intensity=D("1500"), tax_per_mu=D("50")
    )


def test_it_works_out_the_cost_and_the_thresholds(parcel):
    fit = land_fit(parcel, investment=D("30000"), annual_tax=D("900"))
    assert fit.area_mu == D("17.81")
    assert fit.land_price == D("1104")
    assert fit.deposit == D("220.8")
    assert fit.deed_tax == D("33.12")  # 3 % of 1,104
    assert fit.stamp_duty == D("0.55")  # 0.05 % of 1,104 = 0.552
    assert fit.total == D("1137.67")
    assert fit.intensity == D("1684.45")  # 30,000 ÷ 17.81
    assert fit.intensity_ok is True
    assert fit.tax_per_mu == D("50.53")  # 900 ÷ 17.81
    assert fit.tax_ok is True


def test_rates_are_settings(parcel, settings):
    settings.LAND_DEED_TAX_BP = 400
    settings.LAND_STAMP_DUTY_BP = 10
    fit = land_fit(parcel)
    assert (fit.deed_tax, fit.stamp_duty) == (D("44.16"), D("1.10"))
    assert (fit.deed_tax_percent, fit.stamp_duty_percent) == (D("4"), D("0.1"))
    assert fit.intensity is None and fit.intensity_ok is None


def test_the_parcel_page_shows_the_calculation(client, parcel, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(f"/land/{parcel.pk}/?investment=30000&tax=700")
    html = response.content.decode()
    assert 'id="land-fit"' in html
    assert "33.12" in html and "0.55" in html and "1137.67" in html
    assert "1684.45" in html
    assert "达标（要求 ≥ 1500）✓" in html
    assert "39.3" in html  # 700 ÷ 17.81 = 39.30
    assert "未达标（要求 ≥ 50）✗" in html


def test_without_input_it_shows_the_cost_only(client, parcel):
    html = client.get(f"/land/{parcel.pk}/").content.decode()
    assert "1137.67" in html
    assert "未达标" not in html


@pytest.mark.parametrize(
    "query", ["?investment=abc&tax=-5", "?investment=1e999&tax=NaN", "?tax=%00"]
)
def test_bad_input_is_left_out(client, parcel, query):
    response = client.get(f"/land/{parcel.pk}/{query}")
    assert response.status_code == 200
    assert "未达标" not in response.content.decode()


def test_a_parcel_without_thresholds_says_so(client):
    parcel = factories.make_parcel()
    html = client.get(f"/land/{parcel.pk}/?investment=30000").content.decode()
    assert "（地块未规定）" in html


def test_the_calculator_in_english(client, parcel):
    html = client.get(f"/en/land/{parcel.pk}/?investment=30000").content.decode()
    assert "Land fit calculator" in html
    assert "meets the threshold (≥ 1500) ✓" in html
