"""Which texts of parks, listings, land parcels and agents have an English version.

django-modeltranslation adds `<field>_zh_hans` (the Chinese original) and `<field>_en`
columns for each field named here; see docs/english.md."""

from modeltranslation.translator import TranslationOptions, register

from listings.models import Agent, LandParcel, Listing, ListingImage, Park, ParkImage


@register(Agent)
class AgentTranslation(TranslationOptions):
    fields = ("name", "title")


@register(Park)
class ParkTranslation(TranslationOptions):
    # The name is unique: a missing English name is NULL, not "" (which could repeat).
    empty_values = {"name": None}
    fields = ("name", "leading_industries", "summary", "introduction", "address")


@register(ParkImage)
class ParkImageTranslation(TranslationOptions):
    fields = ("caption",)


@register(Listing)
class ListingTranslation(TranslationOptions):
    fields = ("title", "address", "expressway_name", "payment_terms", "description")


@register(ListingImage)
class ListingImageTranslation(TranslationOptions):
    fields = ("caption",)


@register(LandParcel)
class LandParcelTranslation(TranslationOptions):
    fields = (
        "title",
        "location",
        "boundary_east",
        "boundary_south",
        "boundary_west",
        "boundary_north",
        "winner",
        "notes",
    )
