"""Personal email addresses: internationalised ones (RFC 6531/6532 local parts, IDN domains) are taken; a
malformed one is still refused, on its own and in a register import."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from tests.union.helpers import HEADER

from mandate.union.emails import validate_personal_email
from mandate.union.models import Member
from mandate.union.register import RegisterImportError, import_register

GOOD = [
    "ann@example.org", "o'neill+union@example.co.uk",
    "zoë@example.org", "josé.garcía@correo.es", "用户@例子.广告", "δοκιμή@παράδειγμα.δοκιμή",
    "ü@münchen.de", "Dörte@Sörensen.example.com", "коля@пример.рф", "अजय@डाटा.भारत",
    "ë" * 32 + "@example.org",  # 64 octets in UTF-8
]
BAD = [
    "", "plain", "zoë", "zoë@", "@example.org", "zoë@@example.org", ".zoë@example.org", "zoë.@example.org",
    "zo..ë@example.org", "zo ë@example.org", "zoë@exa mple.org", "zoë@example", "zoë@-example.org",
    "zoë@example..org", "zo\x00ë@example.org", "zoë\u00a0@example.org", "zo\u200bë@example.org",
    "zo\u202eë@example.org", "zoë\n@example.org", "ë" * 33 + "@example.org",  # 66 octets: over 64
    "zoë@" + "ü" * 250 + ".org", "zoë(comment)@example.org", "zoë@[300.1.1.1]", '"zoë quoted"@example.org', "zoë@ex\u00e4mple.o",
]


@pytest.mark.parametrize("address", GOOD)
def test_a_well_formed_address_is_taken(address):
    validate_personal_email(address)


@pytest.mark.parametrize("address", BAD)
def test_a_malformed_address_is_refused(address):
    with pytest.raises(ValidationError):
        validate_personal_email(address)


def _file(email: str) -> str:
    return ",".join(HEADER) + f"\nP1,Zoë Jones,{email},,1 Road,ons,newport,Statistician,no,2020-01-02\n"


@pytest.mark.django_db
def test_the_register_takes_an_internationalised_address(union_org):
    import_register(union_org, _file("zoë@bücher.example"))
    assert Member.objects.get(membership_number="P1").personal_email == "zoë@bücher.example"


@pytest.mark.django_db
def test_the_register_still_refuses_a_malformed_one(union_org):
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, _file("zoë..jones@example.org"))
    assert [str(e) for e in caught.value.errors] == [
        "line 2: personal_email: 'zoë..jones@example.org' is not a valid email address"]
    assert not Member.objects.filter(membership_number="P1").exists()
