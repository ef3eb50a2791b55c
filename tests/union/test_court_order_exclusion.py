"""Days a court ordered not to count towards a mandate (s.234(2)-(6), both regimes, no cap), through the rulebook."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from tests.union.helpers import strike_and_asos_mandates

from mandate.platform.models import AuditEntry
from mandate.union import ballots as svc
from mandate.union import mandates
from mandate.union.models import CourtOrderExclusion, Mandate

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


def test_excluded_days_push_the_last_day_on(union_org) -> None:
    strike, asos = strike_and_asos_mandates(union_org, date(2026, 3, 2), date(2026, 3, 23))  # ERA 2025: 12 months
    base = date(2026, 3, 23) + relativedelta(months=12) - relativedelta(days=1)
    assert strike.last_day == base == date(2027, 3, 22)
    mandates.record_court_exclusion(strike, court="High Court", made_on=date(2026, 6, 30), excluded_from=date(2026, 5, 1),
                               excluded_to=date(2026, 5, 31), reference="KB-2026-001", today=TODAY)
    mandates.record_court_exclusion(strike, court="High Court", made_on=date(2026, 9, 1), excluded_from=date(2026, 8, 20),
                               excluded_to=date(2026, 8, 21), today=TODAY)
    for m in (strike, asos):
        m.refresh_from_db()
        assert m.court_excluded_days() == 31 + 2
        assert m.last_day == base + relativedelta(days=33)
        assert m.basis["court_excluded_days"] == 33
    assert AuditEntry.objects.filter(action="mandate.court_exclusion_recorded").count() == 4


def test_an_agreement_keeps_the_excluded_days(union_org) -> None:
    strike, _ = strike_and_asos_mandates(union_org, date(2025, 10, 1), date(2025, 10, 22))  # TUA16: 6 months, up to 9 agreed
    mandates.record_court_exclusion(strike, court="High Court", made_on=date(2026, 2, 2), excluded_from=date(2026, 1, 5),
                               excluded_to=date(2026, 1, 14), whole_ballot=False, today=TODAY)
    strike.refresh_from_db()
    assert strike.last_day == date(2026, 4, 21) + relativedelta(days=10)
    mandates.lengthen_mandate_by_agreement(strike, months=9, agreed_on=date(2026, 3, 2), whole_ballot=False,
                                      today=TODAY)
    strike.refresh_from_db()
    assert strike.last_day == date(2025, 10, 22) + relativedelta(months=9) - relativedelta(days=1) \
        + relativedelta(days=10)
    # and an order recorded after the agreement keeps the agreed length
    mandates.record_court_exclusion(strike, court="High Court", made_on=date(2026, 4, 1), excluded_from=date(2026, 3, 10),
                               excluded_to=date(2026, 3, 11), whole_ballot=False, today=TODAY)
    strike.refresh_from_db()
    assert strike.agreed_months == 9
    assert strike.last_day == date(2026, 7, 21) + relativedelta(days=12)


@pytest.mark.parametrize(("court", "made_on", "start", "end", "message"), [
    ("", date(2026, 6, 30), date(2026, 5, 1), date(2026, 5, 31), "Name the court"),
    ("High Court", date(2026, 12, 1), date(2026, 5, 1), date(2026, 5, 31), "record an order once it is made"),
    ("High Court", date(2026, 6, 30), date(2026, 5, 31), date(2026, 5, 1), r"ends \(1 May 2026\) before it starts"),
    ("High Court", date(2026, 5, 20), date(2026, 5, 1), date(2026, 5, 31), "after the order was made"),
    ("High Court", date(2026, 6, 30), date(2026, 3, 1), date(2026, 3, 31), "before the ballot closed"),
    ("High Court", date(2026, 6, 30), date(2026, 4, 30), date(2026, 5, 2), "cannot be excluded twice"),
])
def test_refusals_change_nothing(union_org, court, made_on, start, end, message) -> None:
    strike, _ = strike_and_asos_mandates(union_org, date(2026, 3, 2), date(2026, 3, 23))
    mandates.record_court_exclusion(strike, court="County Court", made_on=date(2026, 4, 30),
                               excluded_from=date(2026, 4, 1), excluded_to=date(2026, 4, 30), today=TODAY)
    before = (list(Mandate.objects.values_list("pk", "last_day")), CourtOrderExclusion.objects.count(),
              AuditEntry.objects.count())
    with pytest.raises(svc.BallotError, match=message):
        mandates.record_court_exclusion(strike, court=court, made_on=made_on, excluded_from=start, excluded_to=end,
                                   today=TODAY)
    assert (list(Mandate.objects.values_list("pk", "last_day")), CourtOrderExclusion.objects.count(),
            AuditEntry.objects.count()) == before


def test_the_official_records_it_on_the_renewal_page(union_org, client, make_user) -> None:
    strike, asos = strike_and_asos_mandates(union_org, date(2026, 3, 2), date(2026, 3, 23))
    client.force_login(make_user("union_official", "pcs"))
    page = client.get(f"/union/mandates/{strike.pk}/renewal/").content.decode()
    assert 'data-testid="court-order-form"' in page and "s.234(2)-(6)" in page
    bad = client.post(f"/union/mandates/{strike.pk}/court-order/",
                      {"court": "High Court", "made_on": "2026-06-30", "excluded_from": "31 February 2026",
                       "excluded_to": "2026-05-31", "whole_ballot": "on"}, follow=True).content.decode()
    assert "Enter a real date for the first day that does not count" in bad
    assert CourtOrderExclusion.objects.count() == 0
    done = client.post(f"/union/mandates/{strike.pk}/court-order/",
                       {"court": "High Court", "made_on": "2026-06-30", "excluded_from": "2026-05-01",
                        "excluded_to": "2026-05-31", "reference": "KB-2026-001", "whole_ballot": "on"},
                       follow=True).content.decode()
    assert "2 mandates now run until 22 April 2027" in done
    assert "1 May 2026 to 31 May 2026 (31 days): High Court, order of 30 June 2026 (KB-2026-001)" in done
    rep = make_user("branch_rep", "pcs", username="rep2")
    client.force_login(rep)
    page = client.get(f"/union/mandates/{strike.pk}/renewal/").content.decode()
    assert "court-order-form" not in page and "1 May 2026 to 31 May 2026" in page
