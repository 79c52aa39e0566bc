import pytest
from django import forms

from articles.forms import ChineseTagField, split_tags


@pytest.mark.parametrize(
    "typed, names",
    [
        ("智能制造，集成电路、生物医药；G60", ["智能制造", "集成电路", "生物医药", "G60"]),
        ('a, "b", a,  ,', ["a", "b"]),
        ("", []),
        (None, []),
    ],
)
def test_tags_are_split_on_commas_and_chinese_punctuation(typed, names):
    assert split_tags(typed) == names


def test_the_tag_field_returns_sorted_unique_names():
    assert ChineseTagField(required=False).clean("集成电路，智能制造，集成电路") == sorted(
        ["集成电路", "智能制造"]
    )


@pytest.mark.parametrize(
    "typed, message",
    [
        ("长" * 51, "太长"),
        ("!!!", "须包含文字或数字"),
        (",".join(f"t{n}" for n in range(21)), "最多 20 个"),
    ],
)
def test_the_tag_field_refuses_unusable_tags(typed, message):
    with pytest.raises(forms.ValidationError) as error:
        ChineseTagField(required=False).clean(typed)
    assert message in str(error.value)
