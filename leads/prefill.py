"""What the inquiry form can know before the visitor types: the need and a first line of
the message, from the page it is on (a listing, a land parcel, a park) or from the
filters of a results page (/listings/, /land/)."""

from django.utils.translation import gettext as _

from core.numbers import wan_text
from leads.models import NeedKind
from listings.forms import LandFilterForm, ListingFilterForm
from listings.models import LandParcel, Listing, Park
from listings.places import place_name

# Results pages whose filters the form carries: the `from` value of /inquiry/?from=…
FILTER_SOURCES = {"listings": ListingFilterForm, "land": LandFilterForm}


def _whole(number):
    return int(number) if number else None


def initial_for_subject(obj):
    """Need and message for a form attached to obj; {} for anything else."""
    if isinstance(obj, Listing):
        parts = [place_name(obj.town), obj.park.name if obj.park_id else ""]
        place = _("，").join(str(p) for p in parts if p)
        return {
            "need_kind": obj.kind,
            "need_deal": obj.deal,
            "need_area": _whole(obj.building_area),
            "message": _("我对这套房源感兴趣：%(title)s（%(place)s，房源编号 %(code)s）。")
            % {"title": obj.title, "place": place, "code": obj.code},
        }
    if isinstance(obj, LandParcel):
        return {
            "need_kind": NeedKind.LAND,
            "need_area": _whole(obj.area),
            "message": _("我对地块 %(code)s 感兴趣：%(location)s，约 %(mu)s 亩。")
            % {"code": obj.code, "location": obj.location, "mu": obj.area_mu},
        }
    if isinstance(obj, Park):
        return {
            "message": _("我想了解%(park)s（%(town)s）的厂房、土地和政策。")
            % {"park": obj.name, "town": place_name(obj.town)},
        }
    return {}


def initial_for_filters(source, params):
    """Need and message from the filters of a results page (source: 'listings' or 'land')."""
    form_class = FILTER_SOURCES.get(source)
    if form_class is None:
        return {}
    form = form_class(params)
    filters = form.filters
    labels = [label for _name, label in form.chips()]
    if not labels:
        return {}
    initial = {"message": _("请按这些条件帮我找：%(filters)s。") % {"filters": "；".join(labels)}}
    if source == "land":
        initial["need_kind"] = NeedKind.LAND
    elif filters.get("kind") in NeedKind.values:
        initial["need_kind"] = filters["kind"]
    if filters.get("deal"):
        initial["need_deal"] = filters["deal"]
    if filters.get("area_min"):
        initial["need_area"] = _whole(filters["area_min"])
    if filters.get("rent_max"):
        initial["need_budget"] = _("%(rent)s元/㎡/天以内") % {"rent": filters["rent_max"]}
    elif filters.get("sale_max") or filters.get("price_max"):
        total = filters.get("sale_max") or filters.get("price_max")
        initial["need_budget"] = _("总价%(total)s万元以内") % {"total": wan_text(total)}
    return initial
