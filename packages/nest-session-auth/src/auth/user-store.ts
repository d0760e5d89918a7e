/** An account as the user store keeps it. */
export interface UserAccount {
  id: string;
  name: string;
  passwordHash: string;
}

/** Thrown by `UserStore.create` when the name is already in use. */
export class NameTakenError extends Error {
  override name = 'NameTakenError';
}

/**
 * Where AuthModule finds accounts. The app provides an implementation (the bundled one keeps
 * them in SQLite or PostgreSQL); a team can plug in its own.
 * @example AuthModule.forRoot({ imports: [UsersModule], userStore: KyselyUserStore })
 */
export abstract class UserStore {
  /** Looks a name up by its `accountNameKey`, so any look-alike spelling finds the account. */
  abstract findByName(name: string): Promise<UserAccount | undefined>;
  /**
   * Creates an account; rejects with `NameTakenError` if a name with the same `accountNameKey`
   * (NFKC, full case folding: `straße` = `STRASSE`) exists.
   */
  abstract create(name: string, passwordHash: string): Promise<UserAccount>;
  /**
   * Replaces the account's password hash (the caller has checked the current password).
   * @example await users.updatePasswordHash(user.id, await hasher.hash(newPassword));
   */
  abstract updatePasswordHash(id: string, passwordHash: string): Promise<void>;
  /** Resolves when the backing database answers. */
  abstract ping(): Promise<void>;
}
