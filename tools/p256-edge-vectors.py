#!/usr/bin/env python3
"""Writes Tests/LedgerCryptoTests/Resources/p256-edge-vectors.json: fixed ECDSA P-256 / SHA-256 vectors for the
edge cases of the verification equation R = u1·G + u2·Q that random signatures never reach, made with plain Python
integers (no OpenSSL, no package): the P-256 key table's verdicts are then checked against arithmetic it shares
nothing with.

  doubling   e = r·d (the key is chosen as d = e·r⁻¹ for the message's digest e), so u1·G = u2·Q and the sum
             is a point doubling; s = k⁻¹·2e: VALID, and so is its (r, n − s) twin.
  infinity   e = −r·d, so u1·G = −u2·Q and R = ∞ whatever s is: INVALID.
  wrapped x  a point R whose x lies in [n, p), r = x − n, the key derived from the signature the Wycheproof way,
             Q = r⁻¹·(s·R − e·G): VALID (and its twin); the same with r = x itself: INVALID (r ≥ n).
  u1 = 0     digests 0 and n (e ≡ 0 mod n, so u1 = e·s⁻¹ = 0 and R = u2·Q alone), signed with a known key: VALID;
             no message has such a SHA-256, so these carry the digest only.

Every vector's verdict is checked here by a textbook verification before it is written. Deterministic: the same
file every run. Usage: tools/p256-edge-vectors.py [output]
"""
import hashlib
import json
import sys
from pathlib import Path

# P-256 (SEC 2 / FIPS 186-4 D.1.2.3)
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
INFINITY = None


def add(p1, p2):
    """Affine point addition, doubling and ∞ included."""
    if p1 is INFINITY:
        return p2
    if p2 is INFINITY:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return INFINITY
    if p1 == p2:
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return (x3, (slope * (x1 - x3) - y1) % P)


def mul(k, point):
    result = INFINITY
    while k:
        if k & 1:
            result = add(result, point)
        point = add(point, point)
        k >>= 1
    return result


def on_curve(point):
    x, y = point
    return (y * y - (x * x * x + A * x + B)) % P == 0


def verify(q, e, r, s):
    """SEC 1 §4.1.4, step by step."""
    if not (1 <= r < N and 1 <= s < N):
        return False
    w = pow(s, -1, N)
    point = add(mul(e * w % N, G), mul(r * w % N, q))
    return point is not INFINITY and point[0] % N == r


def nonce(label):
    """A fixed k (or other scalar) in [1, n) from a label."""
    return int.from_bytes(hashlib.sha256(b"custody-ledger p256 edge vectors " + label.encode()).digest(), "big") % (N - 1) + 1


def point_hex(q):
    return "04" + q[0].to_bytes(32, "big").hex() + q[1].to_bytes(32, "big").hex()


vectors = []


def emit(comment, q, r, s, valid, message=None, digest=None):
    assert on_curve(q)
    if message is not None:
        digest = hashlib.sha256(message).digest()
    e = int.from_bytes(digest, "big")
    assert verify(q, e, r, s) == valid, comment
    vectors.append({
        "comment": comment,
        "publicKeyUncompressedHex": point_hex(q),
        "messageHex": None if message is None else message.hex(),
        "digestHex": digest.hex(),
        "rHex": r.to_bytes(32, "big").hex(),
        "sHex": s.to_bytes(32, "big").hex(),
        "valid": valid,
    })


def digest_of(message):
    return int.from_bytes(hashlib.sha256(message).digest(), "big")


# Doubling: d = e·r⁻¹ makes e = r·d; then u1·G = e·w·G and u2·Q = r·w·d·G are the same point.
for i in range(3):
    message = f"doubling {i}".encode()
    e = digest_of(message)
    k = nonce(f"doubling k {i}")
    r = mul(k, G)[0] % N
    d = e * pow(r, -1, N) % N
    q = mul(d, G)
    s = pow(k, -1, N) * 2 * e % N
    assert (e * pow(s, -1, N)) % N == (r * pow(s, -1, N) * d) % N  # u1 = u2·d: the sum is a doubling
    emit(f"doubling u1·G = u2·Q ({i})", q, r, s, True, message)
    emit(f"doubling u1·G = u2·Q, (r, n − s) ({i})", q, r, N - s, True, message)
    emit(f"doubling u1·G = u2·Q, s + 1 ({i})", q, r, (s + 1) % N, False, message)

# Infinity: d = −e·r⁻¹ makes u1·G + u2·Q = (e + r·d)·w·G = ∞ for every s.
for i in range(3):
    message = f"infinity {i}".encode()
    e = digest_of(message)
    r = mul(nonce(f"infinity k {i}"), G)[0] % N
    d = (-e) * pow(r, -1, N) % N
    q = mul(d, G)
    for s in (1, nonce(f"infinity s {i}"), N - 1):
        assert add(mul(e * pow(s, -1, N) % N, G), mul(r * pow(s, -1, N) % N, q)) is INFINITY
        emit(f"infinity u1·G = −u2·Q, s {s:#x} ({i})", q, r, s, False, message)

# Wrapped x: R with x in [n, p) (about one x in 2^128 of a random R's), r = x − n, Q derived from the signature.
for i in range(3):
    message = f"wrapped x {i}".encode()
    e = digest_of(message)
    x = N + nonce(f"wrapped x {i}") % (P - N)
    while True:
        rhs = (x * x * x + A * x + B) % P
        y = pow(rhs, (P + 1) // 4, P)  # p ≡ 3 mod 4
        if y * y % P == rhs:
            break
        x += 1
    assert N <= x < P
    R = (x, y)
    r = x - N
    s = nonce(f"wrapped s {i}")
    q = mul(pow(r, -1, N), add(mul(s, R), mul(N - e, G)))  # Q = r⁻¹·(s·R − e·G)
    emit(f"wrapped x: R.x in [n, p), r = R.x − n ({i})", q, r, s, True, message)
    emit(f"wrapped x: R.x in [n, p), r = R.x − n, (r, n − s) ({i})", q, r, N - s, True, message)
    emit(f"wrapped x: r = R.x itself (≥ n) ({i})", q, x, s, False, message)
    emit(f"wrapped x: r = R.x − n + 1 ({i})", q, r + 1, s, False, message)

# u1 = 0: e ≡ 0 mod n (digests 0 and n), signed with a known key; R = u2·Q alone.
for i, e in enumerate((0, N)):
    d = nonce(f"u1 zero d {i}")
    q = mul(d, G)
    k = nonce(f"u1 zero k {i}")
    r = mul(k, G)[0] % N
    s = pow(k, -1, N) * (e + r * d) % N
    digest = e.to_bytes(32, "big")
    emit(f"u1 = 0: digest {e:#x}", q, r, s, True, digest=digest)
    emit(f"u1 = 0: digest {e:#x}, (r, n − s)", q, r, N - s, True, digest=digest)
    emit(f"u1 = 0: digest {e:#x}, s + 1", q, r, s + 1, False, digest=digest)
    emit(f"u1 = 0: digest {e:#x}, r = 0", q, 0, s, False, digest=digest)
# Digests beside n: n − 1, and the largest, 2^256 − 1 (≥ n: the multiplication e·w mod n reduces it).
for i, e in enumerate((N - 1, 2**256 - 1)):
    d = nonce(f"top digest d {i}")
    q = mul(d, G)
    k = nonce(f"top digest k {i}")
    r = mul(k, G)[0] % N
    s = pow(k, -1, N) * (e + r * d) % N
    emit(f"digest {e:#x}", q, r, s, True, digest=e.to_bytes(32, "big"))

output = Path(sys.argv[1]) if len(sys.argv) > 1 else \
    Path(__file__).resolve().parent.parent / "Tests/LedgerCryptoTests/Resources/p256-edge-vectors.json"
output.write_text(json.dumps({
    "source": "tools/p256-edge-vectors.py (P-256 arithmetic in plain Python integers, each verdict re-verified)",
    "vectors": vectors,
}, indent=1, ensure_ascii=False) + "\n")
print(f"{len(vectors)} vectors written to {output}")
