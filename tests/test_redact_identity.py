"""Identity: home directories, e-mail addresses, UNC machine names, this machine's
names (crashreport.redact.identity)."""

from __future__ import annotations

import getpass
import socket

import pytest

from crashreport.redact import redact_text
from crashreport.redact.identity import local_identity
from fixtures.redaction_samples import leaks, scrub
from fixtures.secrets import EMAIL, HOME_USER, MAC_USER, WINDOWS_USER


@pytest.mark.parametrize(
    ("path", "clean"),
    [
        (f"/home/{HOME_USER}/src/app/db.py", "~/src/app/db.py"),
        (
            f"/home/{HOME_USER}/.venvs/app/lib/python3.11/site-packages/x.py",
            "~/.venvs/app/lib/python3.11/site-packages/x.py",
        ),
        (f"/var/home/{HOME_USER}/x.py", "~/x.py"),
        (f"/Users/{MAC_USER}/Library/Caches/app/x.py", "~/Library/Caches/app/x.py"),
        (f"/mnt/c/Users/{WINDOWS_USER}/proj/x.py", "~/proj/x.py"),
        (f"C:\\Users\\{WINDOWS_USER}\\AppData\\Local\\app\\x.py", "~\\AppData\\Local\\app\\x.py"),
        (f"C:\\\\Users\\\\{WINDOWS_USER}\\\\AppData\\\\x.py", "~\\\\AppData\\\\x.py"),
        ("C:/Users/Jane Doe/Documents/x.py", "~/Documents/x.py"),
    ],
)
def test_home_directories_become_tilde(path: str, clean: str) -> None:
    """POSIX, macOS, WSL and Windows homes (raw or escaped) become ``~``; the rest stays."""
    assert scrub(f'  File "{path}", line 3, in main') == f'  File "{clean}", line 3, in main'


def test_the_user_in_a_home_path_is_removed_everywhere() -> None:
    """A user name learned from a home path is removed where nothing marks it."""
    out = scrub(f"/home/{HOME_USER}/x.py\nowner: {HOME_USER} (uid 1000)")
    assert HOME_USER not in out
    assert "owner: <user>" in out


@pytest.mark.parametrize(
    "path", ["/home/x.py", "/usr/lib/python3.11/os.py", "C:\\Users\\Public\\x"]
)
def test_paths_without_a_person_are_kept(path: str) -> None:
    """System paths and shared profiles name nobody."""
    assert scrub(path) == path


@pytest.mark.parametrize(
    "text",
    [
        f"mail to {EMAIL} failed",
        f"{{'{EMAIL}': (550, b'5.1.1 User unknown')}}",
        f"<{EMAIL}>: Recipient address rejected",
        f"actor={EMAIL}&x=1",
    ],
)
def test_e_mail_addresses(text: str) -> None:
    """E-mail addresses go, in prose, dicts, brackets and query strings."""
    assert EMAIL not in scrub(text)


def test_decorators_and_at_signs_in_code_are_kept() -> None:
    """``@app.route``, ``a @ b`` and ``pkg@1.2`` are no addresses."""
    text = "@app.route('/x')\nresult = a @ b\nnpm i left-pad@1.3.0"
    assert scrub(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "PermissionError: '\\\\\\\\files-01.corp.internal\\\\exports\\\\q3.csv'",
        "open \\\\files-01.corp.internal\\exports\\q3.csv failed",
    ],
)
def test_unc_paths_lose_their_machine(text: str) -> None:
    """``\\\\host\\share`` (raw or escaped) loses the machine's name."""
    assert "files-01" not in scrub(text)


def test_local_identity_is_read_once_and_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's login and host name are known, and removed unless asked not to."""
    names = dict(local_identity())
    assert names.get("host") == socket.gethostname()
    assert local_identity() is local_identity()  # read once per process
    user = getpass.getuser()
    text = f"ran on {socket.gethostname()} by {user}"
    if len(user) >= 4 and user not in ("root", "runner"):
        assert user not in redact_text(text, environ={}).text
    assert redact_text(text, environ={}, local=False).text == text or user in ("root", "runner")


def test_identity_and_paths_together() -> None:
    """A report header (user, host, cwd) loses the person and keeps the layout."""
    text = f"user: {HOME_USER}\ncwd: /home/{HOME_USER}/src/shop\nmail: {EMAIL}\n"
    out = scrub(text)
    assert leaks(out, [HOME_USER, EMAIL]) == []
    assert "cwd: ~/src/shop" in out


@pytest.mark.parametrize(
    "text",
    [
        "<cx_Oracle.Connection to scott@ora-prod.fin.internal:21521/FINPDB1>",
        "<oracledb.Connection to scott@ora-prod.fin.internal:21521/FINPDB1>",
    ],
)
def test_a_login_with_a_port_is_no_e_mail_address(text: str) -> None:
    """``user@host:port/service`` (the Oracle drivers' connection repr): the user, host,
    port and service are each removed and named, not taken for one e-mail address."""
    result = redact_text(text, environ={}, local=False)
    assert result.text.endswith("Connection to <user>@<host-1>:<port>/<database>>")
    assert "e-mail" not in result.redactions.summary()


def test_an_url_encoded_e_mail_address_is_removed() -> None:
    """``?email=bob%40example-shop.com`` and ``/users/alice%40corp.com/``: the address,
    encoded as a query string or a path writes it, is an e-mail address too."""
    text = (
        "https://app.example-shop.com/reset?token=x&email=bob.stone%40example-shop.com\n"
        "GET /api/users/alice.smith%40corp-mail.com/profile"
    )
    result = redact_text(text, environ={}, local=False)
    assert "bob.stone" not in result.text
    assert "alice.smith" not in result.text
    assert "/profile" in result.text
    assert "2 e-mail addresses" in result.redactions.summary()


@pytest.mark.parametrize(
    ("path", "clean"),
    [
        (
            "/tmp/pytest-of-jdoe/pytest-12/test_x0/app.log",
            "/tmp/pytest-of-<user>/pytest-12/test_x0/app.log",
        ),
        ("~jdoe/projects/x.py", "~<user>/projects/x.py"),
        ("/nfs/homes/jdoe/x.py", "/nfs/homes/<user>/x.py"),
        ("/home/linuxbrew/.linuxbrew/lib/x.py", "/home/linuxbrew/.linuxbrew/lib/x.py"),
        ("approx ~5/10 and a~b/c", "approx ~5/10 and a~b/c"),
    ],
)
def test_other_paths_that_name_their_user(path: str, clean: str) -> None:
    """pytest's ``pytest-of-<user>``, ``~user/`` and NFS ``/homes/<user>/`` name a user;
    Homebrew's own ``linuxbrew`` account and a tilde in prose name nobody."""
    assert redact_text(path, environ={}, local=False).text == clean


def test_a_persons_name_before_their_address_goes() -> None:
    """git's ``Name <address>`` and a mail header's ``"Surname, Name" <address>``: the
    name goes with the address; a sentence before ``<address>`` stays."""
    clean = scrub(
        "    author = 'Karin Lindqvist <karin.lindqvist@nordwind.se>'\n"
        'From: "Okonkwo, Chidi" <c@brightdata-labs.io>\n'
        "write to sales team <sales@acme-corp.com>"
    )
    assert leaks(clean, ["Karin", "Lindqvist", "Okonkwo"]) == []
    assert "write to sales team <<email>>" in clean


def test_a_urls_user_is_no_email_address() -> None:
    """A Sentry DSN's key is the user of a URL: the host stays readable as a host."""
    clean = scrub("dsn = 'https://3f9a2b7c4d1e4f6a8b0c2d4e6f8a0b1c@o450123.ingest.sentry.io/45051'")
    assert clean == "dsn = 'https://<user>@<host-1>/45051'"


def test_a_home_written_with_json_escapes() -> None:
    """A JSON log writes ``/home/андрей`` as ``\\u`` escapes: the home still goes."""
    text = '{"exception": "File \\"/home/\\u0430\\u043d\\u0434\\u0440\\u0435\\u0439/app/x.py\\""}'
    assert scrub(text) == '{"exception": "File \\"~/app/x.py\\""}'


def test_a_url_path_named_users_is_no_home() -> None:
    """``GET /users/me`` is an API path; macOS writes ``/Users/<name>``."""
    assert scrub("GET /users/me with x") == "GET /users/me with x"
    assert scrub('File "/Users/alice/src/a.py"') == 'File "~/src/a.py"'
