/** A user database (mapDB from TOML, sqlDB in the store): who exists, their groups, their password. */
export interface UserDB {
  readonly name: string;
  readonly kind: string;
  /** Constant-time with respect to whether the user exists. */
  verify(user: string, pass: string): Promise<boolean>;
  /** undefined when the user does not exist. */
  groups(user: string): readonly string[] | undefined;
  displayName(user: string): string | undefined;
  /**
   * Changes whenever a password may have changed (another process's `pmproxy user passwd`), so
   * remembered verifications are dropped. Absent: the passwords change only with a reload.
   */
  revision?(): string | undefined;
}

export interface UserDirectory {
  get(name: string): UserDB | undefined;
  names(): string[];
}
