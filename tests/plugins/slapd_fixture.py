"""pytest plugin: a real OpenLDAP slapd (Debian's) on loopback ports, for the LDAP sign-in tests.

Everything lives in its own temp dir: a slapd.conf (read with -f), the MDB data, a CA and a server certificate
made with ``cryptography`` (tests/plugins/tls_fixture.py), and the log. slapd listens on ldap:// (StartTLS
offered, not required, so tests can show the console refuses to send a password in clear) and on ldaps://
(also at 127.0.0.2, an address the certificate does not name).
The LDIF holds people (inetOrgPerson with mail, cn, userPassword) and groups (groupOfNames and posixGroup);
the memberof overlay fills memberOf as Active Directory does. The tests change the directory with Debian's
ldap-utils (ldapadd, ldapdelete, ldapmodify) as the root DN. Without /usr/sbin/slapd the tests skip, saying why;
slapd is stopped by its pid.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.plugins.live_server import stop_child
from tests.plugins.postgres_fixture import free_port
from tests.plugins.tls_fixture import TlsMaterial, make_tls_material
from tests.plugins.waiting import wait_until

SLAPD = "/usr/sbin/slapd"
TOOLS = ("/usr/bin/ldapadd", "/usr/bin/ldapwhoami", "/usr/bin/ldapdelete", "/usr/bin/ldapmodify")
SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret-1"
SERVICE_DN = f"cn=console,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret-1"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
# uid -> (cn, mail, password): alice is a DBA and an analyst, carol a console admin, bob in the posixGroup devs,
# dave in no group; admin1 and admin2 exist so a filter built from "admin*" would find someone.
PEOPLE_DATA = {
    "alice": ("Alice Liddell", "alice@example.org", "alice-pass-1"),
    "bob": ("Bob Builder", "bob@example.org", "bob-pass-1"),
    "carol": ("Carol Chief", "carol@example.org", "carol-pass-1"),
    "dave": ("Dave Nogroup", "dave@example.org", "dave-pass-1"),
    "admin1": ("Admin One", "admin1@example.org", "admin1-pass-1"),
    "admin2": ("Admin Two", "admin2@example.org", "admin2-pass-1"),
}
GROUPS_DATA = {"dba": ["alice"], "analysts": ["alice", "bob"], "console-admins": ["carol"]}
POSIX_GROUPS = {"devs": ["bob"]}
CONFIG = """\
# Written by tests/plugins/slapd_fixture.py: one MDB database, everything in this directory.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
TLSCACertificateFile {root}/ca.pem
TLSCertificateFile {root}/server.pem
TLSCertificateKeyFile {root}/server.key
# A DN with an empty password is an unauthenticated bind that succeeds, as Active Directory answers it.
allow bind_anon_dn
database mdb
maxsize 33554432
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {root}/data
overlay memberof
access to attrs=userPassword by self write by anonymous auth by * none
access to dn.subtree="{suffix}" by dn.exact="{service_dn}" read by self read by users read by * none
"""


def _entry(dn: str, **attributes: str | list[str]) -> str:
    lines = [f"dn: {dn}"]
    for name, values in attributes.items():
        for value in [values] if isinstance(values, str) else values:
            lines.append(f"{name}: {value}")
    return "\n".join(lines) + "\n"


def person_ldif(uid: str, cn: str, mail: str, password: str) -> str:
    return _entry(f"uid={uid},{PEOPLE}", objectClass=["inetOrgPerson"], uid=uid, cn=cn, sn=cn.split()[-1],
                  mail=mail, userPassword=password)


def group_ldif(name: str, members: list[str]) -> str:
    return _entry(f"cn={name},{GROUPS}", objectClass="groupOfNames", cn=name,
                  member=[f"uid={uid},{PEOPLE}" for uid in members])


def _base_ldif() -> str:
    entries = [_entry(SUFFIX, objectClass=["dcObject", "organization"], dc="example", o="Example"),
               *(_entry(f"ou={ou},{SUFFIX}", objectClass="organizationalUnit", ou=ou)
                 for ou in ("people", "groups", "services")),
               _entry(SERVICE_DN, objectClass=["organizationalRole", "simpleSecurityObject"], cn="console",
                      userPassword=SERVICE_PASSWORD),
               *(person_ldif(uid, *data) for uid, data in PEOPLE_DATA.items()),
               *(group_ldif(name, members) for name, members in GROUPS_DATA.items()),
               *(_entry(f"cn={name},{GROUPS}", objectClass="posixGroup", cn=name, gidNumber="5000",
                        memberUid=members) for name, members in POSIX_GROUPS.items())]
    return "\n".join(entries)


@dataclass
class Slapd:
    """The running slapd, its URIs, CA and the tools to change its data."""

    root: Path
    port: int
    ldaps_port: int
    tls: TlsMaterial
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_uri(self) -> str:
        return f"ldaps://localhost:{self.ldaps_port}"

    @property
    def wrong_name_uri(self) -> str:
        """The same slapd at an address its certificate does not name (127.0.0.2 is loopback too on Linux)."""
        return f"ldaps://127.0.0.2:{self.ldaps_port}"

    @property
    def ca_file(self) -> Path:
        return self.root / "ca.pem"

    @property
    def other_ca_file(self) -> Path:
        return self.root / "other-ca.pem"

    @property
    def service_password_file(self) -> Path:
        return self.root / "service-password"

    def log(self) -> str:
        path = self.root / "slapd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tool(self, name: str, *args: str, stdin: str | None = None, check: bool = True) -> str:
        """Run an ldap-utils tool as the root DN over ldap:// with StartTLS (-ZZ), checking our CA."""
        argv = [f"/usr/bin/{name}", "-x", "-ZZ", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD, *args]
        done = subprocess.run(argv, input=stdin, text=True, capture_output=True,
                              env={"LDAPTLS_CACERT": str(self.ca_file), "PATH": "/usr/bin:/bin"})
        if check and done.returncode != 0:
            raise AssertionError(f"{name} failed ({done.returncode}): {done.stderr}\n--- slapd log ---\n"
                                 f"{self.log()[-3000:]}")
        return done.stdout

    def add(self, ldif: str) -> None:
        self.tool("ldapadd", stdin=ldif)

    def delete(self, dn: str) -> None:
        self.tool("ldapdelete", dn)

    def modify(self, ldif: str) -> None:
        self.tool("ldapmodify", stdin=ldif)

    def is_ready(self) -> bool:
        return self.tool("ldapwhoami", check=False).strip() == f"dn:{ROOT_DN}"

    def start(self) -> None:
        with open(self.root / "slapd.log", "ab") as log:
            # -d: stay in the foreground (stopped by this pid), logging connections and operations (stats).
            self.proc = subprocess.Popen([SLAPD, "-f", str(self.root / "slapd.conf"), "-d", "stats", "-h",
                                          f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.ldaps_port}/ "
                                          f"ldaps://127.0.0.2:{self.ldaps_port}/"],
                                         stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        proc = self.proc
        with contextlib.suppress(AssertionError):  # past the timeout, the check below shows the log
            wait_until(lambda: proc.poll() is not None or self.is_ready(), "slapd to answer ldapwhoami", timeout=20)
        if proc.poll() is not None or not self.is_ready():
            self.stop()
            pytest.fail(f"slapd did not start on port {self.port}:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            stop_child(self.proc)
        self.proc = None


@pytest.fixture(scope="session")
def slapd() -> Iterator[Slapd]:
    """One slapd for the session, loaded with the people and groups above; tests that change them restore them."""
    missing = [path for path in (SLAPD, *TOOLS) if not Path(path).exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed; apt-get install slapd ldap-utils to run the LDAP tests")
    root = Path(tempfile.mkdtemp(prefix="pgadmin_lite-slapd-"))
    server = Slapd(root, free_port(), free_port(), make_tls_material("unused"))
    try:
        (root / "data").mkdir()
        for name, text in (("ca.pem", server.tls.ca.cert), ("server.pem", server.tls.server.cert),
                           ("server.key", server.tls.server.key), ("other-ca.pem", server.tls.other_ca.cert),
                           ("service-password", SERVICE_PASSWORD + "\n")):
            (root / name).write_text(text)
        (root / "server.key").chmod(0o600)
        (root / "service-password").chmod(0o600)
        (root / "slapd.conf").write_text(CONFIG.format(root=root, suffix=SUFFIX, root_dn=ROOT_DN,
                                                       root_password=ROOT_PASSWORD, service_dn=SERVICE_DN))
        test = subprocess.run([SLAPD, "-T", "test", "-u", "-f", str(root / "slapd.conf")], capture_output=True,
                              text=True)
        if test.returncode != 0:
            pytest.fail(f"slapd.conf does not parse:\n{test.stdout}{test.stderr}")
        server.start()
        server.add(_base_ldif())
        yield server
    finally:
        server.stop()
        log = server.log()
        shutil.rmtree(root, ignore_errors=True)
        if log:
            print(f"--- slapd log ---\n{log[-4000:]}")
