import pytest

from attestation.rules import iin_check, iin_control_digit


@pytest.mark.parametrize(
    ("first_eleven", "control"),
    [
        ("08042451841", 1),  # first pass: weighted sum 232 ≡ 1 (mod 11)
        ("07042451881", 6),  # first pass: 270 ≡ 6
        ("00000000010", 1),  # first pass gives 10, second pass (weights 3..11,1,2) gives 1
        ("60500000000", None),  # both passes give 10: such a number is never issued
    ],
)
def test_iin_control_digit_follows_the_official_two_pass_algorithm(first_eleven, control):
    assert iin_control_digit(first_eleven) == control


@pytest.mark.parametrize("iin", ["080424518411", "070424518816", "000000000101"])
def test_it_accepts_a_well_formed_iin(iin):
    assert iin_check(iin) is None


@pytest.mark.parametrize(
    ("iin", "message_part"),
    [
        ("080424518412", "control digit"),
        ("000000000100", "control digit"),
        ("605000000003", "control digit"),
        ("12345", "12 digits"),
        ("0804245184111", "12 digits"),
        ("08042451841a", "12 digits"),
        ("０８０４２４５１８４１１", "12 digits"),  # full-width digits are not an IIN
        ("", "12 digits"),
    ],
)
def test_it_refuses_a_malformed_iin_with_a_field_error(iin, message_part):
    violation = iin_check(iin)
    assert violation is not None
    assert violation.field == "iin"
    assert violation.rule is None  # a format check, not a regulation rule
    assert message_part in violation.message
