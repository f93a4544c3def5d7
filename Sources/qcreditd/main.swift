import QCreditDaemon

await DaemonCommand.start()
