export * from './session/index.js';
export * from './auth/index.js';
export { ErrorPageFilter } from './common/error-page.filter.js';
export { PrototypedExpressAdapter } from './common/express-adapter.js';
export type { DatabaseTarget } from './database/database.js';
export { SqliteDatabase } from './database/sqlite-database.js';
export { DEFAULT_PAGES } from './pages.js';
export { KyselyUserStore } from './users/kysely-user.store.js';
export { setupSessionAuth, type SetupOptions } from './setup.js';
