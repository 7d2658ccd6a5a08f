"""The operator's accounts of the authorities (API.md ``/api/v1/authorities/``): the ministry's analysts, the regional
education departments (limited to their region) and the ministry's authorized representatives (MON-13), who belong
to no college. Removing one deactivates the account: its acts and audit entries keep pointing at it."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from .audit import audit_log
from .models import User, region_choices

AUTHORITIES = [User.Authority.MINISTRY, User.Authority.REGION, User.Authority.REPRESENTATIVE]


@transaction.atomic
def authority_create(*, by: User, username: str, password: str, authority: str, region: str = "", email: str = "",
                     full_name: str = "") -> User:
    """Operator: a new account of an authority. A regional department needs its region; the others have none."""
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username=username).exists():
        errors["username"] = [_("This username is taken.")]
    if authority not in AUTHORITIES:
        errors["authority"] = [_("Choose ministry, region or representative.")]
    if authority == User.Authority.REGION and not region:
        errors["region"] = [_("A regional education department needs its region.")]
    if authority != User.Authority.REGION and region:
        errors["region"] = [_("Only a regional education department has a region.")]
    user = User(username=username, email=email or "", full_name=full_name or "", authority=authority,
                authority_region=region if authority == User.Authority.REGION else "")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_log(action="authority.created", college=None, actor=by, obj=user,
              data={"username": username, "authority": authority, "region": user.authority_region})
    return user


@transaction.atomic
def authority_deactivate(*, by: User, user: User) -> None:
    """Operator: the account can no longer sign in nor use an API token (authentication refuses inactive users);
    what it did stays on record."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_log(action="authority.deactivated", college=None, actor=by, obj=user,
              data={"username": user.username, "authority": user.authority})


class AuthoritySerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    authority = serializers.ChoiceField(choices=[(a.value, a.label) for a in AUTHORITIES])
    region = serializers.ChoiceField(source="authority_region", choices=region_choices(), required=False,
                                     allow_blank=True, help_text="A region's code, for `region` only.")
    email = serializers.EmailField(required=False, allow_blank=True)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=255)

    class Meta:
        model = User
        fields = ["id", "username", "email", "full_name", "password", "authority", "region", "is_active"]
        read_only_fields = ["is_active"]
        extra_kwargs = {"username": {"validators": []}}


class AuthorityViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                       mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Operator: accounts of the ministry, the regional departments and the ministry's representatives."""

    serializer_class = AuthoritySerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        return User.objects.filter(authority__in=AUTHORITIES, is_active=True).order_by("authority", "username")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.is_operator:
            raise PermissionDenied(_("Only the platform operator manages the authorities' accounts."))

    @extend_schema(request=AuthoritySerializer, responses={201: AuthoritySerializer})
    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = authority_create(by=request.user, username=values["username"], password=values["password"],
                                authority=values["authority"], region=values.get("authority_region", ""),
                                email=values.get("email", ""), full_name=values.get("full_name", ""))
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        authority_deactivate(by=self.request.user, user=instance)
