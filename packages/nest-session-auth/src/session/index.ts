export { CSRF_FIELD, CsrfService } from './csrf.service.js';
export { RESOLVED_SESSION_OPTIONS, SESSION_DEFAULTS, SESSION_STORE } from './session.constants.js';
export { SessionLifetime } from './session-lifetime.js';
export type {
  NamedSessionStore,
  RedisStoreOptions,
  ResolvedSessionOptions,
  SessionModuleOptions,
  SessionStoreOptions,
} from './session-options.interface.js';
export { SESSION_OPTIONS } from './session.module-definition.js';
export { SessionModule } from './session.module.js';
export { SessionService, type EstablishOptions, type ListedSession } from './session.service.js';
export { SessionStoreUnavailableException } from './session-store-unavailable.exception.js';
export type { MergeCheck } from './stores/session-persistence.js';
export { VISITOR_COOKIE, type VisitorValueCheck } from './visitor-cookie.js';
export type { ManagedSessionStore } from './stores/managed-session-store.js';
export type { RedisNode } from './stores/redis-connection.js';
export {
  RevisionedSessionStore,
  revisioned,
  type RevisionedStoreClass,
  type StoreParts,
} from './stores/revisioned-session.store.js';
export type {
  AttemptCounterOptions,
  OwnedSelector,
  RetryHint,
  SessionBackend,
  SessionRecord,
  SessionSummary,
  StoredSession,
} from './stores/session-backend.js';
import './session.types.js';
