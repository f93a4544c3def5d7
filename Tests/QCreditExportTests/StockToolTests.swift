import Foundation
import Glibc
import QCreditTestSupport
import QCreditExport
import Testing

/// Exports checked with software qcredit did not write: GNU coreutils, the OpenSSL command line,
/// and Go's `golang.org/x/mod/sumdb` (built offline from Debian's packages when present).
@Suite("Stock tools")
struct StockToolTests {
    @Test("sha256sum, cksum and openssl check a full export and its restricted part", .enabled(if: Tool.isAvailable("sha256sum", "cksum", "openssl", "sh")))
    func coreutilsAndOpenSSL() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 6, enterprises: 12, orgCodeOnly: 2, listings: 2)
        _ = try writeExport(source, keys: keys, into: scratch)
        let directory = scratch.path("qcredit-export-test")

        let ed = String(format: "%08x", keys.ed25519.keyID)
        let sm = String(format: "%08x", keys.sm2.keyID)
        let edVerify = "openssl pkeyutl -verify -rawin -pubin -inkey ed25519-\(ed).pub.pem -in MANIFEST -sigfile MANIFEST.ed25519-\(ed).sig"
        let smVerify =
            "openssl pkeyutl -verify -rawin -digest sm3 -pubin -inkey sm2-\(sm).pub.pem -pkeyopt distid:1234567812345678 "
            + "-in MANIFEST -sigfile MANIFEST.sm2-\(sm).sig"
        // The same commands in both parts: 10 files in the public export, 5 in the restricted part.
        for (part, files) in [(directory, 10), (scratch.path("restricted/qcredit-export-test"), 5)] {
            let sha = try await Tool.shell("sha256sum -c --strict MANIFEST", in: part)
            #expect(sha.output.split(separator: "\n").count == files)
            #expect(sha.output.split(separator: "\n").allSatisfy { $0.hasSuffix(": OK") })
            let sm3 = try await Tool.shell("grep '^# SM3 ' MANIFEST | cut -c3- | cksum --check --strict", in: part)
            #expect(sm3.output.split(separator: "\n").count == files)
            #expect(try await Tool.shell(edVerify, in: part).output.contains("Signature Verified Successfully"))
            #expect(try await Tool.shell(smVerify, in: part).output.contains("Signature Verified Successfully"))
        }

        // And they notice tampering.
        try Files.flipByte(in: directory + "/listings.jsonl")
        let shaFailure = try await Tool.run("sh", ["-c", "sha256sum -c --strict --quiet MANIFEST"], in: directory)
        #expect(shaFailure.status != 0 && shaFailure.output.contains("listings.jsonl: FAILED"))
        #expect(try await Tool.run("sh", ["-c", "grep '^# SM3 ' MANIFEST | cut -c3- | cksum --check --strict --quiet"], in: directory).status != 0)
        try Files.flipByte(in: directory + "/MANIFEST")
        #expect(try await Tool.run("sh", ["-c", edVerify], in: directory).status != 0)
        #expect(try await Tool.run("sh", ["-c", smVerify], in: directory).status != 0)
    }

    static let goPackages = "/usr/share/gocode/src/golang.org/x/mod/sumdb"

    @Test(
        "Go's sumdb note and tlog verify a delta export",
        .enabled(if: Tool.isAvailable("go") && FileManager.default.fileExists(atPath: goPackages), "Go or golang-golang-x-mod-dev missing"))
    func goVerifies() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 7)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-1")
        try source.append(records: 6)
        let previous = try PreviousExport.read(directory: scratch.path("qcredit-export-1"))
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-2", kind: .delta, previous: previous)

        let program = scratch.path("goexport")
        try FileManager.default.createDirectory(atPath: program, withIntermediateDirectories: false)
        try Files.write(Array(Self.goSource.utf8), to: program + "/main.go")
        let environment = [
            "GO111MODULE": "off", "GOPATH": "/usr/share/gocode", "CGO_ENABLED": "0",
            // Shared with the other Go programs the tests build: x/mod is compiled once per machine.
            "GOCACHE": FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-gocache-\(getuid())").path,
        ]
        let build = try await Tool.run("go", ["build", "-o", "goexport", "."], in: program, environment: environment)
        try #require(build.status == 0, "go build: \(build.output)")

        let vkey = keys.ed25519.verifierKey
        let full = try await Tool.run(program + "/goexport", [scratch.path("qcredit-export-1"), vkey], in: scratch.path)
        #expect(full.status == 0 && full.output.contains("root of 7 entries verified"), "\(full.output)")
        let delta = try await Tool.run(
            program + "/goexport", [scratch.path("qcredit-export-2"), vkey, scratch.path("qcredit-export-1")], in: scratch.path)
        #expect(delta.status == 0, "\(delta.output)")
        #expect(delta.output.contains("root of 13 entries verified"), "\(delta.output)")
        #expect(delta.output.contains("tree 13 extends tree 7"), "\(delta.output)")

        try Files.flipByte(in: scratch.path("qcredit-export-2/consistency-proof"))
        let tampered = try await Tool.run(
            program + "/goexport", [scratch.path("qcredit-export-2"), vkey, scratch.path("qcredit-export-1")], in: scratch.path)
        #expect(tampered.status != 0)
    }

    /// A verifier written against Go's sumdb packages only (plus the standard library): the
    /// MANIFEST's Ed25519 signature with the PEM key, the checkpoint with the verifier key, the
    /// root from tree-start and the entries, and the consistency proof from a previous export.
    static let goSource = #"""
        // goexport DIR VKEY [PREVIOUS-DIR]: checks a qcredit export with Go's sumdb packages.
        package main

        import (
        	"bytes"
        	"crypto/ed25519"
        	"crypto/x509"
        	"encoding/base64"
        	"encoding/pem"
        	"fmt"
        	"os"
        	"path/filepath"
        	"strconv"
        	"strings"

        	"golang.org/x/mod/sumdb/note"
        	"golang.org/x/mod/sumdb/tlog"
        )

        func fail(format string, args ...interface{}) {
        	fmt.Fprintf(os.Stderr, "goexport: "+format+"\n", args...)
        	os.Exit(1)
        }

        func read(dir, name string) []byte {
        	data, err := os.ReadFile(filepath.Join(dir, name))
        	if err != nil {
        		fail("%v", err)
        	}
        	return data
        }

        func lines(data []byte) [][]byte {
        	if len(data) == 0 {
        		return nil
        	}
        	if data[len(data)-1] != '\n' {
        		fail("no final newline")
        	}
        	return bytes.Split(data[:len(data)-1], []byte("\n"))
        }

        func hashes(data []byte) []tlog.Hash {
        	var out []tlog.Hash
        	for _, line := range lines(data) {
        		h, err := tlog.ParseHash(string(line))
        		if err != nil {
        			fail("bad hash %q: %v", line, err)
        		}
        		out = append(out, h)
        	}
        	return out
        }

        func checkpoint(dir, vkey string) tlog.Tree {
        	verifier, err := note.NewVerifier(vkey)
        	if err != nil {
        		fail("verifier key: %v", err)
        	}
        	n, err := note.Open(read(dir, "checkpoint"), note.VerifierList(verifier))
        	if err != nil {
        		fail("%s/checkpoint: %v", dir, err)
        	}
        	body := strings.Split(n.Text, "\n")
        	size, err := strconv.ParseInt(body[1], 10, 64)
        	if err != nil {
        		fail("bad size")
        	}
        	root, err := tlog.ParseHash(body[2])
        	if err != nil {
        		fail("bad root")
        	}
        	return tlog.Tree{N: size, Hash: root}
        }

        func manifestSignature(dir, vkey string) {
        	parts := strings.SplitN(vkey, "+", 3)
        	block, _ := pem.Decode(read(dir, "ed25519-"+parts[1]+".pub.pem"))
        	key, err := x509.ParsePKIXPublicKey(block.Bytes)
        	if err != nil {
        		fail("pem: %v", err)
        	}
        	raw, _ := base64.StdEncoding.DecodeString(parts[2])
        	if !bytes.Equal(key.(ed25519.PublicKey), raw[1:]) {
        		fail("the PEM is not the verifier key's")
        	}
        	if !ed25519.Verify(key.(ed25519.PublicKey), read(dir, "MANIFEST"), read(dir, "MANIFEST.ed25519-"+parts[1]+".sig")) {
        		fail("MANIFEST signature does not verify")
        	}
        }

        func main() {
        	dir, vkey := os.Args[1], os.Args[2]
        	manifestSignature(dir, vkey)
        	tree := checkpoint(dir, vkey)

        	// Resume the tree from tree-start's compact range, then store each entry's hashes.
        	stored := map[int64]tlog.Hash{}
        	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
        		out := make([]tlog.Hash, len(indexes))
        		for i, index := range indexes {
        			h, ok := stored[index]
        			if !ok {
        				return nil, fmt.Errorf("hash %d not stored", index)
        			}
        			out[i] = h
        		}
        		return out, nil
        	})
        	start := int64(0)
        	for _, line := range lines(read(dir, "MANIFEST")) {
        		if fields := strings.Fields(string(line)); len(fields) == 4 && fields[1] == "entries" {
        			start, _ = strconv.ParseInt(fields[2], 10, 64)
        		}
        	}
        	position, compact := int64(0), hashes(read(dir, "tree-start"))
        	for level := 62; level >= 0; level-- {
        		if start&(1<<uint(level)) != 0 {
        			stored[tlog.StoredHashIndex(level, position>>uint(level))] = compact[0]
        			compact = compact[1:]
        			position += 1 << uint(level)
        		}
        	}
        	n := start
        	for _, entry := range lines(read(dir, "entries.jsonl")) {
        		add, err := tlog.StoredHashesForRecordHash(n, tlog.RecordHash(entry), reader)
        		if err != nil {
        			fail("entry %d: %v", n, err)
        		}
        		for i, h := range add {
        			stored[tlog.StoredHashIndex(0, n)+int64(i)] = h
        		}
        		n++
        	}
        	root, err := tlog.TreeHash(n, reader)
        	if err != nil || n != tree.N || root != tree.Hash {
        		fail("entries give tree %d %v, the checkpoint is %d %v (%v)", n, root, tree.N, tree.Hash, err)
        	}
        	fmt.Printf("root of %d entries verified\n", n)

        	if len(os.Args) > 3 {
        		old := checkpoint(os.Args[3], vkey)
        		if err := tlog.CheckTree(hashes(read(dir, "consistency-proof")), tree.N, tree.Hash, old.N, old.Hash); err != nil {
        			fail("consistency: %v", err)
        		}
        		fmt.Printf("consistency verified: tree %d extends tree %d\n", tree.N, old.N)
        	}
        }
        """#
}
