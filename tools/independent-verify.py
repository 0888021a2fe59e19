#!/usr/bin/env python3
"""An independent verifier of a custody-ledger data directory, written from docs/FORMAT.md alone.

It shares no code with the Swift implementation: it parses segment files and frames, recomputes every
entry hash and the chain, checks canonical JSON bodies and every signature against the registry
replayed from the operator entries (FORMAT.md §7.5), and checks HEAD.

Usage: independent-verify.py DATA_DIR [--operator-key PUB.pem]
Exit: 0 clean, 1 findings, 2 usage. Needs the Python 'cryptography' package.
"""
import base64
import hashlib
import json
import os
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ENTRY_TAG = b"custody-ledger/entry/v1\x00"
SUBMISSION_TAG = b"custody-ledger/submission/v1\x00"
OPERATOR_TYPES = {"ledger.genesis", "partner.register", "partner.key.add", "partner.key.revoke"}
MAX_SAFE = 2**53 - 1


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n, field):
        if self.pos + n > len(self.data):
            raise ValueError(f"field {field}: truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u(self, n, field):
        return int.from_bytes(self.take(n, field), "big")

    def i64(self, field):
        return int.from_bytes(self.take(8, field), "big", signed=True)

    def str8(self, field):
        return self.take(self.u(1, field), field).decode("utf-8")


def parse_entry(data):
    r = Reader(data)
    e = {"version": r.u(1, "version")}
    if e["version"] != 1:
        raise ValueError("unknown version")
    e["seq"] = r.u(8, "seq")
    e["appendedAt"] = r.i64("appendedAt")
    e["prevHash"] = r.take(32, "prevHash")
    start = r.pos
    e["signer"] = r.str8("signer")
    e["keyID"] = r.str8("keyID")
    e["algorithm"] = r.u(1, "algorithm")
    if e["algorithm"] not in (1, 2):
        raise ValueError("unknown algorithm")
    e["signedAt"] = r.i64("signedAt")
    e["bodyType"] = r.str8("bodyType")
    e["bodyVersion"] = r.u(2, "bodyVersion")
    e["body"] = r.take(r.u(4, "body"), "body")
    e["submissionFields"] = data[start:r.pos]
    e["signature"] = r.take(r.u(2, "signature"), "signature")
    if r.pos != len(data):
        raise ValueError("trailing bytes")
    return e


def canonical(value):
    """RFC 8785 serialisation of the restricted JSON of FORMAT.md §6."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > MAX_SAFE:
            raise ValueError("integer out of range")
        return str(value)
    if isinstance(value, float):
        raise ValueError("non-integer number")
    if isinstance(value, str):
        out = ['"']
        for ch in value:
            c = ord(ch)
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif c < 0x20:
                out.append({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}.get(c, "\\u%04x" % c))
            else:
                out.append(ch)
        return "".join(out) + '"'
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    keys = sorted(value.keys(), key=lambda k: k.encode("utf-16-be"))
    return "{" + ",".join(canonical(k) + ":" + canonical(value[k]) for k in keys) + "}"


def no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError("duplicate key " + k)
        out[k] = v
    return out


def load_key(b64):
    return serialization.load_der_public_key(base64.b64decode(b64, validate=True))


def spki(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key):
    return hashlib.sha256(spki(key)).digest()[:8].hex()


def signature_ok(key, algorithm, signature, message):
    try:
        if algorithm == 1 and isinstance(key, ed25519.Ed25519PublicKey) and len(signature) == 64:
            key.verify(signature, message)
            return True
        if algorithm == 2 and isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1" and len(signature) == 64:
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            key.verify(der, message, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    data_dir = argv[1]
    anchor = None
    if "--operator-key" in argv:
        with open(argv[argv.index("--operator-key") + 1], "rb") as f:
            anchor = spki(serialization.load_pem_public_key(f.read()))
    findings = []
    log_dir = os.path.join(data_dir, "log")
    names = sorted(n for n in os.listdir(log_dir) if n.endswith(".seg") and len(n) == 24)
    expected, prev = 0, bytes(32)
    keys, partners, origin = {}, set(), None
    last = None
    seen = {}
    for index, name in enumerate(names):
        with open(os.path.join(log_dir, name), "rb") as f:
            seg = f.read()
        if seg[:8] != b"CLSEGv1\n" or len(seg) < 16 or int.from_bytes(seg[8:16], "big") != int(name[:20]):
            findings.append((expected, f"{name}: bad segment header"))
            continue
        pos = 16
        while pos < len(seg):
            if len(seg) - pos < 9 or seg[pos:pos + 4] != b"CLFR" or seg[pos + 4] & 0xFE:
                tail_ok = index == len(names) - 1 and (len(seg) - pos < 9 or set(seg[pos:]) == {0})
                if not tail_ok:
                    findings.append((expected, f"{name}@{pos}: bad frame"))
                break
            length = struct.unpack(">I", seg[pos + 5:pos + 9])[0]
            end = pos + 9 + length + 32
            if end > len(seg):
                if index != len(names) - 1:
                    findings.append((expected, f"{name}@{pos}: incomplete frame"))
                break
            raw, stored = seg[pos + 9:pos + 9 + length], seg[pos + 9 + length:end]
            pos = end
            try:
                e = parse_entry(raw)
            except (ValueError, UnicodeDecodeError) as error:
                findings.append((expected, f"does not decode: {error}"))
                expected, prev = expected + 1, stored
                continue
            seq = e["seq"]
            if seq != expected:
                findings.append((min(seq, expected), f"sequence: expected {expected}, found {seq}"))
            if hashlib.sha256(ENTRY_TAG + raw).digest() != stored:
                findings.append((seq, "entry hash mismatch"))
            if e["prevHash"] != prev:
                findings.append((seq, "chain: previous hash mismatch"))
            try:
                body = json.loads(e["body"].decode("utf-8"), object_pairs_hook=no_duplicates,
                                  parse_float=lambda s: (_ for _ in ()).throw(ValueError("float")),
                                  parse_constant=lambda s: (_ for _ in ()).throw(ValueError("constant")))
                if not isinstance(body, dict) or canonical(body).encode("utf-8") != e["body"]:
                    findings.append((seq, "body is not a canonical JSON object"))
            except (ValueError, UnicodeDecodeError):
                findings.append((seq, "body is not valid JSON"))
                body = {}
            message = SUBMISSION_TAG + bytes([len((origin or "").encode())]) + (origin or "").encode() + e["submissionFields"]
            if seq == 0:
                op = load_key(body["operatorKey"])
                origin = body["origin"]
                message = SUBMISSION_TAG + bytes([len(origin.encode())]) + origin.encode() + e["submissionFields"]
                if anchor is not None and spki(op) != anchor:
                    findings.append((0, "operator key differs from the trust anchor"))
                if e["bodyType"] != "ledger.genesis" or e["signer"] != "operator" or e["keyID"] != key_id(op) \
                        or not signature_ok(op, e["algorithm"], e["signature"], message):
                    findings.append((0, "bad genesis"))
                keys[key_id(op)] = {"owner": "operator", "key": op, "from": -2**63, "until": None, "added": 0, "revoked": None}
            else:
                k = keys.get(e["keyID"])
                is_op = e["bodyType"] in OPERATOR_TYPES
                ok = (k is not None and k["owner"] == e["signer"] and k["added"] < seq
                      and (k["revoked"] is None or k["revoked"] >= seq)
                      and k["from"] <= e["appendedAt"] and (k["until"] is None or e["appendedAt"] < k["until"])
                      and is_op == (e["signer"] == "operator")
                      and signature_ok(k["key"], e["algorithm"], e["signature"], message))
                if not ok:
                    findings.append((seq, "signature or key not valid for this entry"))
                elif e["bodyType"] == "partner.register" or e["bodyType"] == "partner.key.add":
                    grant = body["key"]
                    new = load_key(grant["publicKey"])
                    if key_id(new) in keys or (e["bodyType"] == "partner.register") == (body["gln"] in partners):
                        findings.append((seq, "invalid registry change"))
                    else:
                        partners.add(body["gln"])
                        keys[key_id(new)] = {"owner": body["gln"], "key": new, "from": grant["validFrom"],
                                             "until": grant.get("validUntil"), "added": seq, "revoked": None}
                elif e["bodyType"] == "partner.key.revoke":
                    k2 = keys.get(body["keyID"])
                    if k2 is None or k2["owner"] != body["gln"] or k2["revoked"] is not None:
                        findings.append((seq, "invalid revocation"))
                    else:
                        k2["revoked"] = seq
                elif e["bodyType"] == "ledger.genesis":
                    findings.append((seq, "second genesis"))
            expected, prev = seq + 1, stored
            last = (seq, stored)
            seen[seq] = stored
    head_path = os.path.join(data_dir, "HEAD")
    if os.path.exists(head_path):
        seq_text, hash_text = open(head_path).read().split()
        if int(seq_text) in seen and seen[int(seq_text)] != bytes.fromhex(hash_text):
            findings.append((int(seq_text), "entry differs from the one HEAD records"))
        if last is None or int(seq_text) > last[0]:
            findings.append((int(seq_text), "HEAD names an entry the log does not hold (truncated)"))
    for seq, reason in findings:
        print(f"FINDING entry {seq}: {reason}")
    if findings:
        return 1
    print(f"ok: {expected} entries verified independently (origin {origin})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
