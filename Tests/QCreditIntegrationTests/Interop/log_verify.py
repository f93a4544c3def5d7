#!/usr/bin/env python3
"""Checks qcredit's verifiable log with third-party Python packages.

usage: log_verify.py SOCKET

- rfc8785 recomputes each leaf (leaf format 2: {"commitment": ..., "format": 2}) and each opened
  record's canonical bytes; SHA-256(salt || record bytes) must be the leaf's commitment;
- the RFC 6962 root of the entries' leaf hashes (computed here) must equal the signed checkpoint's;
- every consistency proof between two sizes of the log verifies, by the algorithm as the README's "Auditing the log"
  words it (RFC 9162 section 2.1.4.2), against the roots computed here; a proof with one hash changed does not;
- cryptography verifies the checkpoint's Ed25519 signature line;
- gmssl verifies its SM2-with-SM3 signature line (distinguishing ID 1234567812345678).
Prints one line per check; exits non-zero on the first failure.
"""
import base64
import hashlib
import sys

import rfc8785
import varlink
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from gmssl import sm2

SM2_IDENTIFIER = b"qcredit/sm2-sm3@v1"


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok -", message)


def mth(leaves):
    """RFC 6962 Merkle tree hash of a list of leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def consistent(m, n, a, b, proof):
    """RFC 9162 section 2.1.4.2, step by step as the README's "Auditing the log" gives it."""
    if m == n:
        return not proof and a == b
    if not proof:
        return False
    if m & (m - 1) == 0:
        proof = [a] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hashlib.sha256(b"\x01" + c + fr).digest()
            sr = hashlib.sha256(b"\x01" + c + sr).digest()
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = hashlib.sha256(b"\x01" + sr + c).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == a and sr == b


def parse_note(note):
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    lines = []
    for line in signatures.strip("\n").split("\n"):
        check(line.startswith("\u2014 "), f"signature line {line[:20]!r} starts with an em dash")
        name, signature = line[2:].split(" ")
        raw = base64.b64decode(signature)
        lines.append((name, raw[:4], raw[4:]))
    return text, lines


def main(address):
    with varlink.Client(address=address) as client, client.open("org.qcredit.audit") as audit:
        checkpoint = audit.GetCheckpoint()
        size = checkpoint["size"]
        check(size > 0, f"the log has a signed checkpoint of {size} records")
        entries = list(audit.GetEntries(start=0, end=size, _more=True))
        check([e["index"] for e in entries] == list(range(size)), "GetEntries streams every record in order")
        leaves = []
        for entry in entries:
            leaf = base64.b64decode(entry["entry"])
            opening = entry.get("opening")
            check(opening is not None, f"entry {entry['index']} comes with its opening (the caller is an auditor)")
            salt = base64.b64decode(opening["salt"])
            check(len(salt) == 32, f"entry {entry['index']}'s salt is 32 bytes")
            commitment = hashlib.sha256(salt + rfc8785.dumps(opening["record"])).digest()
            expected = rfc8785.dumps({"commitment": base64.b64encode(commitment).decode(), "format": 2})
            check(expected == leaf, f"entry {entry['index']} is the commitment to its opened record")
            leaves.append(hashlib.sha256(b"\x00" + leaf).digest())
        root = mth(leaves)
        check(base64.b64encode(root).decode() == checkpoint["rootHash"], "the RFC 6962 root of the entries is the signed root")
        roots = [None] + [mth(leaves[:m]) for m in range(1, size + 1)]
        for n in range(1, size + 1):
            for m in range(1, n + 1):
                hashes = [base64.b64decode(h) for h in audit.GetConsistencyProof(fromSize=m, toSize=n)["proof"]]
                if not consistent(m, n, roots[m], roots[n], hashes):
                    check(False, f"the consistency proof from {m} to {n} verifies")
                for position in range(len(hashes)):
                    altered = list(hashes)
                    altered[position] = bytes([altered[position][0] ^ 1]) + altered[position][1:]
                    if consistent(m, n, roots[m], roots[n], altered):
                        check(False, f"the consistency proof from {m} to {n} with hash {position} changed does not verify")
        check(True, f"every consistency proof between sizes 1..{size} verifies, and none with a hash changed")
        proof = audit.GetInclusionProof(index=size - 1, treeSize=size)
        check(base64.b64decode(proof["leafHash"]) == leaves[-1], "the inclusion proof's leaf hash is the record's")

        text, signatures = parse_note(checkpoint["checkpoint"])
        check(text.split("\n")[:3] == [checkpoint["origin"], str(size), checkpoint["rootHash"]], "the note's text is the checkpoint body")
        keys = audit.GetVerifierKeys()["keys"]
        verified = set()
        for key in keys:
            name, key_id, encoded = key["verifierKey"].split("+", 2)  # base64 may hold "+" too
            material = base64.b64decode(encoded)
            matching = [s for s in signatures if s[0] == name and s[1].hex() == key_id]
            check(len(matching) == 1, f"the checkpoint carries a signature by {key['type']} key {key_id}")
            signature = matching[0][2]
            if key["type"] == "ed25519":
                check(material[0] == 0x01, "Ed25519 verifier keys have type byte 0x01")
                Ed25519PublicKey.from_public_bytes(material[1:]).verify(signature, text.encode())
                check(True, "cryptography verifies the Ed25519 signature")
                verified.add("ed25519")
            elif key["type"] == "sm2":
                check(material[:1 + len(SM2_IDENTIFIER)] == b"\xff" + SM2_IDENTIFIER, "SM2 verifier keys have 0xff and the identifier")
                point = material[1 + len(SM2_IDENTIFIER):]
                check(len(point) == 65 and point[0] == 4, "the SM2 public key is an uncompressed point")
                verifier = sm2.CryptSM2(private_key="", public_key="", asn1=True)
                verifier.public_key = point[1:].hex()  # set directly: gmssl's lstrip("04") mangles some keys
                check(verifier.verify_with_sm3(signature.hex(), text.encode()), "gmssl verifies the SM2-with-SM3 signature")
                verified.add("sm2")
        check(verified == {"ed25519", "sm2"}, "both signature types were verified")
    print("all checks passed")


if __name__ == "__main__":
    main("unix:" + sys.argv[1])
