"""Sign-ins, sign-outs and failed sign-ins go to the audit log; changes of colleges, memberships and calendar
overrides, from anywhere (services, the operator's admin), drop the cached tenancy facts and overrides; a new
password, a deactivation or a sign-out revokes the user's API tokens."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .audit import audit_log, client_ip
from .calendar import calendar_overrides_forget
from .models import CalendarOverride, College, Membership, User
from .tenancy import tenancy_forget


def _forget_now_and_after_commit(forget) -> None:
    # Now and after commit: a request between the two must not cache the old row again for long.
    forget()
    transaction.on_commit(forget)


@receiver([post_save, post_delete], sender=Membership)
def forget_membership(sender, instance, **kwargs) -> None:
    college, user = instance.college, instance.user
    _forget_now_and_after_commit(lambda: tenancy_forget(college=college, user=user))


@receiver([post_save, post_delete], sender=College)
def forget_college(sender, instance, **kwargs) -> None:
    _forget_now_and_after_commit(lambda: tenancy_forget(college=instance))


@receiver(post_save, sender=User)
def revoke_tokens_of_changed_user(sender, instance, **kwargs) -> None:
    """A new password or a deactivation ends every API token of the user (on PostgreSQL a trigger does the same for
    any other path, SQL included: migration attestation 0008)."""
    from .tokens import tokens_revoke

    if getattr(instance, "_password", None) is not None or not instance.is_active:
        tokens_revoke(user=instance, reason="password_changed" if instance.is_active else "deactivated")


@receiver([post_save, post_delete], sender=CalendarOverride)
def forget_calendar_overrides(sender, instance, **kwargs) -> None:
    _forget_now_and_after_commit(calendar_overrides_forget)


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs) -> None:
    audit_log(action="auth.signed_in", college=None, actor=user, obj=user,
              ip=client_ip(request) if request else None)


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs) -> None:
    """Signing out on the web ends the person's API tokens too: one explicit sign-out, no credential left."""
    from .tokens import tokens_revoke

    if user is not None:
        ip = client_ip(request) if request else None
        audit_log(action="auth.signed_out", college=None, actor=user, obj=user, ip=ip)
        tokens_revoke(user=user, by=user, reason="sign_out", ip=ip)


@receiver(user_login_failed)
def audit_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    login = credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
    audit_log(action="auth.sign_in_failed", college=None, actor=None, data={"login": str(login)[:150]},
              ip=client_ip(request) if request else None)
