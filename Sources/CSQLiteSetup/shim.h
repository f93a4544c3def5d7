// SQLite's process-wide settings, which are variadic C calls Swift cannot make (sqlite3_config).
#ifndef QCREDIT_CSQLITESETUP_SHIM_H
#define QCREDIT_CSQLITESETUP_SHIM_H

#include <sqlite3.h>

/// Turns off SQLite's memory statistics: with them on (the default), every allocation and
/// free inside SQLite takes a process-wide mutex to count bytes nobody reads. Effective only
/// before SQLite initialises (the first connection); afterwards SQLite refuses it with
/// SQLITE_MISUSE and nothing changes, which is what this returns.
static inline int qcredit_sqlite_skip_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
