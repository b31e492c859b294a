"""Committee choice, pure: the lowest mediation body that exists for the place of the dispute."""

from __future__ import annotations

import pytest

from pingan_common.refdata import CountyData, load_county
from pingan_mediation.committees import COUNTY_JUSTICE_BUREAU, mediation_body_for

COUNTY = load_county()


def test_a_dispute_in_a_village_goes_to_the_village_mediation_committee():
    body = mediation_body_for(COUNTY, village_code="331199001002", township_code="331199001")

    assert body.code == "331199001002-TWH"
    assert body.name == COUNTY.unit("331199001002-TWH").name
    assert COUNTY.unit(body.code).kind == "mediation_committee"


def test_a_dispute_located_only_to_a_township_goes_to_the_township_dispute_center():
    body = mediation_body_for(COUNTY, village_code=None, township_code="331199003")

    assert body.code == "331199003-TC"
    assert body.name == "西湖镇矛盾纠纷调处中心"


def test_a_village_without_a_committee_falls_back_to_its_township_dispute_center():
    body = mediation_body_for(COUNTY, village_code="331199003099", township_code="331199003")

    assert body.code == "331199003-TC"


def test_an_unlocated_dispute_goes_to_the_county_justice_bureau():
    body = mediation_body_for(COUNTY, village_code=None, township_code=None)

    assert body.code == COUNTY_JUSTICE_BUREAU == "331199-D-SF"
    assert body.name == "青山县司法局"


def test_a_place_unknown_to_the_directory_goes_to_the_county_justice_bureau():
    body = mediation_body_for(COUNTY, village_code="331199099001", township_code="331199099")

    assert body.code == COUNTY_JUSTICE_BUREAU


@pytest.mark.parametrize("village", [v.code for v in COUNTY.villages])
def test_every_village_in_the_county_has_its_own_committee(village: str):
    body = mediation_body_for(COUNTY, village_code=village, township_code=village[:9])

    assert body.code == f"{village}-TWH"


def test_without_a_justice_bureau_in_the_reference_data_the_choice_fails_loudly():
    fields = {name: getattr(COUNTY, name) for name in CountyData.model_fields}
    units = [u for u in COUNTY.units if u.code != COUNTY_JUSTICE_BUREAU]
    county = CountyData(**{**fields, "units": units})

    with pytest.raises(LookupError):
        mediation_body_for(county, village_code=None, township_code=None)
