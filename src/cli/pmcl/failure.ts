/** Something pmcl could not do (refused, unreachable, not logged in): `pmcl: <message>`, exit 1. */
export class Failure extends Error {
  override readonly name = 'Failure';
}

/** An error answer of the API, `{error: {code, message}}`, with its HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
