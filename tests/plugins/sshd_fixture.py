"""pytest plugin: a real OpenSSH sshd (Debian's openssh-server) on a loopback port, for SSH tunnel tests.

Everything lives in its own temp dir: the sshd_config, the host key, the authorized keys, the client keys and
the log. Password authentication needs a real system user with a password (sshd reads /etc/shadow; PAM is
off), so the fixture creates a dedicated one (``pgl-ssh-<pid>``: concurrent test sessions never share one) when it
runs as root and removes it at the end; without root or without /usr/sbin/sshd the tests skip, saying why. sshd is
stopped by its pid.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.plugins.live_server import stop_child
from tests.plugins.postgres_fixture import free_port
from tests.plugins.waiting import wait_until

SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "/usr/bin/ssh-keygen"
KEY_PASSPHRASE = "key-passphrase-1"
CONFIG = """\
# Written by tests/plugins/sshd_fixture.py: one user, forwarding only, everything in this directory.
Port {port}
ListenAddress 127.0.0.1
HostKey {root}/host_key
PidFile {root}/sshd.pid
AuthorizedKeysFile {root}/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers {user}
AllowTcpForwarding yes
PermitTTY no
X11Forwarding no
MaxStartups 50
LogLevel VERBOSE
"""


def _run(*argv: str, stdin: str | None = None) -> None:
    subprocess.run(argv, input=stdin, text=True, check=True, capture_output=True)


def _keygen(path: Path, kind: str, passphrase: str = "", *fmt: str) -> None:
    path.unlink(missing_ok=True)
    Path(f"{path}.pub").unlink(missing_ok=True)
    _run(SSH_KEYGEN, "-q", "-t", kind, "-N", passphrase, "-C", "pgadmin_lite test", *fmt, "-f", str(path))


def _fingerprint(pub: Path) -> str:
    out = subprocess.run([SSH_KEYGEN, "-l", "-E", "sha256", "-f", str(pub)], text=True, check=True,
                         capture_output=True).stdout
    return out.split()[1]


def _answers(port: int) -> bool:
    """sshd is ready when its port sends the SSH banner."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(8).startswith(b"SSH-")
    except OSError:
        return False


@dataclass
class SshServer:
    """The running sshd and how tests log in to it."""

    root: Path
    port: int
    user: str
    password: str
    host: str = "127.0.0.1"
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def key_path(self) -> Path:
        """An Ed25519 key in OpenSSH format, encrypted with KEY_PASSPHRASE."""
        return self.root / "client_ed25519"

    @property
    def rsa_key_path(self) -> Path:
        """An unencrypted RSA key in PEM form."""
        return self.root / "client_rsa"

    @property
    def host_key_fingerprint(self) -> str:
        return _fingerprint(self.root / "host_key.pub")

    def log(self) -> str:
        path = self.root / "sshd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> None:
        with open(self.root / "sshd.log", "ab") as log:
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.root / "sshd_config")],
                                         stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        proc = self.proc
        with contextlib.suppress(AssertionError):
            wait_until(lambda: _answers(self.port) or proc.poll() is not None, "sshd to answer", timeout=20)
        if not _answers(self.port):
            self.stop()
            pytest.fail(f"sshd did not start on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        if self.proc is not None:
            stop_child(self.proc)
        self.proc = None

    def new_host_key(self) -> None:
        """Restart with a freshly generated host key (what a rebuilt bastion, or an impostor, presents)."""
        self.stop()
        _keygen(self.root / "host_key", "ed25519")
        self.start()


def _create_user(name: str, password: str) -> None:
    """This session's own system user (one left by a crashed session of the same pid is reused)."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        _run("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/false", name)
    _run("chpasswd", stdin=f"{name}:{password}\n")


def _remove_user(name: str) -> None:
    """userdel once the user's last sshd session process (ours, ending with sshd) is gone; they are ended by pid."""
    def ended() -> bool:
        pids = subprocess.run(["pgrep", "-u", name], capture_output=True, text=True).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGTERM)
        return not pids

    with contextlib.suppress(AssertionError):  # past the timeout, userdel below says what is left
        wait_until(ended, f"the processes of {name} to end")
    done = subprocess.run(["userdel", name], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"userdel {name} failed: {done.stderr.strip()}")


@pytest.fixture(scope="session")
def sshd() -> Iterator[SshServer]:
    """One sshd for the session; a test that changes its host key restores a fresh start with ``new_host_key``."""
    if not os.path.exists(SSHD) or not os.path.exists(SSH_KEYGEN):
        pytest.skip(f"{SSHD} is not installed; apt-get install openssh-server to run the SSH tunnel tests")
    if os.geteuid() != 0 or not shutil.which("useradd"):
        why = "the SSH tunnel tests create a system user with a password for sshd, which needs root and useradd"
        if os.environ.get("CI"):  # CI runs as root (.ci/run): there a missing precondition is a failure, not a skip
            pytest.fail(why)
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix="pgadmin_lite-sshd-"))
    root.chmod(0o755)  # sshd reads the authorized keys as the test user
    user = f"pgl-ssh-{os.getpid()}"
    server = SshServer(root, free_port(), user, secrets.token_urlsafe(12))
    try:
        _create_user(user, server.password)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        _keygen(root / "host_key", "ed25519")
        _keygen(server.key_path, "ed25519", KEY_PASSPHRASE)
        _keygen(server.rsa_key_path, "rsa", "", "-m", "PEM", "-b", "2048")
        (root / "authorized_keys").write_text(
            (root / "client_ed25519.pub").read_text() + (root / "client_rsa.pub").read_text())
        (root / "authorized_keys").chmod(0o644)
        (root / "sshd_config").write_text(CONFIG.format(port=server.port, root=root, user=user))
        _run(SSHD, "-t", "-f", str(root / "sshd_config"))
        server.start()
        yield server
    finally:
        server.stop()
        log = server.log()
        _remove_user(user)
        shutil.rmtree(root, ignore_errors=True)
        if log:
            print(f"--- sshd log ---\n{log[-4000:]}")
