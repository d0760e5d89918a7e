// Free of Nest and of every driver, so an app can validate its configuration before loading them.
export { AUTH_DEFAULTS } from './auth/auth.constants.js';
export { SESSION_DEFAULTS } from './session/session.constants.js';
