#!/usr/bin/env python3
"""Checks EventCrm's sealed-log proofs offline, with nothing but Python's standard library.

    python3 docs/audit-proofs.py inclusion PROOF.json --keys KEYS.json
    python3 docs/audit-proofs.py consistency PROOF.json --keys KEYS.json
    python3 docs/audit-proofs.py export EXPORT.json [--keys KEYS.json] [--origin eventcrm]

PROOF.json is what GET /api/audit/events/{sequence}/proof or GET /api/audit/checkpoints/consistency answered,
EXPORT.json a subject access export (GET /api/customers/{id}/export), KEYS.json the published keys
(GET /api/audit/keys). Get the keys from a source you trust, not from the file you are checking: an export carries
the keys it was made with, which proves nothing about who made it.

For each event the script rebuilds the leaf from the event's fields (docs/audit.md, "The leaf"), hashes it
(RFC 6962: SHA-256 of 0x00 || leaf), walks the audit path to a root (RFC 9162 2.1.3.2), and checks that root against
the checkpoint, whose note it verifies with the key the checkpoint names (ECDSA P-256, SHA-256, r || s). It checks
that the payload and headers as exported hash to what was sealed, unless a recorded erasure masked them since.
Exit status 0 when everything checks, 1 otherwise.
"""

import argparse
import base64
import decimal
import hashlib
import json
import struct
import sys
import uuid

# --- ECDSA P-256 verification (FIPS 186-4), in affine coordinates -------------------------------------------------

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def on_curve(point):
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def multiply(k, point):
    result = None
    while k:
        if k & 1:
            result = add(result, point)
        point = add(point, point)
        k >>= 1
    return result


def verify_es256(x, y, message, signature):
    public = (x, y)
    if len(signature) != 64 or not on_curve(public):
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, N)
    point = add(multiply(e * w % N, G), multiply(r * w % N, public))
    return point is not None and point[0] % N == r


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- The Merkle tree (RFC 6962, RFC 9162) -------------------------------------------------------------------------

def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf, path):
    """RFC 9162 2.1.3.2: the root the leaf and its audit path lead to, or None."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistent(first, second, first_root, second_root, proof):
    """RFC 9162 2.1.4.2: is the tree of `second` leaves an extension of the tree of `first`?"""
    if first == second:
        return not proof and first_root == second_root
    if first < 1 or first > second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- The leaf and the checkpoint (docs/audit.md) --------------------------------------------------------------------

def field(value):
    """A 4-byte big-endian length and the bytes; 0xFFFFFFFF alone for null."""
    if value is None:
        return b"\xff\xff\xff\xff"
    if isinstance(value, str):
        value = value.encode("utf-8")
    return struct.pack(">I", len(value)) + value


def leaf_bytes(event):
    def unhex(text):
        return None if text is None else bytes.fromhex(text)
    return b"".join([
        field(b"eventcrm-leaf-v1"),
        struct.pack(">q", event["sequence"]),
        uuid.UUID(event["eventId"]).bytes,
        uuid.UUID(event["streamId"]).bytes,
        field(event["streamType"]),
        struct.pack(">q", event["version"]),
        field(event["type"]),
        field(event["timestamp"]),
        field(event["user"]),
        field(event["correlationId"]),
        field(event["causationId"]),
        field(unhex(event["headersHash"])),
        field(unhex(event["payloadHash"])),
    ])


def check_checkpoint(checkpoint, keys, origin, problems):
    """Verifies the note's signature; answers (tree size, root) as the signed note states them, or None."""
    key = next((k for k in keys if k["keyId"] == checkpoint["keyId"]), None)
    note = checkpoint["note"]
    if key is None:
        problems.append(f"checkpoint {checkpoint['treeSize']}: signed by key {checkpoint['keyId']}, which is not among the keys given")
        return None
    if not verify_es256(int.from_bytes(b64url(key["x"]), "big"), int.from_bytes(b64url(key["y"]), "big"),
                        note.encode("utf-8"), base64.b64decode(checkpoint["signature"])):
        problems.append(f"checkpoint {checkpoint['treeSize']}: the signature does not verify with key {key['keyId']}")
        return None
    lines = note.split("\n")
    if len(lines) < 4 or lines[0] != origin:
        problems.append(f"checkpoint {checkpoint['treeSize']}: the note is not a checkpoint of the log '{origin}'")
        return None
    size, root = int(lines[1]), base64.b64decode(lines[2])
    if size != checkpoint["treeSize"] or root.hex() != checkpoint["root"]:
        problems.append(f"checkpoint {checkpoint['treeSize']}: its fields are not what its signed note says")
        return None
    return size, root


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_inclusion(proof, keys, origin, problems, entry=None):
    """One event's proof; `entry` is the event as an export lists it, compared with what was sealed."""
    event = proof["leaf"]
    where = f"event {event['sequence']}"
    signed = check_checkpoint(proof["checkpoint"], keys, origin, problems)
    if signed is None:
        return False
    size, root = signed
    computed = leaf_hash(leaf_bytes(event))
    path = [bytes.fromhex(p) for p in proof["path"]]
    if root_from_inclusion(event["index"], size, computed, path) != root:
        problems.append(f"{where}: its leaf and audit path do not lead to the root of checkpoint {size}")
        return False
    ok = True
    masked = event.get("masked")
    if sha256_hex(event["payload"]) != event["payloadHash"] and not masked:
        problems.append(f"{where}: the payload does not hash to what was sealed, and no erasure is recorded")
        ok = False
    headers_hash = None if event["headers"] is None else sha256_hex(event["headers"])
    if headers_hash != event["headersHash"] and not masked:
        problems.append(f"{where}: the headers do not hash to what was sealed, and no erasure is recorded")
        ok = False
    if entry is not None:
        for key, sealed in (("sequence", "sequence"), ("streamId", "streamId"), ("version", "version"), ("type", "type"),
                            ("user", "user"), ("correlationId", "correlationId"), ("causationId", "causationId")):
            if entry.get(key) != event[sealed]:
                problems.append(f"{where}: the export says {key} {entry.get(key)!r}, the sealed leaf {event[sealed]!r}")
                ok = False
        if json.loads(event["payload"], parse_float=decimal.Decimal) != entry["data"]:
            problems.append(f"{where}: the data in the export is not the payload as stored")
            ok = False
    if ok:
        note = f" (payload masked since by the erasure at {masked['erasureSequence']})" if masked else ""
        print(f"ok {where}: leaf {event['index']} of checkpoint {size}, signed by {proof['checkpoint']['keyId']}{note}")
    return ok


def load(path):
    # Numbers as written (25.00 stays 25.00), so data compares exactly with the payload as stored.
    with open(path, encoding="utf-8") as file:
        return json.load(file, parse_float=decimal.Decimal)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["inclusion", "consistency", "export"])
    parser.add_argument("file")
    parser.add_argument("--keys", help="the published keys (GET /api/audit/keys)")
    parser.add_argument("--origin", default="eventcrm", help="the log's name, the first line of its checkpoints")
    args = parser.parse_args()

    document = load(args.file)
    keys = load(args.keys)["keys"] if args.keys else None
    problems = []

    if args.what == "inclusion":
        if keys is None:
            parser.error("--keys is required")
        check_inclusion(document, keys, args.origin, problems)
    elif args.what == "consistency":
        if keys is None:
            parser.error("--keys is required")
        first = check_checkpoint(document["from"], keys, args.origin, problems)
        second = check_checkpoint(document["to"], keys, args.origin, problems)
        if first and second:
            if consistent(first[0], second[0], first[1], second[1], [bytes.fromhex(p) for p in document["path"]]):
                print(f"ok: the tree of checkpoint {second[0]} extends the tree of checkpoint {first[0]}")
            else:
                problems.append(f"checkpoint {second[0]} is not consistent with checkpoint {first[0]}")
    else:
        evidence = document["evidence"]
        if keys is None:
            print("warning: checking with the keys inside the export; pass --keys from a source you trust", file=sys.stderr)
            keys = evidence["keys"]["keys"]
        entries = {e["sequence"]: e for e in document["history"]}
        for duplicate in document.get("mergedDuplicates", []):
            entries.update({e["sequence"]: e for e in duplicate["history"]})
        for proof in evidence["proofs"]:
            check_inclusion(proof, keys, args.origin, problems, entries.get(proof["leaf"]["sequence"]))
        proven = {p["leaf"]["sequence"] for p in evidence["proofs"]}
        for sequence in sorted(set(entries) - proven):
            if sequence in evidence["notYetCheckpointed"]:
                print(f"not yet in a checkpoint: event {sequence}")
            else:
                problems.append(f"event {sequence}: in the export without a proof")

    for problem in problems:
        print(f"FAILED {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
