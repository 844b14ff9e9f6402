"""Accounts driven by the directory: sync checks every LDAP user (gone or no longer matching LDAP_USER_FILTER ->
deactivated here, their sessions and connections revoked at once; groups and mapped roles refreshed for the
others); add_person creates one person's account ahead of their first login (for LDAP_AUTO_CREATE_USERS off)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgadmin_lite.audit.log import record
from pgadmin_lite.auth.ldap_config import DirectoryUnavailable, LdapSettings
from pgadmin_lite.auth.provisioning import provision
from pgadmin_lite.auth.revocation import revoke_user_access
from pgadmin_lite.errors import Conflict, LoginRefused, NotFound
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User

if TYPE_CHECKING:
    from flask import Flask


@dataclass
class SyncReport:
    """What one sync did, by email."""

    checked: int = 0
    deactivated: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"checked": self.checked, "deactivated": self.deactivated, "refreshed": self.refreshed,
                "problems": self.problems}


def _require_service(settings: LdapSettings | None) -> LdapSettings:
    if settings is None or not settings.bind_dn:
        raise Conflict("This needs \"ldap\" in AUTHENTICATION_SOURCES and a service account (LDAP_BIND_DN).",
                       hint="See docs/authentication.md, OpenLDAP.")
    return settings


def add_person(settings: LdapSettings | None, username: str) -> User:
    """Create (or refresh) the account of the one directory person this name finds."""
    from pgadmin_lite.auth import ldap_source  # ldap3 loads with the first use, not at start-up

    identity = ldap_source.look_up(_require_service(settings), username)
    if identity is None:
        raise NotFound(f"The directory has no single person for {username!r} under LDAP_USER_FILTER.")
    user = provision(identity, auto_create=True)
    record("ldap.add_user", target=f"user:{user.id}", details={"email": user.email, "dn": identity.external_id})
    return user


def sync(app: Flask, settings: LdapSettings | None) -> SyncReport:
    """One pass over the active LDAP users; DirectoryUnavailable (nothing changed) if the directory cannot be read."""
    from pgadmin_lite.auth import ldap_source  # ldap3 loads with the first use, not at start-up

    settings = _require_service(settings)
    report = SyncReport()
    users = list(db.session.execute(db.select(User).filter_by(auth_source=ldap_source.SOURCE, active=True)
                                    .order_by(User.id)).scalars())
    service = ldap_source.service_connection(settings)
    try:
        # A service account that cannot read the search base would see nobody: refuse rather than deactivate all.
        if ldap_source.read_entry_by_dn(settings, service, settings.search_base) is None:
            raise DirectoryUnavailable(f"The service account cannot read LDAP_SEARCH_BASE {settings.search_base!r}; "
                                       "nobody was changed.")
        for user in users:
            report.checked += 1
            if not settings.id_attribute and not ldap_source.is_dn(user.external_id or "="):
                report.problems.append(f"{user.email}: known by LDAP_ID_ATTRIBUTE, which is no longer set; "
                                       "set it again (this account was left as it is)")
                continue
            entry = ldap_source.current_entry(settings, service, user.external_id or "")
            if entry is None:
                user.active = False
                db.session.commit()
                revoke_user_access(app, user.id)
                report.deactivated.append(user.email)
                record("ldap.sync", target=f"user:{user.id}", details={"deactivated": user.email})
                continue
            # The same entry, now known by LDAP_ID_ATTRIBUTE (the setting was turned on since the last look).
            user.external_id = ldap_source.person_id(settings, entry) or user.external_id
            try:
                provision(ldap_source.identity_of(settings, service, entry), auto_create=False)
                report.refreshed.append(user.email)
            except LoginRefused as exc:
                db.session.rollback()
                report.problems.append(f"{user.email}: {exc.message}")
    finally:
        ldap_source.close(service)
    record("ldap.sync", details=report.to_dict())
    return report
