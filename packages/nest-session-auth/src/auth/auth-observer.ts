/** What a credential check was for. */
export type CredentialCheckKind = 'sign_in' | 'register' | 'password_change';

/**
 * How a credential check ended: `failure` is a wrong password or a taken name, `throttled` a
 * limit's 429, `busy` the full hashing line's 503. A check that ends in an error (a store down,
 * the client gone) has no verdict and is not reported.
 */
export type CredentialCheckOutcome = 'success' | 'failure' | 'throttled' | 'busy';

/**
 * Told how each credential check ends, for example to count them in metrics. Provide one
 * under `AUTH_OBSERVER` from a global module; without one, `AuthService` reports nothing.
 * @example { provide: AUTH_OBSERVER, useValue: { credentialChecked: (kind, outcome) => counter.inc({ kind, outcome }) } }
 */
export interface AuthObserver {
  credentialChecked(kind: CredentialCheckKind, outcome: CredentialCheckOutcome): void;
}

/** Injection token of the optional `AuthObserver`. */
export const AUTH_OBSERVER = Symbol('AUTH:OBSERVER');
