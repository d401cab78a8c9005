def test_home_sends_anonymous_to_login(client, org):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_signs_in_and_sees_admin_navigation(client, org):
    response = client.sign_in("admin@example.com", "correct horse battery staple")
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "Audit log" in page and "Hello, Ada Admin" in page


def test_home_lists_my_open_rounds_with_progress(client, org):
    from datetime import date

    from app.dimensions.services import seed_default_dimensions
    from app.ratings import services

    seed_default_dimensions()
    round_ = services.save_round(org["facilitator"], None, "Autumn", date(2026, 10, 1), date(2026, 11, 30), 5,
                                 [org["finance"], org["sales"]])
    services.open_round(org["facilitator"], round_)
    employee = org["employee"]
    services.skip(employee, round_, services.find_target(employee, round_, "self"))
    client.sign_in("employee@example.com", "correct horse battery staple")
    page = client.get("/").get_data(as_text=True)
    assert f"/rounds/{round_.id}/rate" in page and "1 of 3 done" in page


def test_a_facilitators_home_shows_the_live_round_and_who_finished(client, org):
    from datetime import date

    from app.dimensions.services import seed_default_dimensions
    from app.ratings import services

    seed_default_dimensions()
    live = services.save_round(org["facilitator"], None, "Autumn", date(2026, 10, 1), date(2026, 11, 30), 5,
                               [org["finance"], org["sales"]])
    services.open_round(org["facilitator"], live)
    services.save_round(org["facilitator"], None, "Draft", date(2027, 1, 1), date(2027, 1, 30), 5,
                        [org["finance"], org["sales"]])
    client.sign_in("facilitator@example.com", "correct horse battery staple")
    page = client.get("/").get_data(as_text=True)
    assert f'href="/rounds/{live.id}">Autumn</a>' in page and "open until 2026-11-30" in page
    assert "people finished their list" in page and "Draft" not in page
    client.post("/logout")
    client.sign_in("employee@example.com", "correct horse battery staple")
    assert "people finished their list" not in client.get("/").get_data(as_text=True)
