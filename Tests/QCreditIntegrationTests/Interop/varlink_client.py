#!/usr/bin/env python3
"""Drives a running qcreditd with the Python `varlink` package (a client we did not write).

usage: varlink_client.py SOCKET full     # as a user holding every role
       varlink_client.py SOCKET denied   # as a user holding none

The package introspects first (GetInfo, GetInterfaceDescription, parsed by its own IDL
scanner), then filters every call and reply through the parsed interface. Prints one line per
check; exits non-zero on the first failure.
"""
import sys

import varlink

USCC_A = "911522010783762860"
USCC_B = "91152201078377449P"
USCC_C = "9115220107837941X1"


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print("ok -", message)


def expect_error(call, name, **expected):
    try:
        call()
    except varlink.VarlinkError as error:
        check(error.error() == name, f"error {error.error()} is {name}")
        parameters = error.parameters()
        for key, value in expected.items():
            check(parameters.get(key) == value, f"{name}.{key} = {parameters.get(key)!r}")
        return parameters
    raise AssertionError(f"expected {name}, the call succeeded")


def full(address):
    with varlink.Client(address=address) as client:
        interfaces = client.get_interfaces()
        check(client.info["product"] == "qcreditd", "GetInfo names the product")
        check(set(interfaces) >= {"org.varlink.service", "org.qcredit.query", "org.qcredit.admin"},
              f"GetInfo lists the interfaces: {interfaces}")
        for name in ("org.qcredit.query", "org.qcredit.admin"):
            interface = client.get_interface(name)
            check(interface.name == name, f"GetInterfaceDescription of {name} parses")

        with client.open("org.qcredit.admin") as admin, client.open("org.qcredit.query") as query:
            # Every admin method.
            registered = admin.RegisterEnterprise(code=USCC_A, name="河南示例质量有限公司")
            check(registered["enterprise"]["orgCode"] == "078376286", "RegisterEnterprise")
            admin.RegisterEnterprise(code="07837744-9", name="Legacy Co.", divisionCode="410100")
            upgraded = admin.RegisterEnterprise(code=USCC_B, name="Legacy Co. (USCC)")
            check(upgraded["enterprise"]["uscc"] == USCC_B, "a USCC joins its legacy file")
            updated = admin.UpdateEnterprise(code=USCC_B, name="Renamed Co.", reason="change of name")
            check(updated["enterprise"]["formerNames"][0] == "Legacy Co. (USCC)", "UpdateEnterprise keeps former names")
            event = dict(code=USCC_A, dimension="product", kind="recall", severity="medium", occurredOn="2026-01-05",
                         authority="Henan AMR", documentNumber="豫召〔2026〕1号", summary="battery recall")
            first = admin.RecordEvent(**event)["eventId"]
            ids = admin.RecordEvents(events=[event, dict(event, code=USCC_B, kind="award", severity="high")])["eventIds"]
            check(len(ids) == 2, "RecordEvents")
            corrected = admin.CorrectEvent(eventId=first, event=dict(event, severity="low"), reason="severity typo")
            check(corrected["eventId"] > ids[-1], "CorrectEvent")
            published = admin.PublishGrades()
            # Published now, or a moment earlier by the daemon itself (files with new events are
            # regraded once writes have been quiet for a second).
            check(published["published"] + published["unchanged"] == 2, f"PublishGrades: {published}")
            override = admin.OverrideGrade(code=USCC_B, grade="AA", reason="national award", documentNumber="豫质〔2026〕5号")
            check(override["grade"]["basis"] == "override", "OverrideGrade")
            proposal = admin.ProposeListing(code=USCC_A, listType="serious-dishonesty", reason="counterfeit goods",
                                            legalBasis="SAMR Order No. 44 (2021)", authority="Zhengzhou AMR",
                                            documentNumber="郑市监列〔2026〕3号", decisionDate="2026-01-10")
            listing_id = proposal["listing"]["id"]
            check(proposal["listing"]["state"] == "proposed", "ProposeListing")
            check(admin.FileObjection(listingId=listing_id, summary="not ours")["listing"]["state"] == "objected",
                  "FileObjection")
            resolved = admin.ResolveObjection(listingId=listing_id, outcome="rejected", authority="Zhengzhou AMR",
                                              documentNumber="复核〔2026〕1号")
            check(resolved["listing"]["state"] == "proposed", "ResolveObjection")
            confirmed = admin.ConfirmListing(listingId=listing_id)
            check(confirmed["listing"]["state"] == "listed", "ConfirmListing")
            other = admin.ProposeListing(code=USCC_B, listType="abnormal-operations", reason="no annual report",
                                         legalBasis="abnormal-operations rules", authority="Zhengzhou AMR",
                                         documentNumber="郑异〔2026〕9号", decisionDate="2026-01-11")
            withdrawn = admin.WithdrawListing(listingId=other["listing"]["id"], reason="report filed")
            check(withdrawn["listing"]["state"] == "withdrawn", "WithdrawListing")
            with client.open("org.qcredit.operator") as operator:
                maintenance = operator.RunMaintenance()
                check(maintenance["expired"] == [], "RunMaintenance")
                status = operator.GetStatus()
                check(status["enterprises"] == 2 and status["logSize"] >= 4, f"GetStatus: {status['enterprises']} files")

            # Every query method.
            grade = query.GetGrade(code="07837628-6")["grade"]
            check(grade["grade"] == "D" and grade["basis"] == "listing", "GetGrade: a serious-dishonesty listing forces D")
            check(grade["logIndex"] == confirmed["listing"]["logIndex"], "the grade rests on the listing's record")
            past = query.GetGradeAt(code=USCC_A, at="2026-01-01")["grade"]
            check(past["basis"] == "ungraded", "GetGradeAt a date before any grade")
            replies = list(query.GetGrades(codes=[USCC_A, "911522010783762861", USCC_B, USCC_C], _more=True))
            check([r["code"] for r in replies] == [USCC_A, "911522010783762861", USCC_B, USCC_C],
                  "GetGrades streams one reply per code, in order")
            check(replies[1]["error"] == "org.qcredit.query.InvalidCode" and replies[3]["error"] == "org.qcredit.query.NotFound",
                  "GetGrades reports bad codes per item")
            check(replies[2]["grade"]["grade"] == "AA", "GetGrades answers the good codes")
            file = query.GetFile(code=USCC_A)["file"]
            check(len(file["events"]) == 3 and file["listings"][0]["id"] == listing_id, "GetFile keeps corrected events")
            blacklisted = query.CheckBlacklist(code=USCC_A)
            check(blacklisted["listed"] and blacklisted["listings"][0]["listType"] == "serious-dishonesty", "CheckBlacklist")
            listed = [r["listing"]["id"] for r in query.ListBlacklist(_more=True)]
            check(listed == [listing_id], "ListBlacklist streams the listings")
            revoked = admin.RemoveListing(listingId=listing_id, reason="revoked", authority="Zhengzhou Intermediate Court",
                                          documentNumber="(2026)豫01行初5号")
            check(revoked["listing"]["state"] == "removed", "RemoveListing")
            check(not query.CheckBlacklist(code=USCC_A)["listed"], "a revoked listing is off the list")

            # Typed errors with their parameters.
            expect_error(lambda: query.GetGrade(code="911522010783762861"), "org.qcredit.query.InvalidCode",
                         kind="wrongCheckCharacter", position=18, expected="0", found="1")
            expect_error(lambda: query.GetGrade(code="91152201O783762860"), "org.qcredit.query.InvalidCode",
                         kind="invalidCharacter", position=9)
            expect_error(lambda: query.GetGrade(code=USCC_C), "org.qcredit.query.NotFound", code=USCC_C)
            expect_error(lambda: admin.RegisterEnterprise(code=USCC_A, name="again"), "org.qcredit.admin.AlreadyRegistered",
                         code=USCC_A)
            expect_error(lambda: admin.ConfirmListing(listingId=listing_id), "org.qcredit.admin.InvalidState",
                         listingId=listing_id, state="removed", action="confirm")
            expect_error(lambda: admin.ConfirmListing(listingId=999), "org.qcredit.admin.ListingNotFound", listingId=999)
            expect_error(lambda: admin.RecordEvents(events=[event, dict(event, occurredOn="2026-13-01")]),
                         "org.qcredit.admin.InvalidArgument", parameter="events[1].occurredOn")

    # Errors the package raises before a method exists in its parsed interface, straight on the wire.
    with varlink.Client(address=address) as client:
        connection = client.open_connection()
        service = client.handler(client._interfaces["org.varlink.service"], connection)
        expect_error(lambda: service.GetInterfaceDescription(interface="org.qcredit.nope"),
                     "org.varlink.service.InterfaceNotFound", interface="org.qcredit.nope")
        connection.close()


def denied(address):
    with varlink.Client(address=address) as client:
        check("org.qcredit.query" in client.get_interfaces(), "introspection is open to a user without roles")
        with client.open("org.qcredit.query") as query, client.open("org.qcredit.admin") as admin:
            expect_error(lambda: query.GetGrade(code=USCC_A), "org.qcredit.query.PermissionDenied",
                         method="org.qcredit.query.GetGrade", roles=["regulator", "bank", "auditor"])
            expect_error(lambda: admin.RegisterEnterprise(code=USCC_C, name="Intruder Co."),
                         "org.qcredit.admin.PermissionDenied", method="org.qcredit.admin.RegisterEnterprise",
                         roles=["regulator"])


if __name__ == "__main__":
    socket_path, mode = sys.argv[1], sys.argv[2]
    {"full": full, "denied": denied}[mode]("unix:" + socket_path)
    print("all checks passed")
