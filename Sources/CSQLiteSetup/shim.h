// SQLite's settings that are variadic C calls Swift cannot make (sqlite3_config, sqlite3_db_config).
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

/// Turns the triggers of connection `db` on (`enabled` = 1) or off (0) and returns whether they
/// are on afterwards (1 or 0), or -1 when SQLite refused the call. SQLite expires the
/// connection's prepared statements when the setting changes: each is prepared again, under the
/// new setting, the next time it runs.
static inline int qcredit_sqlite_enable_triggers(sqlite3 *db, int enabled) {
    int now = -1;
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled, &now) != SQLITE_OK) return -1;
    return now;
}

/// Turns the foreign-key checks of connection `db` on (1) or off (0) and returns whether they
/// are on afterwards (1 or 0), or -1 when SQLite refused the call.
static inline int qcredit_sqlite_enable_foreign_keys(sqlite3 *db, int enabled) {
    int now = -1;
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, enabled, &now) != SQLITE_OK) return -1;
    return now;
}

#endif
