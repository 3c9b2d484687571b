"""scan --sign-key (kms:Sign over the manifest's SHA-256), verify --kms / --public-key, on moto."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reports.manifest import MANIFEST, MANIFEST_SHA256, SIGNATURE, sha256_file
from scanner.app.cli import EXIT_NOT_VERIFIED, main
from tests.reports.pipeline_helpers import save_inventory


def _key(kms: Any, spec: str) -> str:
    return str(kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec=spec)["KeyMetadata"]["Arn"])


def _scan(inventory: Path, out: Path, endpoint: str, *extra: str) -> int:
    return main(
        [
            "-q",
            "scan",
            "--from-inventory",
            str(inventory),
            "--checks",
            "CloudTrail.4",
            "--output-dir",
            str(out),
            "--endpoint-url",
            endpoint,
            *extra,
        ]
    )


def _verify(out: Path, *extra: str) -> int:
    return main(["-q", "verify", str(out), *extra])


def _public_key(kms: Any, key: str, path: Path, pem: bool) -> Path:
    der = kms.get_public_key(KeyId=key)["PublicKey"]
    if pem:
        body = base64.encodebytes(der).decode("ascii").replace("\n", "")
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        path.write_text(
            "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
        )
    else:
        path.write_bytes(der)
    return path


@pytest.fixture
def kms(account_client: Callable[..., Any]) -> Any:
    return account_client("kms", "eu-west-1")


@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P256"])
def test_a_signed_set_verifies_with_kms_and_offline_and_a_forgery_does_not(
    kms: Any, moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    monkeypatch.chdir(tmp_path)
    key, other = _key(kms, spec), _key(kms, spec)
    inventory = save_inventory(tmp_path / "inv.json", {"good": True, "bad": False})
    out = tmp_path / "out"
    assert _scan(inventory, out, moto_endpoint, "--sign-key", key) == 1
    sig = json.loads((out / SIGNATURE).read_text())
    assert sig["key_id"] == key and sig["manifest_sha256"] == sha256_file(out / MANIFEST)
    der = _public_key(kms, key, tmp_path / "key.der", pem=False)
    pem = _public_key(kms, key, tmp_path / "key.pem", pem=True)
    other_pem = _public_key(kms, other, tmp_path / "other.pem", pem=True)
    kms_args = ("--kms", key, "--endpoint-url", moto_endpoint)
    assert _verify(out, *kms_args) == 0
    assert _verify(out, "--public-key", str(der)) == 0
    assert _verify(out, "--public-key", str(pem)) == 0
    # not the key that signed
    assert _verify(out, "--public-key", str(other_pem)) == EXIT_NOT_VERIFIED

    # a forger rewrites a report and the manifest consistently, and signs with a key of theirs
    (out / "findings.json").write_text('{"findings": []}\n')
    doc = json.loads((out / MANIFEST).read_text())
    for entry in doc["files"]:
        data = (out / entry["path"]).read_bytes()
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    (out / MANIFEST).write_text(json.dumps(doc))
    digest = sha256_file(out / MANIFEST)
    (out / MANIFEST_SHA256).write_text(f"{digest}  {MANIFEST}\n")
    assert _verify(out) == 0  # the files agree with the (forged) manifest ...
    # ... but the signature is over the real one
    assert _verify(out, *kms_args) == EXIT_NOT_VERIFIED
    assert _verify(out, "--public-key", str(pem)) == EXIT_NOT_VERIFIED
    forged = kms.sign(
        KeyId=other,
        Message=f"trailwatch-manifest-sha256:{digest}".encode(),
        MessageType="RAW",
        SigningAlgorithm=sig["signing_algorithm"],
    )
    sig.update(
        key_id=other,
        signed=f"trailwatch-manifest-sha256:{digest}",
        manifest_sha256=digest,
        signature=base64.b64encode(forged["Signature"]).decode(),
    )
    (out / SIGNATURE).write_text(json.dumps(sig))
    assert _verify(out, "--public-key", str(other_pem)) == 0  # valid, for the forger's key
    assert _verify(out, *kms_args) == EXIT_NOT_VERIFIED  # not for the key the auditor expects
    assert _verify(out, "--public-key", str(pem)) == EXIT_NOT_VERIFIED


def test_an_unusable_key_fails_before_the_scan_and_keeps_the_previous_set(
    kms: Any,
    moto_endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    inventory = save_inventory(tmp_path / "inv.json", {"good": True})
    out = tmp_path / "out"
    assert _scan(inventory, out, moto_endpoint) == 0
    digest = sha256_file(out / MANIFEST)
    symmetric = kms.create_key()["KeyMetadata"]["Arn"]
    missing = symmetric.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    for key in (symmetric, missing):
        capsys.readouterr()
        assert _scan(inventory, out, moto_endpoint, "--sign-key", key) == 2
        err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert len(err) == 1 and key in err[0]
        assert sha256_file(out / MANIFEST) == digest
    assert _verify(out, "--public-key", str(tmp_path / "inv.json")) == 2  # not a key
    not_signed = _verify(out, "--kms", symmetric, "--endpoint-url", moto_endpoint)
    assert not_signed == EXIT_NOT_VERIFIED


def test_signing_is_only_an_optional_extra_in_the_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["permissions"]) == 0
    plain = json.loads(capsys.readouterr().out)
    actions = {a for s in plain["Statement"] for a in s["Action"]}
    assert not {"kms:Sign", "kms:Verify"} & actions
    key = "arn:aws:kms:eu-west-1:123456789012:key/abc"
    assert main(["permissions", "--sign-key", key]) == 0
    extra = json.loads(capsys.readouterr().out)["Statement"][-1]
    assert set(extra["Action"]) == {"kms:GetPublicKey", "kms:Sign"} and extra["Resource"] == key
