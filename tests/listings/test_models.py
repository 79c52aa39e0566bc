from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from listings.models import LandParcel, Listing
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_database_refuses_negative_areas_and_prices():
    for values in [
        {"building_area": Decimal("-1")},
        {"rent_price": Decimal("-0.5")},
        {"sale_price": Decimal("-1"), "deal": Listing.Deal.SALE},
        {"floor_height": Decimal("-3")},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            factories.make_listing(**values)


def test_the_database_refuses_a_min_divisible_area_above_the_building_area():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_listing(building_area=Decimal("1000"), min_divisible_area=Decimal("1200"))


def test_listing_codes_are_unique():
    factories.make_listing(code="XQ-F-0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_listing(code="XQ-F-0001")


def test_validation_explains_what_is_wrong():
    listing = Listing(
        code=" xq-f-9 ",
        title="测试",
        town="火星镇",
        building_area=Decimal("1000"),
        min_divisible_area=Decimal("2000"),
        floors=2,
        storey=5,
        single_storey=True,
        deal=Listing.Deal.RENT,
        longitude=Decimal("10"),
        latitude=Decimal("31"),
    )
    with pytest.raises(ValidationError) as error:
        listing.full_clean()
    errors = error.value.message_dict
    assert errors["town"] == ["“火星镇”不是松江区的镇或街道。"]
    assert errors["min_divisible_area"] == ["最小分割面积不能大于建筑面积。"]
    assert errors["storey"] == ["所在楼层不能高于总层数。"]
    assert errors["single_storey"] == ["总层数大于 1 的房源不能标为单层。"]
    assert errors["rent_price"] == ["请填写租金（元/㎡/天），或勾选“面议”。"]
    assert errors["longitude"] == ["经度应在 73 到 136 之间（GCJ-02）。"]
    assert listing.code == "XQ-F-9"


def test_short_town_names_are_stored_in_full():
    listing = Listing(code="A-1", title="t", town="新桥", building_area=100, rent_price=1)
    listing.full_clean()
    assert listing.town == "新桥镇"


def test_monthly_rent_is_price_times_area_times_30_in_wan():
    listing = factories.make_listing(building_area=Decimal("3200"), rent_price=Decimal("1.20"))
    # 1.20 × 3200 × 30 ÷ 10,000 = 11.52 万元/月
    assert listing.monthly_rent_wan == Decimal("11.52")


def test_badges_name_the_features():
    listing = factories.make_listing(
        eia_approvable=True,
        standalone=True,
        single_storey=True,
        crane_tonnage=Decimal("10"),
        min_divisible_area=Decimal("500"),
    )
    assert [str(b) for b in listing.badges] == ["可环评", "独栋", "单层", "行车", "可分割"]
    plain = factories.make_listing()
    assert plain.badges == []


def test_published_hides_drafts_future_and_unverified_listings(settings):
    settings.LISTING_STALE_DAYS = 90
    now = timezone.now()
    shown = factories.make_listing()
    reserved = factories.make_listing(status=Listing.Status.RESERVED)
    factories.make_listing(status=Listing.Status.DRAFT)
    factories.make_listing(status=Listing.Status.LET)
    factories.make_listing(published_at=now + timedelta(days=1))
    factories.make_listing(published_at=None)
    stale = factories.make_listing(last_verified_at=now - timedelta(days=91))
    assert set(Listing.objects.published()) == {shown, reserved}
    assert stale in Listing.objects.stale()
    assert stale.is_stale and not shown.is_stale


def test_a_listing_goes_stale_after_the_configured_days(settings):
    settings.LISTING_STALE_DAYS = 30
    listing = factories.make_listing(last_verified_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert not Listing.objects.published().filter(pk=listing.pk).exists()
        assert Listing.objects.get(pk=listing.pk).is_stale


def test_map_links_need_no_key_and_offer_tencent_only_when_configured(settings):
    settings.TENCENT_MAP_REFERER = ""
    listing = factories.make_listing(
        title="新桥厂房", longitude=Decimal("121.318"), latitude=Decimal("31.07")
    )
    listing.refresh_from_db()
    links = {str(label): url for label, url in listing.map_links()}
    assert links["高德地图"] == (
        "https://uri.amap.com/marker?position=121.318000,31.070000&name="
        "%E6%96%B0%E6%A1%A5%E5%8E%82%E6%88%BF"
    )
    assert links["百度地图"].startswith(
        "https://api.map.baidu.com/marker?location=31.070000,121.318000"
    )
    assert "coord_type=gcj02" in links["百度地图"]
    assert "腾讯地图" not in links
    settings.TENCENT_MAP_REFERER = "G60PORTAL"
    links = {str(label): url for label, url in listing.map_links()}
    assert links["腾讯地图"].startswith(
        "https://apis.map.qq.com/uri/v1/marker?marker=coord:31.070000,121.318000;"
    )
    assert links["腾讯地图"].endswith("&referer=G60PORTAL")
    assert factories.make_listing().map_links() == []


def test_similar_listings_prefer_the_same_town_then_the_closest_area():
    base = factories.make_listing(town="新桥镇", building_area=Decimal("2000"))
    same_town_far = factories.make_listing(town="新桥镇", building_area=Decimal("3500"))
    other_town_close = factories.make_listing(town="九亭镇", building_area=Decimal("2100"))
    same_town_close = factories.make_listing(town="新桥镇", building_area=Decimal("1900"))
    factories.make_listing(town="新桥镇", building_area=Decimal("9000"))  # too big
    factories.make_listing(town="新桥镇", kind=Listing.Kind.WAREHOUSE)  # other kind
    factories.make_listing(town="新桥镇", deal=Listing.Deal.SALE)  # other deal
    similar = list(Listing.objects.published().similar_to(base))
    assert similar == [same_town_close, same_town_far, other_town_close]


# ---- land parcels ---------------------------------------------------------------------


def test_parcel_area_and_price_in_the_trades_units():
    parcel = factories.make_parcel(area=Decimal("11875.3"), starting_price=Decimal("1104"))
    assert parcel.area_mu == Decimal("17.81")
    assert parcel.price_per_mu == Decimal("62.0")
    assert parcel.price_per_sqm == Decimal("930")


def test_parcel_status_follows_the_dates_unless_sold_or_withdrawn():
    now = timezone.now()
    parcel = factories.make_parcel(
        bidding_opens_at=now + timedelta(days=2), bidding_closes_at=now + timedelta(days=12)
    )
    assert parcel.current_status == LandParcel.Status.ANNOUNCED
    with time_machine.travel(now + timedelta(days=3)):
        assert parcel.current_status == LandParcel.Status.OPEN
        assert list(LandParcel.objects.in_status("open")) == [parcel]
        assert parcel.next_event[1] == parcel.registration_closes_at
    with time_machine.travel(now + timedelta(days=13)):
        assert parcel.current_status == LandParcel.Status.CLOSED
        assert list(LandParcel.objects.in_status("closed")) == [parcel]
        assert parcel.next_event is None
    parcel.status = LandParcel.Status.WITHDRAWN
    parcel.save()
    assert parcel.current_status == LandParcel.Status.WITHDRAWN
    assert list(LandParcel.objects.in_status("announced")) == []
    assert list(LandParcel.objects.in_status("withdrawn")) == [parcel]


def test_the_next_event_is_the_nearest_date_to_come():
    now = timezone.now()
    parcel = factories.make_parcel(
        registration_closes_at=now + timedelta(days=10),
        bidding_opens_at=now + timedelta(days=2),
        bidding_closes_at=now + timedelta(days=12),
    )
    label, when = parcel.next_event
    assert str(label) == "挂牌开始"
    assert when == parcel.bidding_opens_at


def test_parcel_validation():
    now = timezone.now()
    parcel = LandParcel(
        code="yf-1",
        location="永丰",
        town="永丰街道",
        area=Decimal("1000"),
        starting_price=Decimal("100"),
        plot_ratio_min=Decimal("2.0"),
        plot_ratio_max=Decimal("1.2"),
        bidding_opens_at=now + timedelta(days=5),
        bidding_closes_at=now + timedelta(days=1),
        status=LandParcel.Status.SOLD,
    )
    with pytest.raises(ValidationError) as error:
        parcel.full_clean()
    errors = error.value.message_dict
    assert errors["plot_ratio_max"] == ["容积率上限不能小于下限。"]
    assert errors["bidding_closes_at"] == ["挂牌截止时间不能早于挂牌开始时间。"]
    assert errors["result_price"] == ["已成交的地块请填写成交价（万元）。"]


def test_the_database_refuses_a_bidding_window_that_closes_before_it_opens():
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_parcel(
            bidding_opens_at=now + timedelta(days=5), bidding_closes_at=now + timedelta(days=1)
        )


def test_the_public_partial_indexes_hold_the_statuses_published_shows():
    for status in Listing.Status:
        listing = factories.make_listing(status=status)
        shown = Listing.objects.published().filter(pk=listing.pk).exists()
        assert shown == (status in Listing.PUBLIC_STATUSES)
    conditions = [dict(i.condition.children) for i in Listing._meta.indexes if i.condition]
    assert len(conditions) == 3
    for condition in conditions:
        assert condition["status__in"] == Listing.PUBLIC_STATUSES


def test_sold_and_withdrawn_parcels_are_final_whatever_the_dates():
    for status in LandParcel.FINAL_STATUSES:
        parcel = factories.make_parcel(status=status)
        assert parcel.current_status == status and parcel.next_event is None
        assert not LandParcel.objects.open_for_bidding().filter(pk=parcel.pk).exists()
        assert LandParcel.objects.in_status(status).filter(pk=parcel.pk).exists()


def test_the_price_rule_shows_the_price_of_the_deal_or_mianyi():
    rent = factories.make_listing(rent_price=Decimal("1.20"), building_area=Decimal("3200"))
    assert rent.price_text == "1.2 元/㎡/天"
    assert rent.price.monthly_wan == Decimal("11.52")
    sale = factories.make_listing(deal=Listing.Deal.SALE, sale_price=Decimal("2500.00"))
    assert sale.price_text == "2500 万元" and sale.price.monthly_wan is None
    # A price for the other deal is not this deal's price.
    rent_without_rent = factories.make_listing(rent_price=None, sale_price=Decimal("2500"))
    sale_without_price = factories.make_listing(
        deal=Listing.Deal.SALE, sale_price=None, rent_price=Decimal("1")
    )
    negotiable = factories.make_listing(rent_price=Decimal("1"), negotiable=True)
    for listing in [rent_without_rent, sale_without_price, negotiable]:
        assert listing.price.amount is None
        assert listing.price_text == "面议"
