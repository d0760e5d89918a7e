export { AuthModule, type AuthModuleOptions } from './auth.module.js';
export { AuthService } from './auth.service.js';
export type { SessionUser } from './auth.types.js';
export { CurrentUser } from './current-user.decorator.js';
export { isSameSitePath } from './dto/credentials.schema.js';
export { IS_PUBLIC_KEY, Public } from './public.decorator.js';
export { SessionGuard } from './session.guard.js';
export { NameTakenError, UserStore, type UserAccount } from './user-store.js';
export { wantsJson } from './wants-json.js';
