import QCreditCLI

await QCreditCommand.start()
