"""TLS to PostgreSQL as on RDS: `DB_SSLMODE=verify-full` with `DB_SSLROOTCERT`.

A real PostgreSQL server runs with TLS on, using a CA and a server certificate made here (SAN
`localhost` only). Each connection is opened by the application itself, in a fresh process:
its real settings (ecommerce.database from the DB_* variables) and its database backend.
"""

import datetime
import ipaddress
import json
import os
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.runtime.conftest import PROJECT_ROOT, PYTHON, app_env
from tests.support.postgres import PostgresServer

SSL_QUERY = "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_server_cert(ca_key, ca_cert, names):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    alt_names = []
    for name in names:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def write_cert(path: Path, cert) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def write_key(path: Path, key) -> Path:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # PostgreSQL insists
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    ca_key, ca_cert = make_ca("Storefront test CA")
    _, other_ca = make_ca("Somebody else's CA")
    return {
        "ca_key": ca_key,
        "ca_cert": ca_cert,
        "ca": write_cert(directory / "ca.pem", ca_cert),
        "wrong_ca": write_cert(directory / "wrong-ca.pem", other_ca),
    }


@pytest.fixture(scope="module")
def tls_pg(ca_files):
    server = PostgresServer()
    # The server's files live in its own directory, owned by the server's user.
    key, cert = make_server_cert(ca_files["ca_key"], ca_files["ca_cert"], ["localhost"])
    cert_path = write_cert(server.base_dir / "server.crt", cert)
    key_path = write_key(server.base_dir / "server.key", key)
    for path in (cert_path, key_path):
        server.give_to_server(path)
    server.extra_conf.update(
        {"ssl": True, "ssl_cert_file": str(cert_path), "ssl_key_file": str(key_path)}
    )
    with server:
        yield server


CONNECT = f"""
import json
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute({SSL_QUERY!r})
    print(json.dumps(cursor.fetchone()))
"""


def connect(pg, **variables):
    """Connect as the app does, in a fresh process with its real settings and these DB_*
    variables; return pg_stat_ssl's row (ssl, version), or raise with the error's last line."""
    env = app_env(
        DB_PORT=str(pg.port),
        DB_NAME="postgres",
        DB_USERNAME=pg.superuser,
        DB_PASSWORD=pg.password,
        **variables,
    )
    result = subprocess.run(
        [PYTHON, "-c", CONNECT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert pg.password not in result.stdout + result.stderr
    if result.returncode != 0:
        raise ConnectionRefused(result.stderr.strip().splitlines()[-1])
    return json.loads(result.stdout)


class ConnectionRefused(Exception):
    pass


def test_verify_full_with_the_right_ca_and_host_connects_over_tls(tls_pg, ca_files):
    ssl, version = connect(
        tls_pg,
        DB_HOST="localhost",
        DB_SSLMODE="verify-full",
        DB_SSLROOTCERT=str(ca_files["ca"]),
    )
    assert ssl is True
    assert version.startswith("TLSv1.")


def test_a_certificate_from_another_ca_is_refused(tls_pg, ca_files):
    with pytest.raises(ConnectionRefused, match="certificate verify failed"):
        connect(
            tls_pg,
            DB_HOST="localhost",
            DB_SSLMODE="verify-full",
            DB_SSLROOTCERT=str(ca_files["wrong_ca"]),
        )


def test_a_host_name_the_certificate_does_not_name_is_refused(tls_pg, ca_files):
    """Same server, same CA, but reached as 127.0.0.1, which the certificate does not list."""
    with pytest.raises(ConnectionRefused, match="does not match host name"):
        connect(
            tls_pg,
            DB_HOST="127.0.0.1",
            DB_SSLMODE="verify-full",
            DB_SSLROOTCERT=str(ca_files["ca"]),
        )


def test_without_sslmode_libpq_still_prefers_tls(tls_pg):
    """The default (`prefer`) encrypts when the server offers TLS, but verifies nothing:
    production must set DB_SSLMODE=verify-full."""
    ssl, _ = connect(tls_pg, DB_HOST="127.0.0.1")
    assert ssl is True
