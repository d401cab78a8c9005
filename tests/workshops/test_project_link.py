"""A project turned from a workshop card links back to that workshop's minutes."""
from datetime import date

from app.workshops import services
from tests.factories import PASSWORD, page_text


def test_the_project_page_links_back_to_the_workshop(client, org):
    workshop = services.save_workshop(org["facilitator"], None, "Spring trading zone", date(2026, 6, 1), None,
                                      [org["finance"], org["sales"]], [org["employee"]], 3, False, False)
    while workshop.phase != "collect":
        services.move_phase(org["facilitator"], workshop, 1)
    card = services.add_card(org["employee"], workshop, "Invoices arrive late", None, None)
    while workshop.phase != "projects":
        services.move_phase(org["facilitator"], workshop, 1)
    project = services.turn_into_project(org["facilitator"], card, org["finance"], [org["sales"]],
                                         "Invoices on time")
    client.sign_in("employee@example.com", PASSWORD)
    page = page_text(client.get(f"/projects/{project.id}"))
    assert "From the workshop" in page and f'href="/workshops/{workshop.id}/minutes"' in page
    assert "Spring trading zone" in page
