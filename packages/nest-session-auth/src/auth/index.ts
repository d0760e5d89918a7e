export { AuthModule } from './auth.module.js';
export type { AuthModuleExtras, AuthModuleOptions } from './auth-options.interface.js';
export { AUTH_OPTIONS, AUTH_ROUTES, type AuthRoutes } from './auth.constants.js';
export {
  FormRefusalFilter,
  FormRefusedException,
  type FieldErrors,
  type FormPage,
  type FormState,
} from './form-refusal.js';
export { accountNameKey, INVISIBLE_CHARACTERS } from './account-name.js';
export { AUTH_DEFAULTS } from './auth.constants.js';
export {
  AUTH_OBSERVER,
  type AuthObserver,
  type CredentialCheckKind,
  type CredentialCheckOutcome,
} from './auth-observer.js';
export { AuthLimits, MAX_FAILURES, TooManyAttemptsException } from './auth-limits.js';
export { AuthService } from './auth.service.js';
export { clientOf, type Client } from './client.js';
export { HashingBusyException, PasswordHasher } from './password-hasher.js';
export type { SessionUser } from './auth.types.js';
export { CurrentUser } from './current-user.decorator.js';
export { isSameSitePath } from './dto/credentials.schema.js';
export { IS_PUBLIC_KEY, Public } from './public.decorator.js';
export { SessionGuard, SignInRequiredException } from './session.guard.js';
export { NameTakenError, UserStore, type UserAccount } from './user-store.js';
export { wantsJson } from '../common/wants-json.js';
