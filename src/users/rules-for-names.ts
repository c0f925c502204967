/** What a user name of `[sqlDB]` may be: letters, digits, `. _ @ -`, at most 64. */
export const USER_NAME = /^[\p{L}\p{N}._@-]{1,64}$/u;
export const USER_NAME_HINT = 'letters, digits, . _ @ -, at most 64';

/** Shorter passwords are refused when set through the CLI or the API. */
export const MIN_PASSWORD_LENGTH = 8;
