"""Floor plans (issue 18): an estates manager uploads a PNG or JPEG per site and floor (checked by its content),
desks carry x and y as percentages of the plan, the desks page draws them as SVG markers beside the same plain
list, and the image is served to employer-side roles only."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from mandate.platform.models import AuditEntry
from mandate.workplace.estates import services
from mandate.workplace.estates.models import Desk, FloorPlan
from mandate.workplace.importers import ImportRefused

HEADER = "site_code,code,floor,zone,kind,x,y\n"
PLACED = (HEADER + "newport,N-1-001,1,East,desk,25,50\n"
          "newport,N-1-002,1,East,desk,100,0\n"
          "newport,N-1-003,1,East,desk,,\n")


def png(width: int = 400, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (240, 240, 240)).save(out, format="PNG")
    return out.getvalue()


def jpeg(width: int = 300, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 240)).save(out, format="JPEG")
    return out.getvalue()


def upload(data: bytes, name: str = "plan.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def estates(employer_org, make_user):
    user = make_user("estates_manager")
    services.import_desks(employer_org, "desks.csv", PLACED.encode(), user)
    return user


def plan_url(floor: str = "1") -> str:
    return reverse("workplace:estates_floor_plan", args=["newport", floor])


def test_positions_in_the_file_are_read_and_an_older_file_keeps_them(employer_org, estates) -> None:
    desks = {d.code: d for d in Desk.objects.all()}
    assert (desks["N-1-001"].x, desks["N-1-001"].y) == (Decimal("25"), Decimal("50"))
    assert (desks["N-1-002"].x, desks["N-1-002"].y) == (Decimal("100"), Decimal("0"))
    assert desks["N-1-003"].x is None and not desks["N-1-003"].placed
    again = services.import_desks(employer_org, "desks.csv", PLACED.encode(), estates)
    assert (again.updated, again.unchanged) == (0, 3)
    # a file without the x and y columns leaves the positions alone
    services.import_desks(employer_org, "desks.csv", b"site_code,code,floor,zone\nnewport,N-1-001,1,West\n", estates)
    desk = Desk.objects.get(code="N-1-001")
    assert (desk.zone, desk.x, desk.y) == ("West", Decimal("25"), Decimal("50"))


@pytest.mark.parametrize(("line", "message"), [
    ("newport,N-1-009,1,,desk,100.01,5", "line 5, field 'x': 100.01 is outside 0 to 100 (a percentage of the "
                                         "plan's width)"),
    ("newport,N-1-009,1,,desk,5,-1", "line 5, field 'y': -1 is outside 0 to 100 (a percentage of the plan's "
                                     "height)"),
    ("newport,N-1-009,1,,desk,left,5", "line 5, field 'x': 'left' is not a number"),
    ("newport,N-1-009,1,,desk,NaN,5", "line 5, field 'x': 'NaN' is not a number"),
    ("newport,N-1-009,1,,desk,5,", "line 5, field 'y': give both x and y"),
])
def test_a_position_out_of_range_refuses_the_file_whole(employer_org, estates, line, message) -> None:
    before = list(Desk.objects.order_by("code").values_list("code", "x", "y"))
    changed = PLACED.replace("N-1-001,1,East,desk,25,50", "N-1-001,1,East,desk,30,30")
    with pytest.raises(ImportRefused) as refused:
        services.import_desks(employer_org, "desks.csv", (changed + line + "\n").encode(), estates)
    assert message in str(refused.value.errors[0]), refused.value.errors
    assert list(Desk.objects.order_by("code").values_list("code", "x", "y")) == before  # nothing written


def test_the_database_refuses_a_position_off_the_plan(estates) -> None:
    desk = Desk.objects.get(code="N-1-003")
    for x, y in ((Decimal("101"), Decimal("1")), (Decimal("1"), Decimal("-0.5"))):
        with pytest.raises(IntegrityError), transaction.atomic():
            Desk.objects.filter(pk=desk.pk).update(x=x, y=y)
    assert Desk.objects.get(pk=desk.pk).x is None


def test_the_desk_form_sets_and_checks_a_position(client, estates) -> None:
    client.force_login(estates)
    desk = Desk.objects.get(code="N-1-003")
    url = reverse("workplace:estates_desk_edit", args=[desk.pk])
    base = {"site": desk.site_id, "code": desk.code, "floor": "1", "zone": "", "kind": "desk", "active": "on"}
    bad = client.post(url, {**base, "x": "120", "y": "10"})
    assert bad.status_code == 400 and "less than or equal to 100" in bad.content.decode()
    half = client.post(url, {**base, "x": "", "y": "10"})
    assert half.status_code == 400 and "Give both positions on the plan, or neither." in half.content.decode()
    assert Desk.objects.get(pk=desk.pk).x is None
    assert client.post(url, {**base, "x": "12.5", "y": "87.25"}).status_code == 302
    desk.refresh_from_db()
    assert (desk.x, desk.y) == (Decimal("12.5"), Decimal("87.25"))


def test_estates_uploads_replaces_and_removes_a_plan(client, estates) -> None:
    client.force_login(estates)
    page = client.post(plan_url(), {"image": upload(png(400, 200))}, follow=True).content.decode()
    assert "Saved the plan of floor 1 (400 × 200 pixels)." in page
    plan = FloorPlan.objects.get(site__code="newport", floor="1")
    assert (plan.content_type, plan.width, plan.height) == ("image/png", 400, 200)
    assert bytes(plan.image) == png(400, 200)
    # replaced by a JPEG, whatever the name says: still one plan for the floor
    client.post(plan_url(), {"image": upload(jpeg(300, 300), name="plan.png", content_type="image/png")})
    plan = FloorPlan.objects.get(site__code="newport", floor="1")
    assert (plan.content_type, plan.width, plan.height, FloorPlan.objects.count()) == ("image/jpeg", 300, 300, 1)
    assert AuditEntry.objects.filter(action="estates.floor_plan_saved").count() == 2
    page = client.post(plan_url(), {"remove": "1"}, follow=True).content.decode()
    assert "Removed the plan of floor 1." in page and not FloorPlan.objects.exists()
    assert 'data-testid="plan-1"' not in page and 'data-testid="floor-1"' in page  # the plain list stays


@pytest.mark.parametrize(("data", "message"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "the file is not a PNG or JPEG image"),
    (b"%PDF-1.4 not a plan", "the file is not a PNG or JPEG image"),
    (png()[:60], "the image is damaged or cut short"),
    (b"", "Choose a PNG or JPEG image"),
])
def test_a_file_that_is_not_a_png_or_jpeg_is_refused(client, estates, data, message) -> None:
    client.force_login(estates)
    page = client.post(plan_url(), {"image": upload(data)}, follow=True).content.decode()
    assert message in page and not FloorPlan.objects.exists()


def test_a_gif_and_an_oversized_image_are_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(services.PlanRefused, match="the image is GIF: give a PNG or JPEG"):
        services.check_plan_image(out.getvalue())
    with pytest.raises(services.PlanRefused, match="over 5 MB"):
        services.check_plan_image(png(10, 10) + b"\0" * services.PLAN_MAX_BYTES)
    with pytest.raises(services.PlanRefused, match="at most 10000 a side"):
        services.check_plan_image(png(10001, 1))


def test_only_estates_uploads_and_only_employer_roles_see_the_image(client, employer_org, estates,
                                                                    make_user) -> None:
    client.force_login(estates)
    client.post(plan_url(), {"image": upload(png(400, 200))})
    image_url = reverse("workplace:estates_floor_plan_image", args=["newport", "1"])
    for role in ("hr_admin", "line_manager", "staff_member"):
        client.force_login(make_user(role, username=f"{role}-plan"))
        assert client.post(plan_url(), {"image": upload(png(50, 50))}).status_code == 403
        assert client.post(plan_url(), {"remove": "1"}).status_code == 403
        assert client.get(image_url).status_code == 200, role
    assert FloorPlan.objects.get().width == 400
    client.force_login(make_user("branch_rep", username="rep-plan"))  # the union side never sees it
    assert client.get(image_url).status_code == 403
    client.force_login(estates)
    assert client.post(plan_url("9"), {"image": upload(png())}).status_code == 404  # no desks on floor 9
    assert client.get(reverse("workplace:estates_floor_plan_image", args=["newport", "2"])).status_code == 404


def test_the_image_route_serves_the_bytes_with_their_type(client, estates) -> None:
    client.force_login(estates)
    client.post(plan_url(), {"image": upload(jpeg(300, 300), name="x.jpg", content_type="image/jpeg")})
    response = client.get(reverse("workplace:estates_floor_plan_image", args=["newport", "1"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"] and response.content == jpeg(300, 300)


def test_the_desks_page_draws_placed_desks_at_their_coordinates(client, estates) -> None:
    client.force_login(estates)
    before = client.get(reverse("workplace:estates_desks") + "?site=newport").content.decode()
    assert "<svg viewBox" not in before and 'data-testid="floor-1"' in before
    client.post(plan_url(), {"image": upload(png(400, 200))})
    page = client.get(reverse("workplace:estates_desks") + "?site=newport").content.decode()
    assert 'viewBox="0 0 400 200"' in page
    assert f'href="{reverse("workplace:estates_floor_plan_image", args=["newport", "1"])}"' in page
    found = {code: (float(cx), float(cy)) for code, cx, cy in re.findall(
        r'data-desk="([^"]+)"><circle cx="([\d.]+)" cy="([\d.]+)"', page)}
    # 25 % of 400 across and 50 % of 200 down; 100 % and 0 %; the unplaced desk has no marker
    assert found == {"N-1-001": (100.0, 100.0), "N-1-002": (400.0, 0.0)}
    assert ">N-1-001</text>" in page and "2 of 3 desks on this page placed on the plan" in page
    assert "25% across, 50% down" in page and 'data-testid="floor-1"' in page  # the list beside it
    assert " style=" not in page.split("<main", 1)[-1]  # the strict CSP: no inline styles


def test_a_plan_outliving_its_floors_desks_can_still_be_removed(client, estates) -> None:
    client.force_login(estates)
    client.post(plan_url(), {"image": upload(png(40, 20))})
    Desk.objects.filter(site__code="newport", floor="1").update(floor="2")
    assert client.post(plan_url(), {"image": upload(png(40, 20))}).status_code == 404  # no new plan there
    assert client.post(plan_url(), {"remove": "1"}).status_code == 302 and not FloorPlan.objects.exists()


def test_a_floor_named_with_a_slash_still_has_its_plan(client, employer_org, estates) -> None:
    services.import_desks(employer_org, "desks.csv", b"site_code,code,floor,x,y\nnewport,M-1,1/2,50,50\n", estates)
    client.force_login(estates)
    client.post(plan_url("1/2"), {"image": upload(png(40, 20))})
    assert FloorPlan.objects.get().floor == "1/2"
    page = client.get(reverse("workplace:estates_desks") + "?site=newport").content.decode()
    assert 'data-desk="M-1"><circle cx="20" cy="10"' in page
    image = client.get(reverse("workplace:estates_floor_plan_image", args=["newport", "1/2"]))
    assert image.status_code == 200 and image.content == png(40, 20)
