import Database from 'better-sqlite3';

/**
 * Every better-sqlite3 connection and every statement prepared on it, kept for the life of the
 * process. better-sqlite3 12's native objects derive from node::ObjectWrap, and the
 * node_object_wrap.h of Node 24.19 and later (a header compiled into the addon) has the destructor
 * call RemoveEnvironmentCleanupHook, which aborts the process ("Assertion failed: (env) != nullptr")
 * when the garbage collector runs it (nodejs/node#65446). An addon built against those headers (as
 * `npm ci` builds better-sqlite3 when no prebuilt binary can be fetched) thus kills the process
 * the first time it collects a Database or Statement, for instance the ones `open` used once.
 * better-sqlite3 13 no longer uses ObjectWrap but needs Node 22, so while Node 20 is supported none
 * of these objects may become garbage. Closing a connection still finalizes its statements and
 * closes the file; what stays is a small wrapper per object, and a process opens a few connections.
 */
const kept: object[] = [];

/**
 * Opens a connection whose native objects are never collected (see `kept`). Its `prepare` keeps
 * each statement, and so do the statements better-sqlite3 caches for `transaction()`, reachable
 * from the connection. `pragma()`, `backup()` and `Statement#iterate()` would make objects that
 * nothing keeps, so they throw: use `exec('PRAGMA …')`, or `prepare('PRAGMA …')` to read one, and
 * `all()`.
 */
export function openDatabase(path: string, options?: Database.Options): Database.Database {
  const db = new Database(path, options);
  kept.push(db);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    kept.push(statement);
    statement.iterate = () => {
      throw new Error('Statement#iterate() makes a native object that may be collected: use all()');
    };
    return statement;
  }) as typeof db.prepare;
  db.pragma = () => {
    throw new Error(
      "Database#pragma() prepares a statement that may be collected: use exec('PRAGMA …') or prepare()",
    );
  };
  db.backup = () => {
    throw new Error('Database#backup() makes a native object that may be collected');
  };
  return db;
}
