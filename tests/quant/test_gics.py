from quant.gics import sector_label


def test_sector_label_names_gics_codes_and_leaves_other_labels() -> None:
    assert sector_label("45") == "45 Information Technology"
    assert sector_label("60") == "60 Real Estate"
    assert sector_label("momentum") == "momentum"
