// goverify checks qcredit's log with Go's golang.org/x/mod/sumdb/note and sumdb/tlog, software
// qcredit did not write. It builds offline from Debian's packages:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o goverify .
//
// Usage (exit status 0 when the check passes, 1 with a message when it fails):
//
//	goverify checkpoint  VKEY CHECKPOINT
//	goverify inclusion   VKEY CHECKPOINT INDEX LEAF PROOF
//	goverify consistency VKEY OLD-CHECKPOINT NEW-CHECKPOINT PROOF
//
// CHECKPOINT files hold a C2SP signed checkpoint note, LEAF the record's exact bytes, PROOF the
// proof's hashes in base64, one per line (RFC 6962 order).
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "goverify: "+format+"\n", args...)
	os.Exit(1)
}

func read(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return data
}

// openCheckpoint verifies the note's signature with vkey and parses the C2SP checkpoint body
// (origin, size, base64 root). tlog.ParseTree only knows the go.sum origin line, so the body is
// parsed here.
func openCheckpoint(vkey, path string) tlog.Tree {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open(read(path), note.VerifierList(verifier))
	if err != nil {
		fail("%s: %v", path, err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("%s: not a checkpoint body", path)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("%s: bad tree size %q", path, lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("%s: bad root hash: %v", path, err)
	}
	return tlog.Tree{N: size, Hash: root}
}

func readProof(path string) []tlog.Hash {
	var proof []tlog.Hash
	for _, line := range bytes.Split(bytes.TrimSpace(read(path)), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(string(line))
		if err != nil || len(raw) != tlog.HashSize {
			fail("%s: bad proof hash %q", path, line)
		}
		var hash tlog.Hash
		copy(hash[:], raw)
		proof = append(proof, hash)
	}
	return proof
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: goverify checkpoint|inclusion|consistency ...")
	}
	switch args := os.Args[2:]; os.Args[1] {
	case "checkpoint":
		if len(args) != 2 {
			fail("usage: goverify checkpoint VKEY CHECKPOINT")
		}
		tree := openCheckpoint(args[0], args[1])
		fmt.Printf("checkpoint verified: size %d root %s\n", tree.N, tree.Hash)
	case "inclusion":
		if len(args) != 5 {
			fail("usage: goverify inclusion VKEY CHECKPOINT INDEX LEAF PROOF")
		}
		tree := openCheckpoint(args[0], args[1])
		index, err := strconv.ParseInt(args[2], 10, 64)
		if err != nil {
			fail("bad index %q", args[2])
		}
		leaf := tlog.RecordHash(read(args[3]))
		if err := tlog.CheckRecord(readProof(args[4]), tree.N, tree.Hash, index, leaf); err != nil {
			fail("inclusion of record %d in tree %d: %v", index, tree.N, err)
		}
		fmt.Printf("inclusion verified: record %d in tree of size %d\n", index, tree.N)
	case "consistency":
		if len(args) != 4 {
			fail("usage: goverify consistency VKEY OLD-CHECKPOINT NEW-CHECKPOINT PROOF")
		}
		old := openCheckpoint(args[0], args[1])
		current := openCheckpoint(args[0], args[2])
		if err := tlog.CheckTree(readProof(args[3]), current.N, current.Hash, old.N, old.Hash); err != nil {
			fail("consistency of tree %d with tree %d: %v", old.N, current.N, err)
		}
		fmt.Printf("consistency verified: tree %d extends tree %d\n", current.N, old.N)
	default:
		fail("unknown command %q", os.Args[1])
	}
}
