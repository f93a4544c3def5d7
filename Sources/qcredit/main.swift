print("qcredit")
