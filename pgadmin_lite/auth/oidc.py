"""OpenID Connect sign-in: discovery, the authorization-code flow with PKCE, and ID-token verification.

No request here: the views hand in the redirect URI and the pending login kept in the session; a refusal is
an OidcRefused whose `reason` goes to the log and the audit line and whose message the person sees.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pgadmin_lite.auth.provisioning import ExternalIdentity
from pgadmin_lite.auth.service import check_email
from pgadmin_lite.errors import BadRequest, ConfigError, LoginRefused
from pgadmin_lite.extensions import db
from pgadmin_lite.models import User

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# Asymmetric algorithms only: "none" and HMAC (keyed with the client secret) are never accepted.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
METADATA_TTL_S = 3600  # discovery documents and key sets are fetched again after this (or on an unknown key id)
LEEWAY_S = 60  # clock skew allowed on exp and iat
PENDING_TTL_S = 600  # a login started longer ago than this cannot be completed
MAX_PENDING = 5  # logins one browser may have started at once (tabs); the oldest is dropped
HTTP_TIMEOUT_S = 10
DEFAULTS: dict[str, Any] = {
    "label": None, "server_metadata_url": None, "issuer": None, "client_secret": "", "client_secret_file": None,
    "scope": "openid email profile", "email_claim": "email", "name_claim": "name", "groups_claim": "groups",
    "roles_claim": "roles", "role_map": {}, "auto_create": False, "trust_mfa": True,
    "require_verified_email": True, "required_claims": {},
}


class OidcRefused(LoginRefused):
    """A sign-in the console refuses; `reason` (for the log) may say more than the message (for the person)."""

    def __init__(self, message: str, *, reason: str, email: str = "") -> None:
        super().__init__(message)
        self.reason, self.email = reason, email


@dataclass(frozen=True)
class Provider:
    """One OIDC_PROVIDERS entry, checked."""

    name: str
    label: str
    metadata_url: str
    client_id: str
    issuer: str | None
    client_secret: str
    scope: str
    email_claim: str
    name_claim: str
    groups_claim: str
    roles_claim: str
    role_map: Mapping[str, str] = field(default_factory=dict)
    auto_create: bool = False
    trust_mfa: bool = True
    require_verified_email: bool = True
    required_claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"oidc:{self.name}"


def parse_providers(entries: Any) -> dict[str, Provider]:
    """OIDC_PROVIDERS as Providers by name (ConfigError naming the entry and the fix)."""
    if not isinstance(entries, list):
        raise ConfigError("OIDC_PROVIDERS must be a list of dicts (see docs/authentication.md).")
    providers: dict[str, Provider] = {}
    for index, entry in enumerate(entries):
        where = f"OIDC_PROVIDERS[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a dict.")
        unknown = set(entry) - set(DEFAULTS) - {"name", "client_id"}
        if unknown:
            raise ConfigError(f"{where} has unknown keys {sorted(unknown)}; known: "
                              f"{sorted({*DEFAULTS, 'name', 'client_id'})}.")
        values = {**DEFAULTS, **entry}
        name = values.get("name")
        if not isinstance(name, str) or not NAME.match(name) or name in providers:
            raise ConfigError(f"{where}: name must be a unique lower-case slug (letters, digits, - and _).")
        if not isinstance(values.get("client_id"), str) or not values["client_id"]:
            raise ConfigError(f"{where} ({name}): client_id is required.")
        url = values["server_metadata_url"] or (
            values["issuer"].rstrip("/") + "/.well-known/openid-configuration" if values["issuer"] else None)
        if not url or not url.startswith(("https://", "http://")):
            raise ConfigError(f"{where} ({name}): set server_metadata_url (or issuer) to the provider's discovery "
                              "document, e.g. https://accounts.google.com/.well-known/openid-configuration.")
        if not isinstance(values["role_map"], dict):
            raise ConfigError(f"{where} ({name}): role_map must map a group or role value to a role name.")
        if not isinstance(values["required_claims"], dict):
            raise ConfigError(f"{where} ({name}): required_claims must map a claim to the value it must have.")
        if "openid" not in str(values["scope"]).split():
            raise ConfigError(f"{where} ({name}): scope must include openid.")
        providers[name] = Provider(
            name=name, label=values["label"] or name, metadata_url=url, client_id=values["client_id"],
            issuer=values["issuer"], client_secret=_client_secret(values, f"{where} ({name})"),
            scope=str(values["scope"]),
            email_claim=values["email_claim"], name_claim=values["name_claim"],
            groups_claim=values["groups_claim"], roles_claim=values["roles_claim"],
            role_map=dict(values["role_map"]), auto_create=bool(values["auto_create"]),
            trust_mfa=bool(values["trust_mfa"]), require_verified_email=bool(values["require_verified_email"]),
            required_claims=dict(values["required_claims"]))
    return providers


def _client_secret(values: Mapping[str, Any], where: str) -> str:
    """client_secret, or the first line of client_secret_file (a 0600 file or a systemd credential)."""
    path = values["client_secret_file"]
    if not path:
        return str(values["client_secret"] or "")
    try:
        with open(path, encoding="utf-8") as handle:
            secret = handle.readline().strip()
    except OSError as exc:
        raise ConfigError(f"{where}: client_secret_file {path} cannot be read ({exc.strerror}); check the "
                          "path and that the console's OS user may read it.") from None
    if not secret:
        raise ConfigError(f"{where}: client_secret_file {path} is empty.")
    return secret


# --- the provider's documents ---------------------------------------------------------------

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def _http_json(url: str, *, data: bytes | None = None, headers: Mapping[str, str] | None = None) -> Any:
    if not url.startswith(("https://", "http://")):
        raise OidcRefused("The identity provider is misconfigured here; ask an administrator.",
                          reason=f"{url!r} is not an http(s) URL")
    request = urllib.request.Request(url, data=data,  # noqa: S310 (http(s) only, checked above)
                                     headers={"Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310
            return json.loads(response.read(1 << 20))
    except urllib.error.HTTPError as exc:
        body = exc.read(4096).decode(errors="replace")
        raise OidcRefused("The identity provider refused the sign-in; try again or ask an administrator.",
                          reason=f"{url} answered {exc.code}: {body}") from None
    except (OSError, ValueError) as exc:
        raise OidcRefused("The identity provider cannot be reached; try again later or ask an administrator.",
                          reason=f"{url}: {exc}") from None


def _cached(url: str, *, refresh: bool = False) -> Any:
    with _cache_lock:
        hit = _cache.get(url)
    if hit and not refresh and time.monotonic() - hit[0] < METADATA_TTL_S:
        return hit[1]
    value = _http_json(url)
    with _cache_lock:
        _cache[url] = (time.monotonic(), value)
    return value


def metadata(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document (cached), with the endpoints this flow needs."""
    doc = _cached(provider.metadata_url)
    missing = [k for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
               if not isinstance(doc, dict) or not isinstance(doc.get(k), str)]
    if missing:
        raise OidcRefused("The identity provider is misconfigured here; ask an administrator.",
                          reason=f"{provider.metadata_url} lacks {missing}")
    if provider.issuer and doc["issuer"].rstrip("/") != provider.issuer.rstrip("/"):
        raise OidcRefused("The identity provider is misconfigured here; ask an administrator.",
                          reason=f"{provider.metadata_url} names issuer {doc['issuer']!r}, not {provider.issuer!r}")
    return doc


def _key_set(provider: Provider, kid: str | None) -> Any:
    """The provider's signing keys (a joserfc KeySet); fetched again once when the token names an unknown key id."""
    from joserfc.errors import JoseError  # here: joserfc loads with the first OpenID Connect login, not at start
    from joserfc.jwk import KeySet

    url = metadata(provider)["jwks_uri"]
    for refresh in (False, True):
        doc = _cached(url, refresh=refresh)
        try:
            keys = KeySet.import_key_set(doc)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise OidcRefused("The identity provider's keys cannot be read; ask an administrator.",
                              reason=f"{url}: {exc}") from None
        if kid is None or any(key.kid == kid for key in keys.keys):
            return keys
    raise OidcRefused(_UNVERIFIED, reason=f"ID token signed with key id {kid!r}, not in {url}")


# --- the flow ----------------------------------------------------------------------------------

_UNVERIFIED = "The identity provider's answer could not be verified; the sign-in was refused. Try again."


def begin(provider: Provider, redirect_uri: str, next_url: str | None) -> tuple[str, dict[str, Any]]:
    """The authorization URL to send the browser to, and the pending login to keep in its session."""
    from authlib.oauth2.rfc7636 import create_s256_code_challenge  # here: loaded with the first login, not at start

    doc = metadata(provider)
    pending = {"provider": provider.name, "state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
               "verifier": secrets.token_urlsafe(48), "redirect_uri": redirect_uri, "next": next_url or "",
               "started": int(time.time())}
    params = {"response_type": "code", "client_id": provider.client_id, "redirect_uri": redirect_uri,
              "scope": provider.scope, "state": pending["state"], "nonce": pending["nonce"],
              "code_challenge": create_s256_code_challenge(pending["verifier"]), "code_challenge_method": "S256"}
    endpoint = doc["authorization_endpoint"]
    return endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(params), pending


def take_pending(pendings: Any, state: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The pending login whose state the redirect carries (one use), and the others still fresh."""
    now, match, rest = time.time(), None, []
    for pending in pendings if isinstance(pendings, list) else []:
        if not isinstance(pending, dict) or now - int(pending.get("started", 0)) > PENDING_TTL_S:
            continue
        if match is None and state and hmac.compare_digest(str(pending.get("state", "")).encode(), state.encode()):
            match = pending
        else:
            rest.append(pending)
    return match, rest


def check_callback(provider: Provider, pending: Mapping[str, Any] | None, args: Mapping[str, str], *,
                   started_any: bool) -> str:
    """The code from the provider's redirect, after checking it answers a login this browser started."""
    if not pending or pending.get("provider") != provider.name:
        if started_any:
            raise OidcRefused("This sign-in does not match the one started in this browser; start again.",
                              reason="state mismatch")
        raise OidcRefused("This sign-in was not started in this browser (or was already used); start again.",
                          reason="no pending login in the session")
    if "iss" in args and args["iss"] != metadata(provider)["issuer"]:  # RFC 9207: an answer from another issuer
        raise OidcRefused("The sign-in answer came from another identity provider; start again.",
                          reason=f"authorization response from issuer {args['iss']!r}")
    if args.get("error"):
        raise OidcRefused(f"The identity provider refused the sign-in ({args['error']}).",
                          reason=f"provider error {args['error']}: {args.get('error_description', '')}")
    if not args.get("code"):
        raise OidcRefused("The identity provider sent no authorization code; start again.", reason="no code")
    return args["code"]


def exchange(provider: Provider, code: str, pending: Mapping[str, Any]) -> dict[str, Any]:
    """Redeem the code (with the PKCE verifier) and return the verified ID token's claims."""
    doc = metadata(provider)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": pending["redirect_uri"],
            "code_verifier": pending["verifier"]}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    methods = doc.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    if provider.client_secret and "client_secret_basic" not in methods and "client_secret_post" in methods:
        form.update(client_id=provider.client_id, client_secret=provider.client_secret)
    elif provider.client_secret:
        quote = partial(urllib.parse.quote, safe="")  # RFC 6749 2.3.1: form-encoded, then Basic
        pair = f"{quote(provider.client_id)}:{quote(provider.client_secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form["client_id"] = provider.client_id
    tokens = _http_json(doc["token_endpoint"], data=urllib.parse.urlencode(form).encode(), headers=headers)
    id_token = tokens.get("id_token") if isinstance(tokens, dict) else None
    if not isinstance(id_token, str):
        raise OidcRefused(_UNVERIFIED, reason="token response without an id_token")
    claims = verify_id_token(provider, id_token, nonce=str(pending["nonce"]))
    return _with_userinfo(provider, claims, tokens.get("access_token"))


def _with_userinfo(provider: Provider, claims: dict[str, Any], access_token: Any) -> dict[str, Any]:
    """Claims the ID token lacks (its email or groups claim) from the UserInfo endpoint, for the same sub."""
    endpoint = metadata(provider).get("userinfo_endpoint")
    lacking = {provider.email_claim, provider.groups_claim} - claims.keys()
    if not lacking or not isinstance(endpoint, str) or not isinstance(access_token, str):
        return claims
    info = _http_json(endpoint, headers={"Authorization": f"Bearer {access_token}"})
    if not isinstance(info, dict) or info.get("sub") != claims["sub"]:  # OIDC Core 5.3.2: must be the same person
        raise OidcRefused(_UNVERIFIED, reason=f"UserInfo sub {info.get('sub') if isinstance(info, dict) else None!r}"
                                              f" is not the ID token's {claims['sub']!r}")
    return {**info, **claims}  # the signed ID token wins where both say something


def verify_id_token(provider: Provider, id_token: str, *, nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's JWKS), iss, aud, azp, exp, iat and nonce hold."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    doc = metadata(provider)
    try:
        header = json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "=="))
    except (ValueError, IndexError):
        raise OidcRefused(_UNVERIFIED, reason="ID token is not a JWS") from None
    allowed = [alg for alg in doc.get("id_token_signing_alg_values_supported", ["RS256"]) if alg in ALGORITHMS]
    if not isinstance(header, dict) or header.get("alg") not in allowed:
        raise OidcRefused(_UNVERIFIED, reason=f"ID token algorithm {header.get('alg')!r} not in {allowed}")
    keys = _key_set(provider, header.get("kid"))
    try:
        claims = jwt.decode(id_token, keys, algorithms=allowed).claims
    except (JoseError, ValueError) as exc:
        raise OidcRefused(_UNVERIFIED, reason=f"ID token signature: {exc}") from None
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_S, iss={"essential": True, "value": doc["issuer"]},
        aud={"essential": True, "value": provider.client_id}, sub={"essential": True},
        exp={"essential": True}, iat={"essential": True})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise OidcRefused(_UNVERIFIED, reason=f"ID token claims: {exc}") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise OidcRefused(_UNVERIFIED, reason=f"ID token for several audiences with azp {claims.get('azp')!r}")
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        raise OidcRefused(_UNVERIFIED, reason="ID token nonce does not match the login's")
    return claims


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def identity_of(provider: Provider, claims: Mapping[str, Any]) -> ExternalIdentity:
    """The person the verified claims describe: email (verified unless configured otherwise), name, groups, role."""
    email = claims.get(provider.email_claim)
    if not isinstance(email, str) or "@" not in email:
        raise OidcRefused(f"{provider.label} did not say your email address; an administrator must map the "
                          f"claim that holds it.", reason=f"no email in claim {provider.email_claim!r}")
    try:
        email = check_email(email)
    except BadRequest:
        raise OidcRefused(f"{provider.label} sent an email address this console cannot use: {email[:254]!r}.",
                          reason=f"invalid email in claim {provider.email_claim!r}") from None
    if provider.require_verified_email and provider.email_claim == "email" and claims.get("email_verified") is not True:
        raise OidcRefused(f"{provider.label} has not verified your email address {email}; verify it there first.",
                          reason="email_verified is not true", email=email)
    for claim, wanted in provider.required_claims.items():  # e.g. Google's hd: the Workspace domain
        if claims.get(claim) != wanted:
            raise OidcRefused(f"Your {provider.label} account is not one this console accepts.",
                              reason=f"claim {claim!r} is {claims.get(claim)!r}, not {wanted!r}", email=email)
    groups = _strings(claims.get(provider.groups_claim))
    values = groups + _strings(claims.get(provider.roles_claim))
    role = next((role for value, role in provider.role_map.items() if value in values), None)
    name = claims.get(provider.name_claim)
    return ExternalIdentity(source=provider.source, external_id=f"{claims['iss']}|{claims['sub']}", email=email,
                            display_name=name if isinstance(name, str) else None, groups=frozenset(groups),
                            role=role, is_email_verified=claims.get("email_verified") is True
                            and provider.email_claim == "email")


def bind_precreated(identity: ExternalIdentity) -> None:
    """A user an administrator created for this source by email (no external id yet) becomes this person, only when
    the provider verified that email (else anyone who may set their own email there could claim the account)."""
    if not identity.is_email_verified:
        return
    user = db.session.execute(db.select(User).filter_by(auth_source=identity.source, external_id=None,
                                                        email=identity.email)).scalar_one_or_none()
    if user is not None:
        user.external_id = identity.external_id
        db.session.commit()
