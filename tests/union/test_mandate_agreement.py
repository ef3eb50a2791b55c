"""A mandate lengthened by agreement with the employer (TUA16 ballots only, s.234(1)(b)), through the rulebook."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from tests.union.helpers import strike_and_asos_mandates

from mandate.platform.models import AuditEntry
from mandate.union import ballots as svc
from mandate.union import mandates
from mandate.union.models import Mandate

pytestmark = pytest.mark.django_db


def test_a_tua16_mandate_runs_to_the_agreed_months(union_org) -> None:
    strike, asos = strike_and_asos_mandates(union_org, date(2025, 10, 1), date(2025, 10, 22))
    assert strike.last_day == date(2026, 4, 21)  # six months beginning with 22 October 2025
    changed = mandates.lengthen_mandate_by_agreement(strike, months=9, agreed_on=date(2026, 3, 2),
                                                reference="ONS letter of 2 March 2026")
    assert {m.pk for m in changed} == {strike.pk, asos.pk}  # the agreement is the employer's, for the ballot
    for m in (strike, asos):
        m.refresh_from_db()
        # nine months beginning with the date of the ballot, by an oracle apart from the rulebook
        assert m.last_day == date(2025, 10, 22) + relativedelta(months=9) - relativedelta(days=1)
        assert m.agreed_months == 9 and m.agreed_on == date(2026, 3, 2)
        assert m.basis["agreed_with_employer"]["section"].startswith("TULRCA 1992 s.234(1)(b)")
    assert AuditEntry.objects.filter(action="mandate.lengthened_by_agreement").count() == 2


def test_one_mandate_alone(union_org) -> None:
    strike, asos = strike_and_asos_mandates(union_org, date(2025, 10, 1), date(2025, 10, 22))
    mandates.lengthen_mandate_by_agreement(strike, months=7, agreed_on=date(2026, 1, 5), whole_ballot=False)
    strike.refresh_from_db()
    asos.refresh_from_db()
    assert strike.last_day == date(2026, 5, 21) and asos.last_day == date(2026, 4, 21)


@pytest.mark.parametrize(("opening", "closing", "months", "agreed_on", "message"), [
    (date(2026, 3, 2), date(2026, 3, 23), 13, date(2026, 4, 1), "cannot be lengthened by agreement"),
    (date(2025, 10, 1), date(2025, 10, 22), 10, date(2026, 1, 5), "at most 9 months"),
    (date(2025, 10, 1), date(2025, 10, 22), 6, date(2026, 1, 5), "more than 6"),
    (date(2025, 10, 1), date(2025, 10, 22), 9, date(2025, 10, 21), "before the ballot closed"),
    (date(2025, 10, 1), date(2025, 10, 22), 9, date(2026, 4, 22), "cannot revive an ended mandate"),
    (date(2025, 10, 1), date(2025, 10, 22), 9, date(2026, 3, 3), "Today is 2 March 2026, and the agreement is "
                                                                 "dated 3 March 2026"),
])
def test_refusals_change_nothing(union_org, opening, closing, months, agreed_on, message) -> None:
    strike, _ = strike_and_asos_mandates(union_org, opening, closing)
    before = list(Mandate.objects.values_list("last_day", "agreed_months"))
    with pytest.raises(svc.BallotError, match=message):
        mandates.lengthen_mandate_by_agreement(strike, months=months, agreed_on=agreed_on,
                                          today=date(2026, 3, 2) if "Today" in message else agreed_on)
    assert list(Mandate.objects.values_list("last_day", "agreed_months")) == before


def test_a_further_agreement_while_an_agreed_mandate_runs(union_org) -> None:
    """Agreed to 7 months (to 21 May 2026), then, on 10 May, after the six statutory months but while the
    mandate still runs, to 9: taken. An agreement made after the mandate it would change had ended is not,
    and neither is one that would end the mandate before the day it was made."""
    strike, _ = strike_and_asos_mandates(union_org, date(2025, 10, 1), date(2025, 10, 22))
    mandates.lengthen_mandate_by_agreement(strike, months=7, agreed_on=date(2026, 3, 2), today=date(2026, 3, 2))
    mandates.lengthen_mandate_by_agreement(strike, months=9, agreed_on=date(2026, 5, 10), today=date(2026, 5, 10))
    strike.refresh_from_db()
    assert (strike.last_day, strike.agreed_months, strike.agreed_on) == (date(2026, 7, 21), 9, date(2026, 5, 10))
    with pytest.raises(svc.BallotError, match="ended on 21 July 2026, before the agreement"):
        mandates.lengthen_mandate_by_agreement(strike, months=9, agreed_on=date(2026, 7, 22), today=date(2026, 8, 1))
    with pytest.raises(svc.BallotError, match="would end on 21 May 2026, before the agreement"):
        mandates.lengthen_mandate_by_agreement(strike, months=7, agreed_on=date(2026, 6, 1), today=date(2026, 6, 1))
    strike.refresh_from_db()
    assert (strike.last_day, strike.agreed_months, strike.agreed_on) == (date(2026, 7, 21), 9, date(2026, 5, 10))


def test_the_official_records_it_on_the_renewal_page(union_org, client, make_user) -> None:
    strike, _ = strike_and_asos_mandates(union_org, date(2025, 10, 1), date(2025, 10, 22))
    client.force_login(make_user("union_official", "pcs"))
    page = client.get(f"/union/mandates/{strike.pk}/renewal/").content.decode()
    assert "up to 9 months instead of 6" in page and 'data-testid="agreement-form"' in page
    bad = client.post(f"/union/mandates/{strike.pk}/agreement/",
                      {"months": "9", "agreed_on": "31 February 2026", "whole_ballot": "on"}, follow=True)
    assert "Enter a real date for the day the employer agreed" in bad.content.decode()
    tomorrow = date.today() + timedelta(days=1)
    early = client.post(f"/union/mandates/{strike.pk}/agreement/",
                        {"months": "9", "agreed_on": tomorrow.isoformat(), "whole_ballot": "on"}, follow=True)
    assert f"the agreement is dated {tomorrow.day} {tomorrow:%B %Y}: record an agreement once it is made" in (
        early.content.decode())
    strike.refresh_from_db()
    assert strike.agreed_months is None
    done = client.post(f"/union/mandates/{strike.pk}/agreement/",
                       {"months": "9", "agreed_on": "2026-03-02", "reference": "ONS letter", "whole_ballot": "on"},
                       follow=True).content.decode()
    assert "2 mandates now run until 21 July 2026" in done
    assert "agreed on 2 March 2026 to a mandate of 9 months (ONS letter)" in done
    listed = client.get("/union/mandates/").content.decode()
    assert listed.count("21 July 2026 (agreed: 9 months)") == 2  # live or ended, both lists say so


def test_an_era_mandate_offers_no_agreement(union_org, client, make_user) -> None:
    strike, _ = strike_and_asos_mandates(union_org, date(2026, 3, 2), date(2026, 3, 23))
    client.force_login(make_user("union_official", "pcs"))
    page = client.get(f"/union/mandates/{strike.pk}/renewal/").content.decode()
    assert "cannot be lengthened by agreement" in page and "agreement-form" not in page
    refused = client.post(f"/union/mandates/{strike.pk}/agreement/", {"months": "9", "agreed_on": "2026-04-01"},
                          follow=True).content.decode()
    assert "cannot be lengthened by agreement" in refused
    strike.refresh_from_db()
    assert strike.agreed_months is None and strike.last_day == date(2027, 3, 22)


def test_every_hint_a_field_points_to_is_on_the_page(union_org, client, make_user) -> None:
    """Django gives a field with help text aria-describedby="<id>_helptext"; a screen reader reads the hint only
    if an element has that id."""
    import re

    strike, _ = strike_and_asos_mandates(union_org, date(2025, 10, 1), date(2025, 10, 22))
    client.force_login(make_user("union_official", "pcs"))
    pointed = 0
    for url in (f"/union/mandates/{strike.pk}/renewal/", "/union/mandates/", "/union/register/", "/union/disputes/"):
        page = client.get(url).content.decode()
        for target in re.findall(r'aria-describedby="([^"]+)"', page):
            pointed += 1
            assert f'id="{target}"' in page, (url, target)
    assert pointed >= 4


def test_the_cli_lists_the_agreed_length(union_org) -> None:
    import json

    from typer.testing import CliRunner

    from mandate.cli import app

    strike, asos = strike_and_asos_mandates(union_org, date(2025, 10, 1), date(2025, 10, 22))
    mandates.lengthen_mandate_by_agreement(strike, months=9, agreed_on=date(2026, 3, 2), whole_ballot=False,
                                      today=date(2026, 3, 2))
    asos.unit_name = "Newport [u] block"  # Rich would read [u] as markup (underline): printed as it is
    asos.save()
    runner = CliRunner()
    rows = json.loads(runner.invoke(app, ["ballot", "mandates", "pcs", "--json", "--on", "2026-03-02"]).stdout)
    assert [(r["kind"], r["last_day"], r["agreed_months"], r["agreed_on"]) for r in rows] == [
        ("action_short_of_strike", "2026-04-21", None, None), ("strike", "2026-07-21", 9, "2026-03-02")]
    table = runner.invoke(app, ["ballot", "mandates", "pcs", "--on", "2026-03-02"]).stdout
    # the table is 80 characters wide, so a cell may wrap: read each column's text from top to bottom
    columns = [" ".join(c.strip() for c in cells if c.strip())
               for cells in zip(*[line.split("│")[1:-1] for line in table.splitlines() if line.startswith("│")],
                                strict=True)]
    assert columns[0] == "Newport [u] block Newport"
    assert columns[3] == "21 April 2026 21 July 2026 (agreed: 9 months)"


def test_the_command_line_records_it(union_org) -> None:
    import json

    from typer.testing import CliRunner

    from mandate.cli import app

    strike, asos = strike_and_asos_mandates(union_org, date(2025, 10, 1), date(2025, 10, 22))
    runner = CliRunner()
    listed = json.loads(runner.invoke(app, ["ballot", "mandates", "pcs", "--json", "--on", "2026-01-05"]).stdout)
    assert {m["id"] for m in listed} == {strike.pk, asos.pk}
    refused = runner.invoke(app, ["ballot", "agree-mandate", "pcs", str(strike.pk), "--months", "12",
                                  "--agreed-on", "2026-01-05"])
    assert refused.exit_code == 1 and "at most 9 months" in refused.stderr
    assert Mandate.objects.filter(agreed_months__isnull=False).count() == 0
    done = runner.invoke(app, ["ballot", "agree-mandate", "pcs", str(strike.pk), "--months", "8", "--agreed-on",
                               "2026-01-05", "--only-this", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == [{"id": strike.pk, "unit": "Newport", "employer": "ons", "kind": "strike",
                                        "last_day": "2026-06-21", "agreed_months": 8, "agreed_on": "2026-01-05"}]
    asos.refresh_from_db()
    assert asos.agreed_months is None
    missing = runner.invoke(app, ["ballot", "agree-mandate", "pcs", "999999", "--months", "8", "--agreed-on",
                                  "2026-01-05"])
    assert missing.exit_code == 1 and "no mandate 999999 in pcs" in missing.stderr
