#!/usr/bin/env python3
"""Checks a qcredit evidence file (a C2SP tlog-proof) with nothing but the README's format text,
Python's standard library, rfc8785 and cryptography: no qcredit code.

usage: evidence_verify.py FILE VERIFIER_KEY

1. the opening: `extra` is the 32 salt bytes then the record's RFC 8785 bytes; the record must be
   canonical JSON; commitment = SHA-256(extra);
2. the leaf: exactly the RFC 8785 bytes of {"commitment": base64(commitment), "format": 2};
3. inclusion: RFC 9162 section 2.1.3.2 from SHA-256(0x00 || leaf) and the proof to the
   checkpoint's root;
4. the checkpoint: a C2SP signed note signed by the Ed25519 verifier key (key ID =
   SHA-256(name || 0x0A || 0x01 || key)[:4]).
Prints the record on success; exits non-zero on the first failure.
"""
import base64
import hashlib
import json
import sys

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(message):
    raise SystemExit("evidence_verify: " + message)


def parse_proof(text):
    head, _, note = text.partition("\n\n")
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        fail("not a tlog-proof file")
    position = 1
    extra = None
    if lines[position].startswith("extra "):
        extra = base64.b64decode(lines[position][6:], validate=True)
        position += 1
    if not lines[position].startswith("index "):
        fail("no index line")
    index = int(lines[position][6:])
    proof = [base64.b64decode(line, validate=True) for line in lines[position + 1:]]
    return extra, index, proof, note


def root_from_inclusion(index, size, leaf_hash, proof):
    """RFC 9162 2.1.3.2: the root an inclusion proof leads to."""
    if index >= size:
        fail("index beyond the tree")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            fail("the proof is too long")
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        fail("the proof is too short")
    return r


def open_note(note, vkey):
    name, key_id, encoded = vkey.split("+", 2)
    material = base64.b64decode(encoded)
    if material[0] != 0x01 or len(material) != 33:
        fail("not an Ed25519 verifier key")
    expected_id = hashlib.sha256(name.encode() + b"\n" + material).digest()[:4]
    if expected_id.hex() != key_id:
        fail("the verifier key's ID does not match its key")
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    for line in signatures.strip("\n").split("\n"):
        if not line.startswith("\u2014 "):
            fail("a signature line does not start with an em dash")
        signer, signature = line[2:].split(" ")
        raw = base64.b64decode(signature)
        if signer == name and raw[:4] == expected_id:
            Ed25519PublicKey.from_public_bytes(material[1:]).verify(raw[4:], text.encode())
            return text
    fail("no signature by the trusted key")


def main(path, vkey):
    extra, index, proof, note = parse_proof(open(path, encoding="utf-8").read())
    if extra is None or len(extra) <= 32:
        fail("no opening in the extra line")
    salt, record_bytes = extra[:32], extra[32:]
    record = json.loads(record_bytes)
    if rfc8785.dumps(record) != record_bytes:
        fail("the record is not RFC 8785 canonical JSON")
    commitment = hashlib.sha256(salt + record_bytes).digest()
    leaf = rfc8785.dumps({"commitment": base64.b64encode(commitment).decode(), "format": 2})
    text = open_note(note, vkey)
    origin, size, root = text.split("\n")[:3]
    computed = root_from_inclusion(index, int(size), hashlib.sha256(b"\x00" + leaf).digest(), proof)
    if base64.b64encode(computed).decode() != root:
        fail("the inclusion proof does not lead to the signed root")
    print(json.dumps({"verified": True, "origin": origin, "index": index, "treeSize": int(size), "record": record}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
