from django.db import models

from leads.models import SUBJECT_KINDS, Inquiry, SourceKind, subject_kind_of
from tests import factories


def test_every_subject_an_inquiry_can_hold_is_in_the_one_table():
    subject_fields = {
        field.name
        for field in Inquiry._meta.get_fields()
        if isinstance(field, models.ForeignKey)
        and field.name not in ("assigned_agent", "duplicate_of", "routing_rule", "share")
    }
    assert {kind.field for kind in SUBJECT_KINDS} == subject_fields
    for kind in SUBJECT_KINDS:
        assert Inquiry._meta.get_field(kind.field).related_model is kind.model
    assert {kind.source for kind in SUBJECT_KINDS} == set(SourceKind) - {SourceKind.GENERAL}


def test_an_inquiry_names_its_subject(db):
    listing = factories.make_listing()
    assert subject_kind_of(listing).key == "listing"
    assert subject_kind_of(object()) is None and subject_kind_of(None) is None
    assert Inquiry(listing=listing).subject == listing
    assert Inquiry().subject is None
