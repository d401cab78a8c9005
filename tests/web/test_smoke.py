def test_home_sends_anonymous_to_login(client, org):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_signs_in_and_sees_admin_navigation(client, org):
    response = client.sign_in("admin@example.com", "correct horse battery staple")
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "Audit log" in page and "Hello, Ada Admin" in page
