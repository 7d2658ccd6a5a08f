"""Sign-ins, sign-outs and failed sign-ins go to the audit log; changes of colleges, memberships, users and calendar
overrides, from anywhere (services, the operator's admin), drop the cached tenancy facts, user and overrides."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .accounts import user_forget
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


@receiver([post_save, post_delete], sender=User)
def forget_user(sender, instance, **kwargs) -> None:
    user_id = instance.pk
    _forget_now_and_after_commit(lambda: user_forget(user_id))


@receiver([post_save, post_delete], sender=CalendarOverride)
def forget_calendar_overrides(sender, instance, **kwargs) -> None:
    _forget_now_and_after_commit(calendar_overrides_forget)


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs) -> None:
    audit_log(action="auth.signed_in", college=None, actor=user, obj=user,
              ip=client_ip(request) if request else None)


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_log(action="auth.signed_out", college=None, actor=user, obj=user,
                  ip=client_ip(request) if request else None)


@receiver(user_login_failed)
def audit_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    login = credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
    audit_log(action="auth.sign_in_failed", college=None, actor=None, data={"login": str(login)[:150]},
              ip=client_ip(request) if request else None)
