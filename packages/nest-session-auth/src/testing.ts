export {
  postgresForTests,
  temporaryDatabase,
  type TemporaryDatabase,
} from './database/testing/postgres.js';
export type { SessionBackend } from './session/stores/session-backend.js';
export { describeSessionBackend, type TestApi } from './session/stores/testing/backend-contract.js';
export { redisForTests, uniquePrefix } from './session/stores/testing/services.js';
export { sessionData, storeCalls } from './session/stores/testing/store-calls.js';
