"""The polish list of issue 14: links, names, clear pages, plurals, separators, one rounding rule, a tagged
PDF whose rows are not split, and a default period that follows the ledger."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from mandate.workplace.evidence import _pct, cut_refusal
from mandate.workplace.forms import last_full_month_of_ledger
from mandate.workplace.models import Site, StaffMember
from mandate.workplace.templatetags.workplace_tags import num, pct

pytestmark = pytest.mark.django_db


def test_sites_and_hubs_are_linked_from_the_dashboard_and_show_names(client, make_user, ledger) -> None:
    Site.objects.create(organisation=ledger, code="darlington-hub", name="Darlington hub", kind=Site.HUB,
                        nation="england-and-wales", desk_capacity=1200)
    client.force_login(make_user("estates_manager"))
    page = client.get(reverse("workplace:dashboard")).content.decode()
    for site in Site.objects.all():
        assert f'href="{reverse("workplace:site", args=[site.code])}"' in page
    hub = client.get(reverse("workplace:site", args=["darlington-hub"]) + "?date_from=2026-10-01&date_to=2026-10-31")
    text = re.sub(r"<[^>]+>", " ", hub.content.decode())  # the words on the page, not its addresses
    assert "Darlington hub" in text and "darlington-hub" not in text and "1,200 desks" in text
    edinburgh = client.get(reverse("workplace:site", args=["edinburgh"]) + "?date_from=2026-10-01&date_to=2026-10-31")
    text = re.sub(r"<[^>]+>", " ", edinburgh.content.decode())
    assert "Edinburgh" in text and not re.search(r"\bedinburgh\b", text)


def test_my_attendance_without_a_staff_record_is_a_clear_page(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:my_figure"))
    assert response.status_code == 200 and 'data-testid="no-staff-record"' in response.content.decode()
    assert "find the person" in response.content.decode()
    csv = client.get(reverse("workplace:my_figure_csv"))
    assert csv.status_code == 404 and 'data-testid="no-staff-record"' in csv.content.decode()


def test_unknown_pages_and_a_bad_pdf_period_are_styled(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    missing = client.get(reverse("workplace:site", args=["nowhere"]))
    assert missing.status_code == 404 and 'data-testid="error-page"' in missing.content.decode()
    bad = client.post(reverse("workplace:evidence_pdf"), {"date_from": "2026-10-31", "date_to": "2026-10-01"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("text/html")
    body = bad.content.decode()
    assert "The PDF cannot be made" in body and "The end date must be on or after the start date" in body
    assert "<nav" in body and 'href="/workplace/evidence/?date_from=2026-10-31' in body


def test_plurals_agree() -> None:
    assert "1 of its 9 groups has fewer" in cut_refusal(1, 9)
    assert "2 of its 9 groups have fewer" in cut_refusal(2, 9)


def test_one_row_read_on_the_imports_page(client, make_user, ledger) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_user("hr_admin"))
    response = client.post(reverse("workplace:imports"), {
        "kind": "official_business", "file": SimpleUploadedFile("ob.csv", b"staff_id,date\nS00001,2026-10-13\n")},
        follow=True)  # the import's job page, with its summary once the job has run
    assert "1 row read, 1 record written" in response.content.decode()


def test_one_in_sixteen_is_six_point_three_everywhere() -> None:
    assert pct(100 / 16) == "6.3%" and _pct(1 / 16) == "6.3%"
    assert pct(100 * 3 / 8) == "37.5%" and pct(None) == "–"
    assert num(1234.5) == "1,234.5" and num(12.0) == "12" and pct(1234.56) == "1,234.6%"


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10_000))
@example(1915, 400)  # 100 * (1915 / 400) is 478.74999999999994 in binary: the pack showed 478.7%
def test_every_rate_rounds_half_up_from_its_exact_fraction(numerator: int, denominator: int) -> None:
    exact = Decimal(100 * numerator) / Decimal(denominator)
    want = f"{exact.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}%"
    assert pct(100 * numerator / denominator) == want
    assert _pct(numerator / denominator) == want  # the evidence pack and the pages agree


def test_a_default_period_past_the_ledger_opens_on_its_last_month_with_a_note(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:organisation"))  # today is past October; the ledger is not
    form = response.context["form"]
    if dt.date.today() >= dt.date(2026, 12, 1):
        assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == (dt.date(2026, 10, 1),
                                                                                  dt.date(2026, 10, 31))
        assert 'data-testid="ledger-note"' in response.content.decode()
        assert "latest record is on 20 October 2026" in form.ledger_note
    chosen = client.get(reverse("workplace:organisation") + "?date_from=2026-10-01&date_to=2026-11-30")
    assert "latest record is on 20 October 2026" in chosen.context["form"].ledger_note
    inside = client.get(reverse("workplace:organisation") + "?date_from=2026-10-01&date_to=2026-10-15")
    assert inside.context["form"].ledger_note == ""


@pytest.mark.parametrize("first, last, month", [
    (dt.date(2026, 1, 5), dt.date(2026, 10, 30), (dt.date(2026, 10, 1), dt.date(2026, 10, 31))),  # Friday 30th
    (dt.date(2026, 1, 5), dt.date(2026, 10, 20), (dt.date(2026, 9, 1), dt.date(2026, 9, 30))),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 20), (dt.date(2026, 10, 1), dt.date(2026, 10, 31))),  # no whole month
])
def test_the_ledgers_last_full_month(first, last, month) -> None:
    assert last_full_month_of_ledger(first, last) == month


def test_the_person_page_links_keep_the_period(client, make_user, ledger) -> None:
    client.force_login(StaffMember.objects.get(staff_id="S00000").user)
    page = client.get(reverse("workplace:people") + "?date_from=2026-10-01&date_to=2026-10-31&policy=1")
    assert "/workplace/people/S00001/?date_from=2026-10-01&amp;date_to=2026-10-31&amp;policy=1" in page.content.decode()
