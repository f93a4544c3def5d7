#!/usr/bin/env python3
"""Calls, as whoever runs it (a bank, in the tests), every method a bank can call about CODE,
with the Python varlink package, and prints every reply as one JSON line.

usage: bank_view.py SOCKET CODE
"""
import json
import sys

import varlink


def main(address, code):
    with varlink.Client(address=address) as client:
        with client.open("org.qcredit.query") as query:
            replies = [
                ("GetGrade", query.GetGrade(code=code)),
                ("GetGradeAt", query.GetGradeAt(code=code, at="2025-06-30")),
                ("GetFile", query.GetFile(code=code)),
                ("CheckBlacklist", query.CheckBlacklist(code=code)),
                ("GetEvidence", query.GetEvidence(code=code)),
            ]
            replies += [("GetGrades", reply) for reply in query.GetGrades(codes=[code], _more=True)]
            replies += [("ListBlacklist", reply) for reply in query.ListBlacklist(_more=True)]
        with client.open("org.qcredit.audit") as audit:
            size = audit.GetCheckpoint()["size"]
            replies += [("GetEntries", reply) for reply in audit.GetEntries(start=0, end=size, _more=True)]
    for method, reply in replies:
        print(json.dumps({"method": method, "reply": reply}, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main("unix:" + sys.argv[1], sys.argv[2])
