"""manifest.sig: the manifest's SHA-256 signed with a KMS asymmetric key (`scan --sign-key`).

What is signed is the short statement `trailwatch-manifest-sha256:<hex>` (MessageType RAW, so
KMS hashes it with the algorithm's hash): the same bytes whatever the manifest's size, and no
reliance on DIGEST-mode signing. `verify --public-key FILE` checks the signature offline with
the key's exported public key (the `cryptography` package); `verify --kms` asks kms:Verify.
The signature proves who vouched for the manifest only if the public key (or key ARN) was
obtained out of band, never from the directory itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from reports.manifest import MANIFEST, SIGNATURE, sha256_file
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.atomic import write_text_atomic
from scanner.core.errors import TrailwatchError, UsageError
from scanner.publish.s3 import transfer_region

STATEMENT_PREFIX = "trailwatch-manifest-sha256:"
#: The algorithm used, first one the key supports.
PREFERRED_ALGORITHMS = (
    "RSASSA_PSS_SHA_256",
    "ECDSA_SHA_256",
    "RSASSA_PSS_SHA_384",
    "ECDSA_SHA_384",
    "RSASSA_PSS_SHA_512",
    "ECDSA_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
)
#: The only non-read calls signing and verifying make through the read-only guard.
SIGN_WRITE = ("kms", "Sign")
VERIFY_CALL = ("kms", "Verify")
SIGN_ACTIONS = ("kms:GetPublicKey", "kms:Sign")
MAX_SIGNATURE_BYTES = 64 << 10


class SigningError(TrailwatchError):
    """The manifest could not be signed, or a signature could not be checked (exit 2)."""


def statement(manifest_sha256: str) -> bytes:
    return f"{STATEMENT_PREFIX}{manifest_sha256}".encode("ascii")


def _describe(exc: Exception) -> str:

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code') or 'ClientError'}: {err.get('Message') or exc}"
    return f"{type(exc).__name__}: {exc}"


def _key_region(key_id: str) -> str:
    if key_id.startswith("arn:"):
        parts = key_id.split(":")
        if len(parts) > 3 and parts[3]:
            return parts[3]

    return transfer_region()


def _kms_client(
    key_id: str, profile: str | None, endpoint_url: str | None, allow: tuple[str, str]
) -> Any:

    region = _key_region(key_id)
    sessions = Sessions(
        profile, ClientSettings(endpoint_url=endpoint_url, allow_writes=frozenset({allow}))
    )
    sessions.identify(region)
    return sessions.caller().client("kms", region)


@dataclass(frozen=True)
class Signer:
    """A KMS key checked before the scan: its ARN, the algorithm to use and its public key."""

    client: Any
    key_arn: str
    algorithm: str
    public_key_sha256: str

    def sign(self, directory: Path) -> Path:
        """Sign directory/manifest.json's SHA-256 into directory/manifest.sig."""
        digest = sha256_file(directory / MANIFEST)
        try:
            response = self.client.sign(
                KeyId=self.key_arn,
                Message=statement(digest),
                MessageType="RAW",
                SigningAlgorithm=self.algorithm,
            )
        except Exception as exc:
            raise SigningError(f"kms:Sign with {self.key_arn} failed: {_describe(exc)}") from None
        doc = {
            "signed": statement(digest).decode("ascii"),
            "manifest_sha256": digest,
            "key_id": str(response.get("KeyId") or self.key_arn),
            "signing_algorithm": self.algorithm,
            "message_type": "RAW",
            "public_key_sha256": self.public_key_sha256,
            "signature": base64.b64encode(response["Signature"]).decode("ascii"),
        }
        path = directory / SIGNATURE
        write_text_atomic(path, json.dumps(doc, indent=1) + "\n")
        return path


def kms_signer(key_id: str, *, profile: str | None, endpoint_url: str | None) -> Signer:
    """kms:GetPublicKey: the key exists, signs, and which algorithm to use (before the scan)."""
    try:
        client = _kms_client(key_id, profile, endpoint_url, SIGN_WRITE)
        info = client.get_public_key(KeyId=key_id)
    except TrailwatchError as exc:
        raise SigningError(f"--sign-key {key_id}: {exc}") from None
    except Exception as exc:
        raise SigningError(f"--sign-key {key_id}: {_describe(exc)}") from None
    if info.get("KeyUsage") != "SIGN_VERIFY":
        raise SigningError(f"--sign-key {key_id}: not an asymmetric SIGN_VERIFY key")
    offered = set(info.get("SigningAlgorithms") or ())
    algorithm = next((a for a in PREFERRED_ALGORITHMS if a in offered), None)
    if algorithm is None:
        raise SigningError(f"--sign-key {key_id}: no supported signing algorithm")
    return Signer(
        client=client,
        key_arn=str(info.get("KeyId") or key_id),
        algorithm=algorithm,
        public_key_sha256=hashlib.sha256(info["PublicKey"]).hexdigest(),
    )


def _load(directory: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """manifest.sig, or the one problem that it is missing or unusable."""
    if not os.path.lexists(Path(directory) / SIGNATURE):
        return None, [f"no {SIGNATURE}: the report set is not signed"]
    try:
        return read_signature(directory), []
    except UsageError as exc:
        return None, [str(exc)]


def read_signature(directory: Path) -> dict[str, Any]:
    """directory/manifest.sig, bounded, never through a symlink (UsageError when unusable)."""
    path = Path(directory) / SIGNATURE
    if path.is_symlink() or not path.is_file():
        raise UsageError(f"{path}: not a regular file (refused)")
    if path.stat().st_size > MAX_SIGNATURE_BYTES:
        raise UsageError(f"{path}: larger than {MAX_SIGNATURE_BYTES} bytes (refused unread)")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            doc = json.loads(handle.read(MAX_SIGNATURE_BYTES + 1))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        base64.b64decode(str(doc["signature"]), validate=True)
        for field in ("key_id", "signing_algorithm"):
            if not isinstance(doc.get(field), str):
                raise ValueError(f"no {field}")
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"{path}: unreadable: {exc}") from None
    return doc


def _signed_statement(directory: Path, doc: dict[str, Any]) -> tuple[bytes, list[str]]:
    """The statement for the manifest as it is now, and problems with what manifest.sig says."""
    digest = sha256_file(Path(directory) / MANIFEST)
    expected = statement(digest)
    problems = []
    if doc.get("signed") != expected.decode("ascii") or doc.get("message_type", "RAW") != "RAW":
        problems.append(f"{SIGNATURE}: signs another manifest than this {MANIFEST}")
    return expected, problems


def verify_offline(directory: Path, public_key: Path) -> list[str]:
    """Problems (one line each) with manifest.sig, checked with an exported public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.serialization import (
        load_der_public_key,
        load_pem_public_key,
    )

    try:
        data = public_key.read_bytes()
        key = (
            load_pem_public_key(data)
            if data.lstrip().startswith(b"-----")
            else load_der_public_key(data)
        )
    except (OSError, ValueError) as exc:
        raise UsageError(f"--public-key {public_key}: not a public key: {exc}") from None
    doc, trouble = _load(directory)
    if doc is None:
        return trouble
    message, problems = _signed_statement(directory, doc)
    algorithm = str(doc["signing_algorithm"])
    bits = algorithm.rsplit("_", 1)[-1]
    hash_algorithm = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}.get(
        bits
    )
    if hash_algorithm is None or algorithm not in PREFERRED_ALGORITHMS:
        return [*problems, f"{SIGNATURE}: unsupported signing algorithm {algorithm}"]
    signature = base64.b64decode(str(doc["signature"]))
    try:
        if algorithm.startswith("ECDSA") and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hash_algorithm))
        elif algorithm.startswith("RSASSA_PSS") and isinstance(key, rsa.RSAPublicKey):
            # KMS uses a salt as long as the hash; AUTO accepts any length, as OpenSSL does
            pss = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.AUTO)
            key.verify(signature, message, pss, hash_algorithm)
        elif algorithm.startswith("RSASSA_PKCS1") and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hash_algorithm)
        else:
            return [
                *problems,
                f"{SIGNATURE}: the public key is not of the signing algorithm's kind",
            ]
    except InvalidSignature:
        return [*problems, f"{SIGNATURE}: the signature does not verify with {public_key}"]
    return problems


def verify_with_kms(
    directory: Path, key: str, *, profile: str | None, endpoint_url: str | None
) -> list[str]:
    """Problems with manifest.sig, checked by kms:Verify with `key`: the key the verifier
    expects, never the one manifest.sig names (anyone can sign with a key of their own)."""
    doc, trouble = _load(directory)
    if doc is None:
        return trouble
    message, problems = _signed_statement(directory, doc)
    try:
        client = _kms_client(key, profile, endpoint_url, VERIFY_CALL)
        response = client.verify(
            KeyId=key,
            Message=message,
            MessageType="RAW",
            Signature=base64.b64decode(str(doc["signature"])),
            SigningAlgorithm=str(doc["signing_algorithm"]),
        )
    except TrailwatchError as exc:
        raise SigningError(f"kms:Verify with {key}: {exc}") from None
    except Exception as exc:
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
        if code == "KMSInvalidSignatureException":
            return [*problems, f"{SIGNATURE}: kms:Verify says the signature is not valid"]
        raise SigningError(f"kms:Verify with {key} failed: {_describe(exc)}") from None
    if not response.get("SignatureValid"):
        return [*problems, f"{SIGNATURE}: kms:Verify says the signature is not valid"]
    return problems
