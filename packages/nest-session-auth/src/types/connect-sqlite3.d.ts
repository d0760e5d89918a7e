// @types/connect-sqlite3 0.9.6 types `db` as a string only and misspells `concurrentDb`.
declare module 'connect-sqlite3' {
  import type session from 'express-session';

  interface SQLiteStoreOptions {
    table?: string;
    db?: string | object;
    dir?: string;
    createDirIfNotExists?: boolean;
    concurrentDb?: boolean;
    mode?: number;
  }

  function connectSqlite3(s: typeof session): new (options?: SQLiteStoreOptions) => session.Store;
  export = connectSqlite3;
}
