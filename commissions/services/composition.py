"""Commissions and their members, formed by the head's order and approved (COM-01 … COM-06, APP-02/03)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.models import Campaign, College, Membership, Role, User
from attestation.rules import RuleViolation

from .. import rules, selectors
from ..models import Commission, CommissionMember, Protocol, RuleMode
from .common import _broken, _field_error, _policy, _request_document, _same_college


def _draft_only(commission: Commission) -> None:
    """COM-01: an approved commission is fixed by the head's order."""
    if commission.status != Commission.Status.DRAFT:
        raise _broken([RuleViolation("COM-01", _("The commission is approved by the head's order; its order and "
                                                 "composition no longer change."), "status")],
                      _("The commission cannot be changed."))


def _commission_fields_check(*, college: College, kind: str, campaign: Campaign | None, order_number: str,
                             commission: Commission | None = None) -> None:
    _same_college(college, campaign=campaign)
    errors: dict[str, list[str]] = {}
    if kind not in Commission.Kind.values:
        errors["kind"] = [_("Choose final or appeal.")]
    if kind == Commission.Kind.FINAL and campaign is None:
        errors["campaign"] = [_("A final attestation commission is formed for a campaign.")]
    if order_number:
        others = Commission.objects.filter(college=college, kind=kind, order_number=order_number)
        if commission is not None:
            others = others.exclude(pk=commission.pk)
        if others.exists():
            errors["order_number"] = [_("A commission with this order number already exists.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def commission_create(*, college: College, by: User, kind: str = Commission.Kind.FINAL,
                      campaign: Campaign | None = None, order_number: str = "", order_date: date | None = None,
                      name: str = "") -> Commission:
    order_number = (order_number or "").strip()
    _commission_fields_check(college=college, kind=kind, campaign=campaign, order_number=order_number)
    commission = Commission.objects.create(college=college, kind=kind, campaign=campaign, name=name.strip(),
                                           order_number=order_number, order_date=order_date)
    audit_log(action="commission.created", college=college, actor=by, obj=commission,
              data={"kind": kind, "campaign": campaign, "order_number": order_number, "order_date": order_date})
    return commission


@transaction.atomic
def commission_update(*, college: College, by: User, commission: Commission, **fields: Any) -> Commission:
    commission = Commission.objects.select_for_update().get(pk=commission.pk, college=college)
    allowed = {"kind", "campaign", "order_number", "order_date", "name"}
    fields = {k: v for k, v in fields.items() if k in allowed}
    if "order_number" in fields:
        fields["order_number"] = (fields["order_number"] or "").strip()
    changed = {k: [getattr(commission, k), v] for k, v in fields.items() if getattr(commission, k) != v}
    if not changed:
        return commission
    _draft_only(commission)
    _commission_fields_check(college=college, kind=fields.get("kind", commission.kind),
                             campaign=fields.get("campaign", commission.campaign),
                             order_number=fields.get("order_number", commission.order_number), commission=commission)
    for name, value in fields.items():
        setattr(commission, name, value)
    commission.save()
    audit_log(action="commission.updated", college=college, actor=by, obj=commission, data=changed)
    return commission


@transaction.atomic
def commission_delete(*, college: College, by: User, commission: Commission) -> None:
    _draft_only(commission)
    if commission.exams.exists():
        raise _field_error("non_field_errors", _("The commission has sessions in the schedule."))
    audit_log(action="commission.deleted", college=college, actor=by, obj=commission, data={"str": str(commission)})
    commission.members.all().delete()
    commission.delete()


def _member_account(*, college: College, username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise _field_error("user", _("No account with this login."))
    membership = Membership.objects.filter(college=college, user=user).first()
    if membership is None or membership.role not in (Role.ADMIN, Role.STAFF):
        raise _field_error("user", _("The account must belong to the college's staff (administrator or staff)."))
    return user


def _member_fields_check(fields: dict[str, Any]) -> None:
    errors = {}
    if not (fields.get("full_name") or "").strip():
        errors["full_name"] = [_("The full name is required.")]
    if fields.get("role") not in CommissionMember.Role.values:
        errors["role"] = [_("Choose chair, member or secretary.")]
    if fields.get("affiliation") not in CommissionMember.Affiliation.values:
        errors["affiliation"] = [_("Choose employer, college or accredited medical organisation.")]
    if fields.get("affiliation") in ("employer", "medical_org") and not (fields.get("organization") or "").strip():
        # OQ-02: the employer side is judged by the person's actual organisation, which must be named.
        errors["organization"] = [_("Name the organisation the member represents.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_add(*, college: College, by: User, commission: Commission, full_name: str, role: str, affiliation: str,
               organization: str = "", position: str = "", email: str = "", user: str | None = None
               ) -> CommissionMember:
    _same_college(college, commission=commission)
    _draft_only(commission)
    fields = {"full_name": full_name.strip(), "role": role, "affiliation": affiliation,
              "organization": organization.strip(), "position": position.strip(), "email": email.strip()}
    _member_fields_check(fields)
    account = _member_account(college=college, username=user)
    if account is not None and commission.members.filter(user=account).exists():
        raise _field_error("user", _("This account is already linked to a member of the commission."))
    member = CommissionMember.objects.create(college=college, commission=commission, user=account, **fields)
    audit_log(action="commission.member_added", college=college, actor=by, obj=member,
              data={"commission": commission.pk, **fields, "user": account.username if account else None})
    return member


@transaction.atomic
def member_update(*, college: College, by: User, member: CommissionMember, **fields: Any) -> CommissionMember:
    _draft_only(member.commission)
    data = {name: getattr(member, name) for name in ("full_name", "role", "affiliation", "organization", "position",
                                                     "email")}
    for name in data:
        if name in fields and fields[name] is not None:
            data[name] = fields[name].strip() if isinstance(fields[name], str) else fields[name]
    _member_fields_check(data)
    changed = {k: [getattr(member, k), v] for k, v in data.items() if getattr(member, k) != v}
    if "user" in fields:
        account = _member_account(college=college, username=fields["user"])
        if account != member.user:
            if account is not None and member.commission.members.exclude(pk=member.pk).filter(user=account).exists():
                raise _field_error("user", _("This account is already linked to a member of the commission."))
            changed["user"] = [member.user.username if member.user else None, account.username if account else None]
            member.user = account
    for name, value in data.items():
        setattr(member, name, value)
    if changed:
        member.save()
        audit_log(action="commission.member_updated", college=college, actor=by, obj=member, data=changed)
    return member


@transaction.atomic
def member_remove(*, college: College, by: User, member: CommissionMember) -> None:
    _draft_only(member.commission)
    audit_log(action="commission.member_removed", college=college, actor=by, obj=member,
              data={"commission": member.commission_id, "full_name": member.full_name, "role": member.role})
    member.delete()


def commission_verdict(*, college: College, commission: Commission) -> rules.Verdict:
    """Every composition rule of the commission's kind, at once (COM-01/02/04/05/06 or APP-02/03)."""
    members = [rules.MemberFacts(m.role, m.affiliation, m.votes, m.full_name)
               for m in commission.members.all().order_by("id")]
    if commission.kind == Commission.Kind.APPEAL:
        return rules.appeal_commission_check(members=members, order_number=commission.order_number,
                                             order_date=commission.order_date)
    policy = _policy(college)
    campaign = commission.campaign
    is_medical = selectors.campaign_programs(college=college, campaign=campaign).filter(is_medical=True).exists()
    return rules.final_commission_check(
        members=members, order_number=commission.order_number, order_date=commission.order_date,
        campaign_starts_on=campaign.starts_on, is_medical=is_medical,
        late_order_is_error=policy.late_commission_order == RuleMode.ERROR,
        warn_secretary=policy.warn_secretary_in_ratio)


@transaction.atomic
def commission_approve(*, college: College, by: User, commission: Commission,
                       language: str | None = None) -> tuple[Commission, list[RuleViolation]]:
    """Approve by the head's order: every violation at once (422), else approved and the order PDF issued."""
    commission = Commission.objects.select_for_update().get(pk=commission.pk, college=college)
    if commission.status != Commission.Status.DRAFT:
        raise _broken([RuleViolation("COM-01", _("The commission is already approved."), "status")],
                      _("The commission cannot be approved."))
    verdict = commission_verdict(college=college, commission=commission)
    if verdict.errors:
        raise _broken(verdict.errors, _("The commission cannot be approved."))
    commission.status = Commission.Status.APPROVED
    commission.approved_at = timezone.now()
    commission.approved_by = by
    commission.approval_warnings = [{"rule": w.rule, "message": w.message} for w in verdict.warnings]
    commission.save()
    commission.order_document = _request_document(college=college, kind="commission_order", subject_id=commission.pk,
                                                  by=by, language=language)
    commission.save(update_fields=["order_document"])
    audit_log(action="commission.approved", college=college, actor=by, obj=commission,
              data={"order_number": commission.order_number, "order_date": commission.order_date,
                    "warnings": commission.approval_warnings})
    return commission, verdict.warnings


@transaction.atomic
def commission_close(*, college: College, by: User, commission: Commission) -> Commission:
    """COM-01: the commission's work ends (after the attestation period); refused while a protocol is open."""
    commission = Commission.objects.select_for_update().get(pk=commission.pk, college=college)
    if commission.status != Commission.Status.APPROVED:
        raise _broken([RuleViolation("COM-01", _("Only an approved commission can be closed."), "status")],
                      _("The commission cannot be closed."))
    if Protocol.objects.filter(college=college, exam__commission=commission, status=Protocol.Status.OPEN).exists():
        raise _field_error("status", _("A protocol of the commission is still open."))
    commission.status = Commission.Status.CLOSED
    commission.save(update_fields=["status"])
    audit_log(action="commission.closed", college=college, actor=by, obj=commission)
    return commission
