"""Where listings and parcels are: districts and their towns (镇) and sub-districts (街道).

Town names are validated against this list for the districts it knows, so that the
`town` filter and the import agree on spelling ("新桥" is stored as "新桥镇")."""

DISTRICT_TOWNS = {
    "松江区": [
        "新桥镇",
        "泗泾镇",
        "洞泾镇",
        "九亭镇",
        "车墩镇",
        "佘山镇",
        "小昆山镇",
        "石湖荡镇",
        "泖港镇",
        "新浜镇",
        "叶榭镇",
        "永丰街道",
        "中山街道",
        "岳阳街道",
        "方松街道",
        "广富林街道",
        "九里亭街道",
    ],
}

DISTRICTS = list(DISTRICT_TOWNS)
TOWNS = [town for towns in DISTRICT_TOWNS.values() for town in towns]

_SUFFIXES = ("镇", "街道")


def normalize_town(value):
    """The known spelling of a town name, accepting the short form ("新桥" → "新桥镇").

    Unknown names come back stripped but otherwise unchanged."""
    value = (value or "").strip()
    if not value or value in TOWNS:
        return value
    for town in TOWNS:
        if town.removesuffix("街道").removesuffix("镇") == value:
            return town
    return value


def is_known_town(district, town):
    """False only when the district is one we know and the town is not in it."""
    towns = DISTRICT_TOWNS.get(district)
    return towns is None or town in towns
