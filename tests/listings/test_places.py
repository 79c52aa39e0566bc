"""The place base of parks, listings and land parcels (listings/places.py)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests import factories

pytestmark = pytest.mark.django_db


PLACES = {
    "park": factories.make_park,
    "listing": factories.make_listing,
    "parcel": factories.make_parcel,
}


@pytest.mark.parametrize("kind", PLACES)
def test_every_place_checks_its_town_and_coordinates(kind):
    place = PLACES[kind]()
    assert place.district == "松江区"
    place.town = "火星镇"
    place.longitude = Decimal("10")
    place.latitude = None
    with pytest.raises(ValidationError) as error:
        place.full_clean()
    errors = error.value.message_dict
    assert errors["town"] == ["“火星镇”不是松江区的镇或街道。"]
    assert errors["longitude"] == ["经度应在 73 到 136 之间（GCJ-02）。"]
    assert errors["latitude"] == ["经度和纬度需同时填写或同时留空。"]
    place.town, place.longitude, place.latitude = "九亭", Decimal("121.3"), Decimal("99")
    with pytest.raises(ValidationError) as error:
        place.full_clean()
    assert error.value.message_dict == {"latitude": ["纬度应在 3 到 54 之间（GCJ-02）。"]}
    assert place.town == "九亭镇"
    place.latitude = Decimal("31.1")
    place.full_clean()


@pytest.mark.parametrize("kind", PLACES)
def test_every_place_keeps_its_own_checks_with_the_places(kind):
    place = PLACES[kind]()
    place.town = "火星镇"
    if kind == "park":
        place.name = ""
        own = "name"
    elif kind == "listing":
        place.floors, place.storey = 1, 3
        own = "storey"
    else:
        place.plot_ratio_min, place.plot_ratio_max = Decimal("2"), Decimal("1")
        own = "plot_ratio_max"
    with pytest.raises(ValidationError) as error:
        place.full_clean()
    assert {"town", own} <= set(error.value.message_dict)


@pytest.mark.parametrize("kind", PLACES)
def test_every_place_indexes_its_town_when_saved(kind):
    place = PLACES[kind](town="泖港镇")
    place.refresh_from_db()
    assert "泖港" in place.search_vector
    place.town = "九亭镇"
    place.save(update_fields=["town"])
    place.refresh_from_db()
    assert "九亭" in place.search_vector and "泖港" not in place.search_vector


def test_map_links_name_parks_and_parcels_their_own_way():
    park = factories.make_park(name="东部园", longitude=Decimal("121.3"), latitude=Decimal("31"))
    parcel = factories.make_parcel(
        code="YF-1", location="某路", longitude=Decimal("121.3"), latitude=Decimal("31")
    )
    assert "name=%E4%B8%9C%E9%83%A8%E5%9B%AD" in park.map_links()[0][1]
    assert "name=YF-1+%E6%9F%90%E8%B7%AF" in parcel.map_links()[0][1]
