import pytest
from django_scopes import scopes_disabled

from attestation.audit import audit_log
from attestation.models import AuditEntry

from ..factories import PASSWORD


@pytest.mark.django_db
def test_audit_entries_cannot_be_edited_or_deleted_through_the_orm(cast_a):
    entry = audit_log(action="test.entry", college=cast_a.college, actor=cast_a.admin, data={"x": 1})
    entry.action = "changed"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


@pytest.mark.django_db
def test_sign_in_and_failed_sign_in_are_audited(page, cast_a):
    client = page()
    client.post("/accounts/login/", {"login": cast_a.admin.username, "password": "wrong"})
    client.post("/accounts/login/", {"login": cast_a.admin.username, "password": PASSWORD})
    with scopes_disabled():
        actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor_label", "ip"))
    assert ("auth.sign_in_failed", "", "127.0.0.1") in actions
    assert ("auth.signed_in", cast_a.admin.username, "127.0.0.1") in actions


@pytest.mark.django_db
def test_every_registry_change_is_audited_with_who_what_when_and_college(api, cast_a):
    client = api(cast_a.admin)
    response = client.patch(f"/api/v1/colleges/{cast_a.college.slug}/students/{cast_a.student.pk}/",
                            {"full_name": "Әбілов Ерлан"})
    assert response.status_code == 200
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="student.updated")
    assert entry.college == cast_a.college and entry.actor == cast_a.admin and entry.created_at
    assert entry.data == {"full_name": ["Әбілов Ерлан Серікұлы", "Әбілов Ерлан"]}
    log = client.get(f"/api/v1/colleges/{cast_a.college.slug}/audit/").json()["results"]
    assert log[0]["action"] == "student.updated" and log[0]["actor"] == cast_a.admin.username
