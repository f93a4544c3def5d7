print("qcreditd")
